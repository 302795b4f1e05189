"""Messages whose work must not be lost, recorded before Teams gets its answer and run after it.

A reply in a case thread (a note), a mention command in a channel and a supplier's reply in
their 1:1 chat are things someone wrote and expects kept. Teams gets its HTTP 200 as soon as
the message is recorded (bot.pending, under its conversation and activity id: the record is
also the delivery's claim, so Teams delivering it again does nothing); it runs just after, on
the services' after-ack pool, and the sweeper (handlers/durable.py) resumes it after a crash
or an outage. When even the record fails (the database is down), nobody else will ever do it:
the author is told at once, in their 1:1 chat, straight through the connector (the outbox is
the database), that nothing was saved and to send it again. That is true because the record
is the first write and its transaction sends no COMMIT once it has failed or run out of time.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, fields

import structlog

from bot import pending
from bot.db import REQUEST_BUDGET_SECONDS, CommitUncertain, deadline
from bot.errors import DomainError, StoreUnavailable
from handlers import durable
from handlers.teams.actors import TeamsUser
from handlers.teams.dispatch import FAILED, Dispatcher, tell_privately
from handlers.teams.keys import PENDING_KEY_MAX, bounded_key
from handlers.teams.requests import TeamsRequest

log = structlog.get_logger("msbot.teams.durable")

KIND = "teams.message"
# The parts of a request its run needs again (never the services, never SDK objects).
_KEPT = tuple(f.name for f in fields(TeamsRequest) if f.name not in ("services", "user"))


def what(req: TeamsRequest) -> str:
    """The message in the author's words, for telling them what became of it."""
    if req.personal:
        return "your reply to the team"
    if req.mentioned:
        return "your command to msbot"
    return "your reply in a case's thread"


def not_saved(req: TeamsRequest) -> str:
    return (
        f"Sorry, our database is unavailable, so nothing was saved: {what(req)} was not "
        "received. Please send it again in a few minutes."
    )


def unconfirmed(req: TeamsRequest) -> str:
    return (
        f"Our database did not confirm that it received {what(req)}. If it has not taken "
        "effect in a few minutes (the case's timeline, the card), please send it again."
    )


def deferred(req: TeamsRequest) -> str:
    return (
        f"The database is not answering, so {what(req)} has not been dealt with yet. It is "
        "kept and will be as soon as the database is back: no need to send it again."
    )


def key(req: TeamsRequest) -> str:
    """Its activity id within its conversation; the conversation as a digest, since a 1:1
    chat's id names its person and the key is kept as no one's data (bot/privacy); all of it
    a digest if a long activity id would overrun the column (handlers/teams/keys.py)."""
    digest = hashlib.sha256(req.conversation_id.encode()).hexdigest()[:24]
    return bounded_key(digest, req.activity_id, limit=PENDING_KEY_MAX)


def payload(req: TeamsRequest) -> dict:
    return {**{name: getattr(req, name) for name in _KEPT}, "user": asdict(req.user)}


def request_of(services, data: dict) -> TeamsRequest:
    kept = {name: data.get(name) for name in _KEPT if name in data}
    # Stored as JSON, a tuple comes back a list: the request keeps its own types.
    if "mentioned_ids" in kept:
        kept["mentioned_ids"] = tuple(kept["mentioned_ids"] or ())
    return TeamsRequest(services=services, user=TeamsUser(**data["user"]), **kept)


def record(req: TeamsRequest) -> None:
    """Record ``req`` and run it after the ack; if it cannot be recorded, tell its author."""
    services = req.services
    try:
        command_id = pending.record(services.engine, key(req), KIND, payload(req))
    except StoreUnavailable as exc:
        log.warning("teams.message_not_recorded", uncertain=isinstance(exc, CommitUncertain))
        if _worth_telling(req):
            tell_privately(
                req, unconfirmed(req) if isinstance(exc, CommitUncertain) else not_saved(req)
            )
        return
    if command_id is None:
        log.info("teams.repeat_ignored")  # Teams' redelivery of a message already recorded
        return
    services.after_ack(durable.run_after_ack, services, command_id)


def run_first(req: TeamsRequest) -> None:
    """An edit or deletion of a message recorded but not run yet (Teams sends one within a
    second of its message; or the run waits out an outage): run the message first, so the
    change finds its note rather than the note being stored, unchanged, after it."""
    services = req.services
    if not req.activity_id or services is None:
        return
    with deadline(REQUEST_BUDGET_SECONDS):
        try:
            command_id = pending.waiting(services.engine, key(req))
        except StoreUnavailable:
            return  # the change itself then fails the same way, and is told
    if command_id is not None:
        durable.run(services, command_id, REQUEST_BUDGET_SECONDS)


def _worth_telling(req: TeamsRequest) -> bool:
    """msbot reads every reply in the team's channels; only one in the triage channel (where
    case cards are) or a message to msbot itself can have been meant for it."""
    triage = req.services.teams.triage_conversation_id
    return req.personal or req.mentioned or triage is None or req.channel_id == triage


def runner(dispatcher: Dispatcher) -> durable.Runner:
    """Run a recorded message through the route it would have taken before the ack."""

    def run(services, data: dict, attempt: int) -> None:
        req = request_of(services, data)
        handler, _ = dispatcher.route(req)
        if handler is None:
            return
        try:
            # Remembering who is asking may write (first contact): harmless to repeat, and
            # not the message's effect, which marks it done.
            with pending.before_effect():
                req.actor()
            handler(req)
        except StoreUnavailable as exc:
            # Uncertain: the effect and its "done" mark were one transaction, so it is either
            # done or resumed; either way there is nothing to tell.
            if attempt == 1 and not isinstance(exc, CommitUncertain):
                tell_privately(req, deferred(req))
            raise  # resumed by the sweeper once the database answers
        except DomainError as exc:
            tell_privately(req, str(exc) or FAILED)
        except Exception:
            tell_privately(req, FAILED)
            raise  # a fault: logged, and not retried for ever (handlers/durable.py)

    return run
