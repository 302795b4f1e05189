"""Global Bolt middleware: log context per request, and dropping repeated deliveries."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict

import structlog
from slack_bolt import BoltRequest, BoltResponse
from sqlalchemy.engine import Engine

from bot import deliveries
from bot.db import deadline
from bot.errors import StoreUnavailable

log = structlog.get_logger("msbot.requests")


def delivery_key(body: dict) -> str | None:
    """A key that is the same for every delivery of one Slack request, or None.

    Events carry event_id (the same on Slack's retries); commands and block actions carry a
    trigger_id unique to the user's one click or command. View submissions are made
    idempotent by the core itself (it returns the case stored the first time).
    """
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("command") and body.get("trigger_id"):
        return f"command:{body['trigger_id']}"
    if body.get("type") == "block_actions" and body.get("trigger_id"):
        return f"action:{body['trigger_id']}"
    return None


def bind_request_context(req: BoltRequest, resp: BoltResponse, next):
    body = req.body if isinstance(req.body, dict) else {}
    # Over HTTP the WSGI edge has already cleared the context and bound a request id; Socket
    # Mode has no such edge, so this is where its requests start afresh.
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    structlog.contextvars.clear_contextvars()
    user = body.get("user_id") or _id_of(body.get("user"))
    if not user and isinstance(body.get("event"), dict):
        user = body["event"].get("user")
    structlog.contextvars.bind_contextvars(
        request_id=(request_id if req.mode == "http" else None) or uuid.uuid4().hex[:16],
        user=user if isinstance(user, str) else None,
        slack_kind=body.get("type") or ("command" if body.get("command") else None),
        retry=req.headers.get("x-slack-retry-num", [None])[0],
    )
    return next()


def _id_of(value) -> str | None:
    return value.get("id") if isinstance(value, dict) else None


# How many recent form-opening trigger_ids an app remembers (oldest forgotten first).
_RECENT_LIMIT = 10_000


def _claimed_by_listener(body: dict, event_types: frozenset[str]) -> bool:
    event = body.get("event")
    return (
        body.get("type") == "event_callback"
        and isinstance(event, dict)
        and event.get("type") in event_types
    )


def opens_a_form(body: dict, form_openers: frozenset[tuple[str, str]]) -> bool:
    words = str(body.get("text") or "").split()
    return (body.get("command"), words[0].lower() if words else "") in form_openers


class _RecentKeys:
    """Keys seen lately by this app (in memory, bounded)."""

    def __init__(self, limit: int = _RECENT_LIMIT):
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def seen(self, key: str) -> bool:
        """True if ``key`` was seen before; remembers it either way."""
        with self._lock:
            if key in self._keys:
                return True
            self._keys[key] = None
            if len(self._keys) > self._limit:
                self._keys.popitem(last=False)
            return False


# The database gets this long to say whether a delivery is a repeat, out of Slack's 3 s.
CLAIM_BUDGET_SECONDS = 1.0


def drop_repeated_deliveries(
    engine: Engine,
    *,
    form_openers: frozenset[tuple[str, str]] = frozenset(),
    claimed_by_listener: frozenset[str] = frozenset(),
):
    """Drop a delivery Slack repeats. Two kinds are not recorded in the database first:
    ``form_openers``, (command, first word) pairs that only open a modal (a repeat can do no
    harm: a trigger_id opens one view only, and this process also skips repeats it saw), and
    ``claimed_by_listener``, event types whose listener claims the delivery itself in the
    transaction of its effect (or needs no claim, being idempotent), so that a failure leaves
    it unclaimed for Slack's retry. The app factory lists both (handlers/slack/app.py)."""
    recent_forms = _RecentKeys()

    def middleware(req: BoltRequest, resp: BoltResponse, next):
        body = req.body or {}
        key = delivery_key(body)
        if key is None or _claimed_by_listener(body, claimed_by_listener):
            return next()
        if opens_a_form(body, form_openers):
            if recent_forms.seen(key):
                log.info("delivery.repeated", key=key)
                return BoltResponse(status=200, body="")
            return next()
        try:
            with deadline(CLAIM_BUDGET_SECONDS):
                first = deliveries.claim(engine, key)
        except StoreUnavailable:
            # Better to risk a duplicate than to drop a request because bookkeeping failed;
            # the listener will meet the same outage and say so.
            log.warning("delivery.dedupe_unavailable", key=key)
            first = True
        if not first:
            log.info("delivery.repeated", key=key)
            return BoltResponse(status=200, body="")
        return next()

    return middleware
