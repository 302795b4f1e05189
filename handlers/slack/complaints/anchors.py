"""Slack messages mapped to what they are about, through the core's record of where msbot
posted (bot.conversations): a reply in a card's thread belongs to that case, a reply in a
relayed DM's thread to the case that relayed it."""

from __future__ import annotations

from sqlalchemy import Select

from bot.conversations import CASE_CARD, SUPPLIER_RELAY, subject_of
from handlers.slack.posted_lookup import PLATFORM


def note_key(channel: str, ts: str | None) -> str:
    """The core's key for a message (a ts is unique only within its channel). Unchanged from
    when notes were keyed on it, so a redelivery after an upgrade still finds its note."""
    return f"{channel}/{ts}"


def case_of_thread(channel: str, thread_ts: str | None) -> Select:
    """The case whose card starts this thread (no row when it is no case's)."""
    return subject_of(PLATFORM, channel, thread_ts, CASE_CARD)


def case_of_relay(dm_channel: str, thread_ts: str | None) -> Select:
    """The case whose relayed DM starts this thread (no row when none did)."""
    return subject_of(PLATFORM, dm_channel, thread_ts, SUPPLIER_RELAY)
