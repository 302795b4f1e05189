"""What a request must pass at the HTTP edge before Bolt sees it.

Bolt parses a body before it checks the signature, and indexes into the parsed payload
(``body["actions"][0]``, ``body["user"]["id"]``) trusting Slack's shapes. So here, in order:
the body is bounded, the Slack signature and timestamp are verified over the raw bytes (an
unsigned request is refused without being parsed at all), and only then is the body parsed,
depth-limited and checked for the shapes Bolt and our listeners rely on. Ids are checked
against Slack's own alphabet and lengths (which also keeps NUL bytes and over-long ids away
from the database), and free text is scrubbed of what PostgreSQL cannot store.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

from handlers.request_guards import Refused, nesting_depth
from handlers.slack import event_shapes

# Deeper than any Slack payload (a modal with rich text is about 15 levels).
MAX_DEPTH = 48
# Slack ids (U…, T…, C…, A…, E…) are about a dozen characters; the limit is the database
# column that stores user ids. View ids (stored as submission keys, 100 wide), trigger and
# event ids (in delivery keys, 200 wide) may be longer.
_ID = re.compile(r"^[A-Za-z0-9._-]{0,30}$")
_LONG_ID = re.compile(r"^[A-Za-z0-9._-]{0,100}$")
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")

# Where each id lives: (container key or None for the top level, id key, pattern).
_ID_FIELDS = [
    (None, "user_id", _ID),
    (None, "team_id", _ID),
    (None, "channel_id", _ID),
    (None, "enterprise_id", _ID),
    (None, "api_app_id", _ID),
    (None, "trigger_id", _LONG_ID),
    (None, "event_id", _LONG_ID),
    ("user", "id", _ID),
    ("user", "team_id", _ID),
    ("team", "id", _ID),
    ("channel", "id", _ID),
    ("enterprise", "id", _ID),
    ("view", "id", _LONG_ID),
    ("view", "team_id", _ID),
    ("view", "app_id", _ID),
    ("container", "channel_id", _ID),
    ("event", "user", _ID),
    ("event", "channel", _ID),
]
# Top-level keys that, when present, Bolt or our listeners read as objects or lists.
_OBJECTS = ("user", "team", "channel", "view", "container", "message", "event", "state")
_LISTS = ("actions", "authorizations")
# Strings Bolt matches listeners against (a regex search on a number raises).
_MATCHED = [
    (None, "type"),
    (None, "command"),
    (None, "callback_id"),
    ("view", "callback_id"),
    ("view", "type"),
    ("view", "private_metadata"),
    ("event", "type"),
    ("event", "subtype"),
]


def read_body(environ: dict, limit: int) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Refused(400, "bad Content-Length") from None
    if length < 0:
        raise Refused(400, "bad Content-Length")
    if length > limit:
        raise Refused(413, "body too large")
    return environ["wsgi.input"].read(length) if length else b""


def verify(verifier: SignatureVerifier, raw: bytes, environ: dict) -> str:
    """The body as text, if Slack signed it within the last five minutes."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
    signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
    if not _TIMESTAMP.match(timestamp) or not signature.startswith("v0="):
        raise Refused(401, "missing or malformed signature headers")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(401, "invalid signature") from None  # Slack only signs UTF-8
    if not verifier.is_valid(body=text, timestamp=timestamp, signature=signature):
        raise Refused(401, "invalid or expired signature")
    return text


def parse(text: str, content_type: str | None) -> dict:
    """The payload exactly as Bolt will read it (the same rules), checked before Bolt does."""
    try:
        body = _parse_like_bolt(text, content_type)
    except (ValueError, RecursionError):
        raise Refused(400, "malformed body") from None
    if not isinstance(body, dict):
        raise Refused(400, "the payload is not an object")
    if nesting_depth(body, MAX_DEPTH) > MAX_DEPTH:
        raise Refused(400, "the payload is nested too deeply")
    _check_shape(body)
    _check_event_shape(body)
    return _scrub(body)


def _parse_like_bolt(text: str, content_type: str | None):
    # slack_bolt.request.internals.parse_body, whose rules decide what Bolt will see.
    if not text:
        return {}
    if content_type == "application/json" or text.startswith("{"):
        return json.loads(text)
    if "payload" in text:
        payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
        return json.loads(payload) if payload is not None else {}
    return dict(parse_qsl(text, keep_blank_values=True))


def _check_shape(body: dict) -> None:
    for key in _OBJECTS:
        if body.get(key) is not None and not isinstance(body[key], dict):
            raise Refused(400, f"'{key}' must be an object")
    # Bolt reads body["view"].get(...) whenever the key is present, even to log an unmatched
    # request, so a null view is as fatal as a string.
    if "view" in body and not isinstance(body["view"], dict):
        raise Refused(400, "'view' must be an object")
    if "event" in body and not isinstance(body["event"], dict):
        raise Refused(400, "'event' must be an object")  # Bolt reads body.get("event", {})
    for key in ("tokens", "function"):
        if _field(body, "event", key) is not None and not isinstance(body["event"][key], dict):
            raise Refused(400, f"'event.{key}' must be an object")
    if not isinstance(body.get("enterprise"), dict | str | type(None)):
        raise Refused(400, "'enterprise' must be an object")
    for key in _LISTS:
        items = body.get(key)
        if items is not None and not (
            isinstance(items, list) and all(isinstance(i, dict) for i in items)
        ):
            raise Refused(400, f"'{key}' must be a list of objects")
    for container, key in _MATCHED:
        value = _field(body, container, key)
        if value is not None and not isinstance(value, str):
            raise Refused(400, f"'{key}' must be a string")
    for container, key, pattern in _ID_FIELDS:
        value = _field(body, container, key)
        if value is not None and not (isinstance(value, str) and pattern.match(value)):
            raise Refused(400, f"'{key}' is not a Slack id")
    kind = body.get("type")
    if kind in ("block_actions", "interactive_message"):
        if not body.get("actions"):
            raise Refused(400, "an action payload with no actions")
        for action in body["actions"]:
            for key in ("action_id", "block_id", "value"):
                if action.get(key) is not None and not isinstance(action[key], str):
                    raise Refused(400, f"action '{key}' must be a string")
            # Bolt matches block actions on body["actions"][0]["action_id"] (a KeyError if absent).
            if kind == "block_actions" and not isinstance(action.get("action_id"), str):
                raise Refused(400, "an action with no action_id")
    if kind in ("view_submission", "view_closed") and not (
        isinstance(_field(body, "view", "callback_id"), str)
        and isinstance(_field(body, "view", "type"), str)
    ):
        raise Refused(400, "a view payload with no view")
    # Slack always names who submitted a form; what is stored and answered is keyed on it.
    if kind == "view_submission" and not _field(body, "user", "id"):
        raise Refused(400, "a view submission with no user")
    if kind == "event_callback" and not isinstance(_field(body, "event", "type"), str):
        raise Refused(400, "an event payload with no event type")


def _check_event_shape(body: dict) -> None:
    """Events API fields (text, timestamps, nested messages): handlers/slack/event_shapes.py."""
    try:
        event_shapes.check_event(body)
    except event_shapes.WrongShape as wrong:
        raise Refused(400, str(wrong)) from None


def _field(body: dict, container: str | None, key: str):
    holder = body if container is None else body.get(container)
    return holder.get(key) if isinstance(holder, dict) else None


def _scrub(value):
    """Free text PostgreSQL can store: lone surrogates (half an emoji) become U+FFFD, NUL goes."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value).replace("\x00", "")
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value
