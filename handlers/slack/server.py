"""HTTP front: a small WSGI app (Slack endpoint + health check), served by waitress."""

from __future__ import annotations

import json
import uuid

import structlog
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request.internals import build_normalized_headers, extract_content_type
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.engine import Engine

from bot.db import is_reachable
from handlers.slack import edge

log = structlog.get_logger("msbot.http")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Slack's payloads are a few KB; a modal with every field at its limit is under 64 KB.
MAX_BODY_BYTES = 1_000_000


class SlackWsgiApp:
    def __init__(self, bolt: App, engine: Engine, signing_secret: str):
        self.bolt = bolt
        self.engine = engine
        self.verifier = SignatureVerifier(signing_secret)

    def __call__(self, environ, start_response):
        # Server threads are reused: nothing bound while handling the last request may
        # follow this one into its log lines.
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=uuid.uuid4().hex[:16])
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
            raw = edge.read_body(environ, MAX_BODY_BYTES)
            text = edge.verify(self.verifier, raw, environ)
            request = WsgiHttpRequest(environ)
            headers = build_normalized_headers(request.get_headers())
            body = edge.parse(text, extract_content_type(headers))
        except edge.Refused as refusal:
            # One line, no traceback, nothing from the body: anyone can send these.
            log.info("http.refused", status=refusal.status, reason=refusal.reason)
            return _reply(start_response, refusal.status, {"error": refusal.reason})
        bolt_request = BoltRequest(body=text, query=request.query_string, headers=headers)
        # Bolt parsed the same text by the same rules; listeners get the checked, scrubbed copy
        # (the raw text stays for Bolt's own signature check).
        bolt_request.body = body
        response = self.bolt.dispatch(bolt_request)
        headers = [(k, v) for k, values in response.headers.items() for v in values]
        start_response(f"{response.status} {_REASONS.get(response.status, 'OK')}", headers)
        body = response.body
        return [body.encode("utf-8") if isinstance(body, str) else body]


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 500: "Error"}
_OTHER_REASONS = {405: "Method Not Allowed", 413: "Payload Too Large", 503: "Service Unavailable"}


def _reply(start_response, status: int, payload: dict):
    body = json.dumps(payload).encode()
    start_response(
        f"{status} {_REASONS.get(status) or _OTHER_REASONS.get(status, 'OK')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]
