"""The fake Slack's HTTP front: the Web API, response_url posts, file uploads and file bytes,
served on 127.0.0.1 by a threading server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

from handlers.local.fake_calls import RESPONSE_URL, parse_args


class Answerer(Protocol):
    """What the HTTP front hands each request to (fake_slack.SlackStub)."""

    files: dict[str, dict]

    def _respond(
        self, method: str, args: dict, headers: dict, path: str = ""
    ) -> tuple[int, dict, dict]: ...

    def _upload(self, file_id: str, data: bytes) -> tuple[int, str, dict]: ...


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a burst of concurrent calls would have its
    # connections dropped and retried a second later, a delay real Slack does not impose.
    request_queue_size = 512
    daemon_threads = True


def _handler(stub: Answerer) -> type[BaseHTTPRequestHandler]:
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
            args = parse_args(data.decode(), self.headers.get("Content-Type") or "")
            # Posts to a response_url are recorded under one name, whatever the path.
            if self.path.startswith("/response/"):
                method = RESPONSE_URL
            else:
                method = self.path.rsplit("/", 1)[-1]
            status, body, headers = stub._respond(method, args, dict(self.headers), path=self.path)
            self._send(status, json.dumps(body).encode(), headers, "application/json")

    return Handler


def serve(stub: Answerer, port: int = 0) -> ThreadingHTTPServer:
    """Serve ``stub`` on 127.0.0.1:``port`` (0: any free port) on a daemon thread."""
    server = _Server(("127.0.0.1", port), _handler(stub))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
