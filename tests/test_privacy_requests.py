"""A lead's subject-access request and a posted message's redaction, in the core and the
Slack renderers (the HTTP story is tests/test_privacy_slack.py), on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import conversations
from bot.db import transaction
from bot.errors import NotFound, NotPermitted
from bot.outbox import PermanentDeliveryError, Skip
from bot.permissions import INVESTIGATOR, LEAD, Actor
from bot.privacy import requests
from handlers.slack import privacy_messages
from handlers.slack.complaints.subject_access import target
from models import OutboxMessage
from tests.conftest import rows
from tests.people_ids import pid

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def lead() -> Actor:
    return Actor(pid("ULEADQ"), frozenset({LEAD}))


def test_only_a_lead_may_ask_and_nobody_unknown_is_exported(engine):
    investigator = Actor(pid("UINVQ"), frozenset({INVESTIGATOR}))
    with pytest.raises(NotPermitted):
        requests.queue_export(engine, investigator, "USUPQ", (), NOW)
    with pytest.raises(NotFound, match="Nobody msbot knows is UGHOST"):
        requests.queue_export(engine, lead(), "UGHOST", (), NOW)
    with pytest.raises(NotFound):
        requests.queue_export(engine, lead(), "#999999999", (), NOW)


def test_a_repeated_request_queues_nothing_more(engine, session):
    supplier = pid("USUPQ")
    first = requests.queue_export(engine, lead(), "USUPQ", (), NOW, request_key="k1")
    again = requests.queue_export(engine, lead(), "USUPQ", (), NOW, request_key="k1")
    assert (first.rows, again.rows) == (2, 0)
    queued = [m for m in rows(session, OutboxMessage) if m.kind == requests.EXPORT_FILE]
    assert len(queued) == 2 and {m.data["request"] for m in queued} == {"k1"}
    # Drawn when sent: the person's export, never stored in the row.
    with transaction(engine) as s:
        drawn = requests.export_file(s, s.get(OutboxMessage, queued[0].id))
    assert drawn.filename.startswith(f"subject-access-{supplier}.")
    assert "content" not in queued[0].data


def test_a_row_without_its_person_is_given_up(engine):
    with transaction(engine) as s:
        row = OutboxMessage(kind=requests.EXPORT_FILE, recipient_person_id=pid("ULEADQ"))
        with pytest.raises(PermanentDeliveryError):
            requests.export_file(s, row)


def test_a_redaction_edits_only_slack_messages_chat_update_can_edit():
    ts = conversations.Redaction("slack", "D123", "1700000000.000100")
    rendered = privacy_messages.redacted(ts)
    assert (rendered.update_ts, rendered.channel_id) == ("1700000000.000100", "D123")
    assert rendered.text == conversations.REDACTED
    for other in (
        conversations.Redaction("teams", "19:abc", "1700000000.000100"),
        conversations.Redaction("slack", "D123", "F0000001"),  # a file upload
    ):
        with pytest.raises(Skip):
            privacy_messages.redacted(other)


def test_a_redaction_whose_ids_are_gone_is_skipped():
    with pytest.raises(Skip):
        conversations.redaction(None, OutboxMessage(kind=conversations.REDACT, data={}))


@given(
    user=st.from_regex(r"[UW][A-Z0-9]{2,12}", fullmatch=True),
    name=st.text(st.characters(blacklist_characters="<>|"), max_size=20),
)
def test_a_mention_is_read_as_its_user_id(user, name):
    assert target(f"<@{user}|{name}>") == user
    assert target(f"<@{user}>") == user


@given(st.text(max_size=60))
def test_any_word_is_read_without_failing(word):
    assert isinstance(target(word), str)
