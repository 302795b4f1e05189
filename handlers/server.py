"""HTTP front: a small WSGI app (Slack endpoint + health check) served by gunicorn."""

from __future__ import annotations

import json

import structlog
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from sqlalchemy.engine import Engine

from bot.db import is_reachable

log = structlog.get_logger("msbot.http")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Slack's payloads are a few KB; a modal with every field at its limit is under 64 KB.
MAX_BODY_BYTES = 1_000_000


class SlackWsgiApp:
    def __init__(self, bolt: App, engine: Engine):
        self.bolt = bolt
        self.engine = engine

    def __call__(self, environ, start_response):
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        if path == HEALTH_PATH:
            if method != "GET":
                return _reply(start_response, 405, {"error": "use GET"})
            ok = is_reachable(self.engine)
            return _reply(start_response, 200 if ok else 503, {"database": "ok" if ok else "down"})
        if path != EVENTS_PATH:
            return _reply(start_response, 404, {"error": "not found"})
        if method != "POST":
            return _reply(start_response, 405, {"error": "use POST"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _reply(start_response, 400, {"error": "bad Content-Length"})
        if length > MAX_BODY_BYTES:
            return _reply(start_response, 413, {"error": "body too large"})
        request = WsgiHttpRequest(environ)
        try:
            bolt_request = BoltRequest(
                body=request.get_body(), query=request.query_string, headers=request.get_headers()
            )
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            # Bolt parses the body before checking the signature; a body it cannot parse is
            # the client's error, whoever sent it.
            log.warning("http.malformed_body", error=str(exc)[:200])
            return _reply(start_response, 400, {"error": "malformed body"})
        response = self.bolt.dispatch(bolt_request)
        headers = [(k, v) for k, values in response.headers.items() for v in values]
        start_response(f"{response.status} {_REASONS.get(response.status, 'OK')}", headers)
        body = response.body
        return [body.encode("utf-8") if isinstance(body, str) else body]


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 500: "Error"}


def _reply(start_response, status: int, payload: dict):
    body = json.dumps(payload).encode()
    reason = {405: "Method Not Allowed", 413: "Payload Too Large", 503: "Service Unavailable"}
    start_response(
        f"{status} {_REASONS.get(status) or reason.get(status, 'OK')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]
