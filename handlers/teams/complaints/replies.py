"""A supplier's reply in their 1:1 chat with msbot. Teams has no threads in a 1:1 chat, so a
plain message there (one that is no command) answers the newest message the team relayed to
them in it: it is stored as a note of that case and posted in the case's thread without their
name (bot.complaints.relay), as a reply in a Slack DM's thread is. Teams delivering the message
twice stores it once (its activity id is the note's key). It runs from its record after the
ack (handlers/teams/durable_messages.py): a database outage passes through, to be resumed."""

from __future__ import annotations

from bot import conversations
from bot.complaints import investigation
from bot.people import TEAMS
from handlers.teams.dispatch import tell_privately
from handlers.teams.keys import NOTE_KEY_MAX, bounded_key
from handlers.teams.requests import TeamsRequest
from handlers.teams.routes import Routes

SENT = "Thank you: your reply has gone to the team looking into your complaint."
NOTHING_TO_ANSWER = (
    'I can only pass on replies to a message from the team. Type "help" to see what I can do, '
    'or "complaint" to raise a new complaint.'
)
NOT_SAVED = (
    "Sorry, your reply could not be passed on: that case is no longer open to replies here. "
    'Type "status" to see your cases.'
)


def personal_reply(req: TeamsRequest) -> None:
    services = req.services
    relayed = conversations.latest_subject(TEAMS, req.conversation_id, conversations.SUPPLIER_RELAY)
    if services.engine is None or not _has_relay(services, relayed):
        tell_privately(req, NOTHING_TO_ANSWER)
        return
    key = bounded_key(req.conversation_id, req.activity_id, limit=NOTE_KEY_MAX)
    # The core asks its policy: only the case's supplier may answer (a refusal, which names
    # no case, is told privately by the dispatcher's error map).
    note = investigation.supplier_reply(
        services.engine, relayed, key, req.text, services.clock(), actor=req.actor()
    )
    if note is None:
        tell_privately(req, NOT_SAVED)
        return
    services.send_queued()  # the reply's line in the case thread
    tell_privately(req, SENT)


def _has_relay(services, relayed) -> bool:
    with services.engine.connect() as conn:
        return conn.execute(relayed.limit(1)).first() is not None


ROUTES = Routes(personal_reply=personal_reply)
