"""What a request to /api/messages must pass before the Teams SDK sees it.

The SDK's FastAPI route calls ``request.json()`` unguarded and indexes into the body before it
validates it, so a malformed or oddly shaped body comes back as a 500 and any size is read.
Here, in order: when authentication is on, a request without a valid Bot Framework token is
refused (401) before its body is read (handlers/teams/auth.py says why msbot checks it itself);
the body is bounded (413) and must be JSON (415/400); the activity must be one the SDK and our
handlers can read (400): a known type, the ids our handlers use as strings of sane length, a
service URL we are willing to call back (HTTPS in ``serve``, loopback in ``local``), and it
must pass the SDK's own activity models, so the SDK never raises on it. Last, the token's
service URL claim must name the activity's service URL (401). The SDK then checks the token
again, as it always does.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import structlog
from microsoft_teams.api import ActivityTypeAdapter
from pydantic import ValidationError

from handlers.request_guards import Refused, nesting_depth
from handlers.teams.auth import TokenCheck, matches_service_url
from handlers.teams.settings import TeamsSettings

log = structlog.get_logger("msbot.teams.http")

ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]

MESSAGES_PATH = "/api/messages"
MAX_DEPTH = 32
# Teams conversation ids (channel ids with ;messageid=…, 1:1 ids "a:1…") run to a few hundred
# characters; user ids are "29:" plus about 100. Twice the longest seen is still bounded.
MAX_ID = 512
# The activity types the SDK models and msbot answers or deliberately ignores.
KNOWN_TYPES = {
    "message",
    "messageUpdate",
    "messageDelete",
    "messageReaction",
    "conversationUpdate",
    "installationUpdate",
    "invoke",
    "event",
    "typing",
    "endOfConversation",
    "command",
    "commandResult",
    "handoff",
    "trace",
}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _short_string(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID and "\x00" not in value


def _service_url_allowed(url: Any, settings: TeamsSettings) -> bool:
    if not _short_string(url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError on a port out of range)
    except ValueError:
        return False
    if settings.mode == "local":
        return parts.scheme in ("http", "https") and host in LOOPBACK_HOSTS
    return parts.scheme == "https" and bool(host)


def check_activity(body: Any, settings: TeamsSettings) -> dict:
    """The activity, or Refused(400) saying what is wrong with it."""
    if not isinstance(body, dict):
        raise Refused(400, "an activity is a JSON object")
    if nesting_depth(body, MAX_DEPTH) > MAX_DEPTH:
        raise Refused(400, "activity nested too deeply")
    if body.get("type") not in KNOWN_TYPES:
        raise Refused(400, "unknown activity type")
    for key in ("conversation", "from", "recipient"):
        holder = body.get(key)
        if not isinstance(holder, dict) or not _short_string(holder.get("id")):
            raise Refused(400, f"{key}.id missing or malformed")
    for key in ("id", "channelId", "replyToId"):
        if key in body and body[key] is not None and not _short_string(body[key]):
            raise Refused(400, f"{key} malformed")
    if not _service_url_allowed(body.get("serviceUrl"), settings):
        raise Refused(400, "serviceUrl missing or not allowed")
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        raise Refused(400, "text must be a string")
    if body.get("type") == "invoke" and str(body.get("name") or "").startswith("signin/"):
        # The SDK answers sign-in invokes itself, calling Microsoft's token service with
        # whatever state the body carries (a long one came back as a 500). msbot has no
        # sign-in: nothing to call.
        raise Refused(404, "msbot offers no sign-in")
    try:
        ActivityTypeAdapter.validate_python(body)
    except (ValidationError, ValueError, TypeError) as exc:
        raise Refused(400, "activity does not match the Teams schema") from exc
    return body


async def _read_body(receive: Callable, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Refused(400, "client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Refused(413, "body too large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _header(scope: dict, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


async def _refuse(send: Callable, status: int, reason: str) -> None:
    payload = json.dumps({"error": reason}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class TeamsEdge:
    """ASGI middleware in front of the SDK's FastAPI app."""

    def __init__(self, app: ASGIApp, settings: TeamsSettings, tokens: TokenCheck | None):
        if tokens is None and not settings.allow_unauthenticated:
            raise ValueError("a Teams edge that validates tokens needs a TokenCheck")
        self.app = app
        self.settings = settings
        self.tokens = None if settings.allow_unauthenticated else tokens

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope.get("path") != MESSAGES_PATH:
            await self.app(scope, receive, send)
            return
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=uuid.uuid4().hex[:16])
        try:
            body = await self._checked_body(scope, receive)
        except Refused as refused:
            # One line, nothing from the body: anyone can send these.
            log.info("http.refused", status=refused.status, reason=refused.reason)
            await _refuse(send, refused.status, refused.reason)
            return
        replayed = False

        async def replay() -> dict:
            # The SDK reads the body again; hand it the bytes we already checked.
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _checked_body(self, scope: dict, receive: Callable) -> bytes:
        if scope.get("method") != "POST":
            raise Refused(405, "POST only")
        claims = None
        if self.tokens is not None:
            authorization = _header(scope, b"authorization")
            if not authorization.startswith("Bearer "):
                raise Refused(401, "Unauthorized")
            claims = await self.tokens.claims(authorization.removeprefix("Bearer "))
            if claims is None:
                raise Refused(401, "Unauthorized")
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > self.settings.max_body_bytes:
            raise Refused(413, "body too large")
        if _header(scope, b"content-type").split(";")[0].strip().lower() != "application/json":
            raise Refused(415, "JSON only")
        raw = await _read_body(receive, self.settings.max_body_bytes)
        try:
            parsed = json.loads(raw)
        except (ValueError, RecursionError):
            raise Refused(400, "body is not JSON") from None
        check_activity(parsed, self.settings)
        if claims is not None and not matches_service_url(claims, parsed["serviceUrl"]):
            raise Refused(401, "Unauthorized")
        return raw
