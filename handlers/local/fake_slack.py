"""The one fake Slack: a local Slack Web API over real HTTP, recording every call.

The tests point msbot's WebClient at it (via SLACK_API_URL) and assert on the calls it received,
as slack-bolt's own test suite does; `msbot local` points the same client at it and draws what
it records (handlers.local.workspace). It enforces the Slack rules in handlers.local.rules and
answers a broken one with Slack's own error.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import random
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

from handlers.local import fake_history, rules
from handlers.local import scopes as fake_scopes

RESPONSE_URL = "response_url"
# Where files.getUploadURLExternal tells the client to send a file's bytes.
UPLOAD = "upload"
# Form-encoded Web API arguments that carry JSON (slack_sdk sends most calls as JSON instead).
_JSON_ARGS = ("blocks", "attachments", "view", "metadata", "files")


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
    # What the fake answered (the inspector shows it; a broken rule shows as ok: false).
    response: dict | None = None
    # The URL path it was sent to (which response_url, for the workspace).
    path: str = ""
    # ``args`` with JSON strings decoded (blocks, view, files...): what the fake reads.
    values: dict = field(default_factory=dict)
    # The HTTP status it was answered with, and whether the answer was ok (failure injection
    # and broken rules answer ok: false).
    status: int = 200
    ok: bool = True


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    headers: dict = field(default_factory=dict)
    # Only calls to this channel fail (None: any call).
    channel: str | None = None


@dataclass
class Chaos:
    """A seeded share of calls answered 429 (with Retry-After) or 500."""

    rate_429: float
    rate_500: float
    retry_after: int
    methods: tuple[str, ...]
    rng: random.Random


class Observer(Protocol):
    """Something that keeps state from the calls (the local workspace)."""

    def observe(self, call: Call, body: dict) -> dict: ...


def _parse_args(raw: str, content_type: str) -> dict:
    """The arguments as sent (and as tests assert on them)."""
    if "json" in content_type:
        return json.loads(raw or "{}")
    return dict(parse_qsl(raw))


def decoded(args: dict) -> dict:
    """``args`` with the JSON that form-encoded calls carry as strings decoded (slack_sdk sends
    most calls as JSON, but files.completeUploadExternal's ``files`` always as a string)."""
    out = dict(args)
    for key in _JSON_ARGS:
        if isinstance(out.get(key), str) and out[key][:1] in ("[", "{"):
            # Left as sent when it is not JSON: the rules answer it as Slack would.
            with contextlib.suppress(ValueError):
                out[key] = json.loads(out[key])
    return out


# Install from the app's own manifest unless told otherwise.
FROM_MANIFEST = "manifest"


class SlackStub:
    def __init__(
        self,
        port: int = 0,
        observer: Observer | None = None,
        real_time: bool = False,
        scopes: Iterable[str] | str | None = FROM_MANIFEST,
    ):
        self.calls: list[Call] = []
        # The bot scopes the app was installed with (by default those manifest.yml asks for):
        # a call they do not allow is answered missing_scope, as Slack answers it. None: not
        # installed from anything, every call allowed.
        self._installed = self._scopes(scopes)
        self.granted = self._installed
        # users.info answers: user id -> display name (unknown ids: user_not_found).
        self.people: dict[str, str] = {}
        # What apps.connections.open answers for Socket Mode (a ws:// URL a test controls);
        # while None, that method gets the plain {"ok": true} like any other.
        self.socket_url: str | None = None
        self.observer = observer
        # usergroups.users.list answers: user group id -> member ids.
        self.group_members: dict[str, list[str]] = {}
        # Message timestamps from the wall clock (the workspace shows them) rather than the
        # fixed 1700000000.N the tests know.
        self.real_time = real_time
        # Files by id (files.getUploadURLExternal, then the upload): name, mimetype, content.
        self.files: dict[str, dict] = {}
        # file id -> bytes uploaded through files_upload_v2
        self.uploads: dict[str, bytes] = {}
        self._failures: dict[str, list[Failure]] = {}
        self._chaos: Chaos | None = None
        # trigger_id -> (monotonic time issued, user): only triggers this fake issued expire;
        # a test's own trigger ids are taken at their word.
        self._triggers: dict[str, tuple[float, str]] = {}
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _send(self, status: int, payload: bytes, headers: dict, ctype: str):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                if self.path.startswith("/api/"):  # read methods (conversations.history)
                    url = urlsplit(self.path)
                    method, args = url.path.rsplit("/", 1)[-1], dict(parse_qsl(url.query))
                    status, body, headers = stub._respond(method, args, dict(self.headers))
                    self._send(status, json.dumps(body).encode(), headers, "application/json")
                    return
                # An uploaded file's bytes (the workspace shows images from here).
                file = stub.files.get(self.path.rsplit("/", 1)[-1])
                if not self.path.startswith("/files/") or file is None:
                    self._send(404, b"not found", {}, "text/plain")
                    return
                self._send(200, file["content"], {}, file.get("mimetype", "image/png"))

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                if self.path.startswith("/upload/"):
                    status, body, headers = stub._upload(self.path.rsplit("/", 1)[-1], data)
                    self._send(status, body.encode(), headers, "text/plain")
                    return
                args = _parse_args(data.decode(), self.headers.get("Content-Type") or "")
                # Posts to a response_url are recorded under one name, whatever the path.
                if self.path.startswith("/response/"):
                    method = RESPONSE_URL
                else:
                    method = self.path.rsplit("/", 1)[-1]
                status, body, headers = stub._respond(
                    method, args, dict(self.headers), path=self.path
                )
                self._send(status, json.dumps(body).encode(), headers, "application/json")

        self.server = _Server(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.url = self.base + "/api/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def _scopes(scopes: Iterable[str] | str | None) -> frozenset[str] | None:
        if scopes == FROM_MANIFEST:
            return fake_scopes.manifest_scopes()
        return None if scopes is None else frozenset(scopes)

    def install(self, scopes: Iterable[str] | str | None = FROM_MANIFEST) -> None:
        """Reinstall the app with these bot scopes (a manifest's, by default), until reset()."""
        with self._cond:
            self.granted = self._scopes(scopes)

    def reset(self):
        with self._cond:
            self.granted = self._installed
            self.people = {}
            self.calls.clear()
            self._failures.clear()
            self._chaos = None
            self._triggers.clear()
            self.uploads.clear()
            self.socket_url = None
            self.group_members = {}

    def fail(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 200,
        error: str | None = None,
        headers: dict | None = None,
        channel: str | None = None,
    ):
        """Make the next ``times`` calls of ``method`` (to ``channel``, if given) fail (HTTP
        status and/or Slack error)."""
        with self._cond:
            self._failures.setdefault(method, []).extend(
                Failure(status, error, headers or {}, channel) for _ in range(times)
            )

    def _planned_failure(self, method: str, args: dict) -> Failure | None:
        planned = self._failures.get(method) or []
        for i, failure in enumerate(planned):
            if failure.channel is None or failure.channel == args.get("channel"):
                return planned.pop(i)
        return None

    def chaos(
        self,
        *,
        rate_429: float = 0.0,
        rate_500: float = 0.0,
        retry_after: int = 1,
        seed: int = 0,
        methods: tuple[str, ...] = ("chat.postMessage",),
    ):
        """From now on answer a seeded share of ``methods`` calls with 429 (and a
        ``Retry-After`` header) or 500, like a busy or unwell Slack. ``chaos()`` turns it off."""
        with self._cond:
            self._chaos = Chaos(rate_429, rate_500, retry_after, methods, random.Random(seed))

    def _chaos_failure(self, method: str) -> Failure | None:
        chaos = self._chaos
        if chaos is None or method not in chaos.methods:
            return None
        roll = chaos.rng.random()
        if roll < chaos.rate_429:
            return Failure(429, "ratelimited", {"Retry-After": str(chaos.retry_after)})
        if roll < chaos.rate_429 + chaos.rate_500:
            return Failure(500, "internal_error")
        return None

    def issue_trigger(self, user: str, issued_at: float | None = None) -> str:
        """A trigger_id as Slack sends with an interaction; it opens a modal for 3 seconds."""
        trigger = f"{int(time.time())}.{uuid.uuid4().hex[:12]}"
        with self._cond:
            self._triggers[trigger] = (time.monotonic() if issued_at is None else issued_at, user)
        return trigger

    def trigger_user(self, trigger_id: str | None) -> str | None:
        issued = self._triggers.get(trigger_id or "")
        return issued[1] if issued else None

    def _broken_rule(self, method: str, args: dict) -> dict | None:
        """Slack's answer when this call breaks one of its rules, else None."""
        if method != RESPONSE_URL and method not in rules.KNOWN_METHODS:
            return {"ok": False, "error": "unknown_method"}
        if method != RESPONSE_URL and (
            refused := fake_scopes.missing_scope(method, args, self.granted)
        ):
            return refused
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral", RESPONSE_URL):
            new = method in ("chat.postMessage", "chat.postEphemeral")
            problem = rules.message_problems(args, new=new)
            if problem:
                error, messages = problem
                return {"ok": False, "error": error, "errors": messages}
        if method in ("views.open", "views.push"):
            issued = self._triggers.get(args.get("trigger_id") or "")
            if issued and time.monotonic() - issued[0] > rules.TRIGGER_TTL_SECONDS:
                return {"ok": False, "error": "expired_trigger_id"}
        if method.startswith("views."):
            messages = rules.view_problems(args.get("view"))
            if messages:
                return {
                    "ok": False,
                    "error": "invalid_arguments",
                    "response_metadata": {"messages": messages},
                }
        return None

    def _respond(self, method: str, args: dict, headers: dict, path: str = ""):
        call = Call(method, args, headers, path=path, values=decoded(args))
        with self._cond:
            self.calls.append(call)
            failure = self._planned_failure(method, call.values) or self._chaos_failure(method)
            if failure:
                call.status, call.ok = failure.status, False
            self._cond.notify_all()
        if failure:
            body = {"ok": False, "error": failure.error or "internal_error"}
            call.response = body
            return failure.status, body, failure.headers
        body = self._broken_rule(method, call.values) or self._answer(method, call.values)
        if self.observer is not None:
            body = self.observer.observe(call, body)
        call.response = body
        call.ok = bool(body.get("ok"))
        return 200, body, {}

    def next_ts(self) -> str:
        """A message ts, unique in this fake."""
        seconds = int(time.time()) if self.real_time else 1700000000
        return f"{seconds}.{next(self._ts):06d}"

    def _answer(self, method: str, args: dict) -> dict:
        ts = self.next_ts()
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
        elif method in ("views.open", "views.update", "views.push", "views.publish"):
            view_id = args.get("view_id") or f"V{next(self._ts)}"
            body = {"ok": True, "view": {**(args.get("view") or {}), "id": view_id}}
        elif method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):08d}"
            self.files[file_id] = {"id": file_id, "name": args.get("filename"), "content": b""}
            body = {"ok": True, "file_id": file_id, "upload_url": f"{self.base}/upload/{file_id}"}
        elif method == "files.completeUploadExternal":
            files = args.get("files") or []
            body = {"ok": True, "files": [self._file(f.get("id"), f.get("title")) for f in files]}
        elif method == "chat.getPermalink":
            channel, ts = args.get("channel", ""), str(args.get("message_ts", ""))
            link = f"{self.base}/archives/{channel}/p{ts.replace('.', '')}"
            body = {"ok": True, "channel": channel, "permalink": link}
        elif method == "users.info":
            body = self._user(args.get("user") or "")
        elif method in ("conversations.history", "conversations.replies"):
            with self._cond:
                calls = list(self.calls)
            read = fake_history.history if method.endswith("history") else fake_history.replies
            body = read(calls, args)
        elif method == "usergroups.users.list":
            body = {"ok": True, "users": list(self.group_members.get(args.get("usergroup"), []))}
        elif method == "apps.connections.open" and self.socket_url:
            body = {"ok": True, "url": self.socket_url}
        else:
            body = {"ok": True}
        return body

    def _user(self, user_id: str) -> dict:
        name = self.people.get(user_id)
        if name is None:
            return {"ok": False, "error": "user_not_found"}
        profile = {"display_name": name, "real_name": name}
        return {
            "ok": True,
            "user": {"id": user_id, "name": name, "real_name": name, "profile": profile},
        }

    def _file(self, file_id: str | None, title: str | None) -> dict:
        stored = self.files.get(file_id or "", {})
        return {
            "id": file_id,
            "title": title,
            "name": stored.get("name"),
            "mimetype": stored.get("mimetype", "application/octet-stream"),
            "url_private": f"{self.base}/files/{file_id}",
        }

    def _upload(self, file_id: str, data: bytes) -> tuple[int, str, dict]:
        with self._cond:
            self.uploads[file_id] = data
            self.calls.append(Call(UPLOAD, {"file_id": file_id, "bytes": len(data)}, {}))
            self._cond.notify_all()
        if file_id not in self.files:
            return 404, "file not found", {}
        png = data.startswith(b"\x89PNG")
        self.files[file_id].update(content=data, mimetype="image/png" if png else "text/plain")
        return 200, f"OK - {len(data)}", {}

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

    def posts(self, channel: str | None = None) -> list[Call]:
        """chat.postMessage calls that succeeded (optionally to one channel), in arrival order."""
        return [
            c
            for c in self.of("chat.postMessage")
            if c.ok and (channel is None or c.values.get("channel") == channel)
        ]

    def post_times_by_channel(self) -> dict[str, list[float]]:
        """Arrival times of successful posts, per channel: what pacing is judged on."""
        times: dict[str, list[float]] = {}
        for call in self.posts():
            times.setdefault(call.values.get("channel"), []).append(call.at)
        return times
