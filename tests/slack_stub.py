"""A local stand-in for the Slack Web API over real HTTP, recording every call.

Like slack-bolt's own test suite, tests point the app's WebClient at this server (via
SLACK_API_URL) and assert on the calls it received.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

RESPONSE_URL = "response_url"


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a burst of concurrent calls would have its
    # connections dropped and retried a second later, a delay real Slack does not impose.
    request_queue_size = 512


@dataclass
class Call:
    method: str
    args: dict
    headers: dict
    # When it arrived (time.monotonic, comparable across processes on one machine).
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    headers: dict = field(default_factory=dict)


class SlackStub:
    def __init__(self):
        self.calls: list[Call] = []
        # file id -> bytes uploaded through files_upload_v2
        self.uploads: dict[str, bytes] = {}
        # What apps.connections.open answers for Socket Mode (a ws:// URL a test controls);
        # while None, that method gets the plain {"ok": true} like any other.
        self.socket_url: str | None = None
        self._failures: dict[str, list[Failure]] = {}
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                if self.path.startswith("/upload/"):
                    # files_upload_v2's step 2: the file's bytes, posted to the upload_url.
                    content = self.rfile.read(length) if length else b""
                    stub._record_upload(self.path.rsplit("/", 1)[-1], content)
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"OK")
                    return
                raw = self.rfile.read(length).decode() if length else ""
                if "json" in (self.headers.get("Content-Type") or ""):
                    args = json.loads(raw or "{}")
                else:
                    args = dict(parse_qsl(raw))
                # Posts to a response_url are recorded under one name, whatever the path.
                if self.path.startswith("/response/"):
                    method = RESPONSE_URL
                else:
                    method = self.path.rsplit("/", 1)[-1]
                status, body, headers = stub._respond(method, args, dict(self.headers))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def reset(self):
        with self._cond:
            self.calls.clear()
            self.uploads.clear()
            self._failures.clear()
            self.socket_url = None

    def fail(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 200,
        error: str | None = None,
        headers: dict | None = None,
    ):
        """Make the next ``times`` calls of ``method`` fail (HTTP status and/or Slack error)."""
        with self._cond:
            self._failures.setdefault(method, []).extend(
                Failure(status, error, headers or {}) for _ in range(times)
            )

    def _record_upload(self, file_id: str, content: bytes) -> None:
        with self._cond:
            self.uploads[file_id] = content
            self.calls.append(Call("upload", {"file_id": file_id, "bytes": len(content)}, {}))
            self._cond.notify_all()

    def _respond(self, method: str, args: dict, headers: dict):
        with self._cond:
            self.calls.append(Call(method, args, headers))
            failure = self._failures.get(method) and self._failures[method].pop(0)
            self._cond.notify_all()
        if failure:
            body = {"ok": False, "error": failure.error or "internal_error"}
            return failure.status, body, failure.headers
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "auth.test":
            body = {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "b"}
        elif method == "conversations.open":
            body = {"ok": True, "channel": {"id": "D" + args.get("users", "X")}}
        elif method == "chat.postMessage":
            body = {
                "ok": True,
                "channel": args.get("channel"),
                "ts": ts,
                "message": {"text": args.get("text")},
            }
        elif method == "chat.update":
            body = {
                "ok": True,
                "channel": args.get("channel"),
                "ts": args.get("ts"),
                "text": args.get("text"),
            }
        elif method == "chat.postEphemeral":
            body = {"ok": True, "message_ts": ts}
        elif method in ("views.open", "views.update", "views.push"):
            body = {"ok": True, "view": {"id": f"V{next(self._ts)}"}}
        elif method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts)}"
            upload_url = self.url.replace("/api/", f"/upload/{file_id}")
            body = {"ok": True, "file_id": file_id, "upload_url": upload_url}
        elif method == "files.completeUploadExternal":
            files = json.loads(args.get("files") or "[]")
            body = {
                "ok": True,
                "files": [{"id": f.get("id"), "title": f.get("title")} for f in files],
            }
        elif method == "apps.connections.open" and self.socket_url:
            body = {"ok": True, "url": self.socket_url}
        else:
            body = {"ok": True}
        return 200, body, {}

    @property
    def response_url(self) -> str:
        """A response_url for block actions; posts to it are recorded as RESPONSE_URL calls."""
        return self.url.replace("/api/", "/response/1")

    def wait_until(self, predicate, timeout: float = 10.0, what: str = "") -> list[Call]:
        """Block until ``predicate(calls)`` is true (event-driven, not a sleep); returns calls."""
        with self._cond:
            ok = self._cond.wait_for(lambda: predicate(list(self.calls)), timeout)
            calls = list(self.calls)
        assert ok, f"timed out waiting for {what or predicate}: {calls}"
        return calls

    def wait_for_call(self, method: str, timeout: float = 10.0, **match) -> Call:
        """Block until a call of ``method`` whose args include ``match`` arrives; return it."""

        def found(calls):
            return [
                c
                for c in calls
                if c.method == method and all(c.args.get(k) == v for k, v in match.items())
            ]

        return found(self.wait_until(found, timeout, f"{method} {match}"))[0]

    def of(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until ``count`` calls of ``method`` arrived (event-driven, not a sleep)."""
        with self._cond:
            ok = self._cond.wait_for(
                lambda: len([c for c in self.calls if c.method == method]) >= count, timeout
            )
        calls = self.of(method)
        assert ok, f"expected {count} {method} call(s), got {len(calls)}: {self.calls}"
        return calls
