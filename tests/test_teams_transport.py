"""The outbox's Teams transport and the routing over both platforms, against the fake Bot
Connector on both databases: a person's message goes to their 1:1 chat (remembered, or opened
when msbot is installed for them), a role's to its channel, replies into a reply chain and
updates in place; someone msbot may not write to is told apart as a dead row with the reason;
a person's messages go to the platform they used last; a platform this process does not serve
keeps its rows waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot import conversations, outbox, people, personal_chats
from bot.db import transaction
from bot.outbox import Sent, ServedElsewhere
from handlers.local.fake_connector import FakeConnector
from handlers.routing import RoutingTransport, roles_elsewhere
from handlers.teams.connector import TeamsConnector
from handlers.teams.outgoing import TeamsOut
from handlers.teams.privacy_messages import RENDERERS as PRIVACY_RENDERERS
from handlers.teams.transport import NOT_INSTALLED, TeamsTransport
from models import OutboxMessage, PersonalChat
from models.base import utcnow
from tests.teams_app import TENANT, TRIAGE
from tests.teams_support import BOT


def _render(session, msg):
    data = msg.data
    return TeamsOut(
        data.get("text", "hello"),
        reply_to=data.get("reply_to"),
        update_id=data.get("update_id"),
        conversation_id=data.get("conversation_id"),
    )


@pytest.fixture
def fake():
    connector = FakeConnector()
    connector.add_channel(TRIAGE)
    yield connector
    connector.close()


@pytest.fixture
def teams(fake, engine):
    return TeamsTransport(
        # No real waiting: a throttled send's back-off is recorded, not slept.
        TeamsConnector(min_interval=0, attempts=2, max_delay=60, sleep=lambda seconds: None),
        {"test.note": _render},
        {"triage": TRIAGE},
        service_url_of=fake.url,
        bot_id_of=BOT,
        engine=engine,
    )


def _person(engine, user_id: str, *, chat: str | None = None, member: str | None = None) -> int:
    with transaction(engine) as s:
        found = people.person_for(s, "teams", TENANT, user_id, "Sam")
        if member:
            personal_chats.remember(
                s,
                found.id,
                "teams",
                TENANT,
                member_id=member,
                service_url="http://unused",
                conversation_id=chat,
                now=utcnow(),
            )
        return found.id


def _queue(engine, **address) -> int:
    data = address.pop("data", {})
    with transaction(engine) as s:
        row = outbox.enqueue(s, "test.note", data=data, **address)
        s.flush()
        return row.id


def _row(engine, row_id) -> OutboxMessage:
    with Session(engine) as s:
        return s.get(OutboxMessage, row_id)


def _drain(engine, transport):
    return outbox.drain(engine, transport, pace=0, now=utcnow() + timedelta(days=1))


def _fix_service_url(engine, url):
    with transaction(engine) as s:
        for chat in s.exec(select(PersonalChat)).all():
            chat.service_url = url


def test_a_person_gets_their_message_in_their_remembered_chat(engine, fake, teams):
    fake.install_for("29:sam")
    chat = TeamsConnector(min_interval=0).open_personal_chat(fake.url, BOT, "29:sam", TENANT)
    pid = _person(engine, "aad-sam", chat=chat, member="29:sam")
    _fix_service_url(engine, fake.url)
    row = _queue(engine, person_id=pid, data={"text": "Your complaint MS-1 was received."})
    assert _drain(engine, RoutingTransport([teams])) == 1
    [sent] = fake.sent(chat)
    assert sent.body == {
        "type": "message",
        "text": "Your complaint MS-1 was received.",
        "textFormat": "plain",
    }
    assert _row(engine, row).status == "sent"


def test_a_chat_is_opened_for_someone_msbot_is_installed_for(engine, fake, teams):
    fake.install_for("29:new")
    pid = _person(engine, "aad-new", member="29:new")  # seen in a channel: no 1:1 chat yet
    _fix_service_url(engine, fake.url)
    _queue(engine, person_id=pid)
    assert _drain(engine, RoutingTransport([teams])) == 1
    assert next(c.path for c in fake.calls if c.status < 300) == "/v3/conversations"
    with Session(engine) as s:
        assert s.exec(select(PersonalChat.conversation_id)).one() == "a:129:new"


def test_someone_who_never_installed_msbot_is_a_dead_row_saying_why(engine, fake, teams):
    never = _person(engine, "aad-never", member="29:never")
    _fix_service_url(engine, fake.url)
    unknown = _person(engine, "aad-unknown")  # named in settings, never wrote: no chat at all
    rows = [_queue(engine, person_id=never), _queue(engine, person_id=unknown)]
    _drain(engine, RoutingTransport([teams]))
    for row_id in rows:
        row = _row(engine, row_id)
        assert row.status == "dead"
        assert "not installed" in row.last_error
    assert NOT_INSTALLED.startswith("msbot is not installed")
    assert fake.sent() == []


def test_a_role_goes_to_its_channel_with_replies_and_updates(engine, fake, teams):
    _queue(engine, role="triage", data={"text": "card"})
    _drain(engine, RoutingTransport([teams]))
    [card] = fake.sent(TRIAGE)
    card_id = card.path.rsplit("/", 1)[1] if card.activity_id else None
    posted_id = sorted(fake.conversations[TRIAGE].activities)[0]
    _queue(engine, role="triage", data={"text": "a reply", "reply_to": posted_id})
    _queue(engine, role="triage", data={"text": "card v2", "update_id": posted_id})
    _drain(engine, RoutingTransport([teams]))
    calls = fake.sent(TRIAGE)
    assert card_id is None
    assert [(c.method, c.activity_id, c.body.get("text")) for c in calls[1:]] == [
        ("POST", posted_id, "a reply"),
        ("PUT", posted_id, "card v2"),
    ]


def test_throttling_keeps_the_row_for_later(engine, fake, teams):
    fake.fail(429, conversation_id=TRIAGE, times=5, Retry_After="30")
    row = _queue(engine, role="triage")
    outbox.drain(engine, RoutingTransport([teams]), pace=0)
    held = _row(engine, row)
    assert held.status == "pending"
    assert "Retry-After" in held.last_error


class Recorder:
    """A stand-in transport for another platform: records what it was asked to send."""

    def __init__(self, platform, roles=()):
        self.platform = platform
        self.roles = {r: "C1" for r in roles}
        self.sent: list[int] = []

    def render(self, session, msg):
        return msg.id

    def deliver(self, msg, rendered):
        self.sent.append(rendered)
        return Sent(self.platform, "C1", str(rendered))


def test_a_person_s_messages_go_to_the_platform_they_used_last(engine, fake, teams):
    slack = Recorder("slack")
    with transaction(engine) as s:
        pid = people.person_for(s, "slack", "T1", "U0SAM", "Sam").id
    first = _queue(engine, person_id=pid)
    routing = RoutingTransport([slack, teams])
    _drain(engine, routing)
    assert slack.sent == [first]
    # Sam writes to msbot from Teams: their Teams account is the one used last now.
    fake.install_for("29:sam2")
    chat = TeamsConnector(min_interval=0).open_personal_chat(fake.url, BOT, "29:sam2", TENANT)
    with transaction(engine) as s:
        s.add(
            people.PlatformAccount(person_id=pid, platform="teams", workspace=TENANT, user_id="a")
        )
        s.flush()
        personal_chats.remember(
            s,
            pid,
            "teams",
            TENANT,
            member_id="29:sam2",
            service_url=fake.url,
            conversation_id=chat,
            now=utcnow() + timedelta(seconds=5),
        )
    _queue(engine, person_id=pid)
    _drain(engine, routing)
    assert len(fake.sent(chat)) == 1 and slack.sent == [first]


def test_a_platform_this_process_does_not_serve_waits(engine, teams):
    with transaction(engine) as s:
        pid = people.person_for(s, "slack", "T1", "U0WAIT", "W").id
    row = _queue(engine, person_id=pid)
    routing = RoutingTransport([teams], elsewhere={"slack": {"triage"}})
    assert _drain(engine, routing) == 0
    # Never claimed here: not held back by this process, and no attempt counted.
    left = _row(engine, row)
    assert (left.status, left.attempts, left.claimed_by) == ("pending", 0, None)
    # A row routed here after all (the person changed platform since) is left the same way.
    with Session(engine) as s, pytest.raises(ServedElsewhere):
        routing.render(s, s.get(OutboxMessage, row))
    assert routing.role_platforms == {"triage": "slack"}


def test_roles_elsewhere_come_from_the_environment():
    env = {"TRIAGE_CHANNEL_ID": "C1", "TEAMS_LEADS_CONVERSATION_ID": "19:x@thread.tacv2"}
    assert roles_elsewhere(env) == {"slack": {"triage"}, "teams": {"leads"}}


def test_an_erasure_s_redaction_edits_the_teams_message_in_place(engine, fake, teams):
    teams.renderers.update(PRIVACY_RENDERERS)
    _queue(engine, role="triage", data={"text": "a line naming someone"})
    _drain(engine, RoutingTransport([teams]))
    posted_id = sorted(fake.conversations[TRIAGE].activities)[0]
    with transaction(engine) as s:
        conversations.redact(
            s,
            {
                "about": "thread_line",
                "platform": "teams",
                "conversation_id": TRIAGE,
                "message_id": posted_id,
            },
            person_id=None,
        )
        # A Slack message's redaction is not this transport's to make.
        slack_row = outbox.enqueue(
            s,
            conversations.REDACT,
            role="triage",
            data={"platform": "slack", "conversation": "C1", "message": "1.2"},
        )
        s.flush()
        slack_id = slack_row.id
    routing = RoutingTransport([teams])
    _drain(engine, routing)
    edit = fake.sent(TRIAGE)[-1]
    assert (edit.method, edit.activity_id, edit.body["text"]) == (
        "PUT",
        posted_id,
        conversations.REDACTED,
    )
    assert _row(engine, slack_id).status == "pending"  # left for msbot serve
