"""Property: no body, however shaped, makes the Teams front end answer with a 5xx."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.local.fake_connector import FakeConnector
from handlers.teams.app import TeamsFrontEnd
from handlers.teams.connector import TeamsConnector
from handlers.teams.server import BackgroundTeams
from handlers.teams.settings import local_settings
from tests.teams_support import BOT, USER, activity

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TYPES = st.sampled_from(
    [
        "message",
        "conversationUpdate",
        "invoke",
        "messageReaction",
        "installationUpdate",
        "event",
        "typing",
        "messageUpdate",
        "messageDelete",
        "endOfConversation",
        "",
        "Message",
        "nonsense",
    ]
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
accounts = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"id": st.one_of(st.text(max_size=60), json_values)},
        optional={"name": json_values, "aadObjectId": json_values, "role": json_values},
    ),
)
# Keys Teams activities carry, each possibly given any JSON value.
FIELDS = [
    "id",
    "channelId",
    "serviceUrl",
    "text",
    "textFormat",
    "locale",
    "timestamp",
    "replyToId",
    "from",
    "recipient",
    "conversation",
    "membersAdded",
    "membersRemoved",
    "attachments",
    "entities",
    "channelData",
    "value",
    "name",
    "action",
    "reactionsAdded",
]


@pytest.fixture(scope="module")
def connector():
    # A generous rate limit: this test is about the edge, not about pacing.
    fake = FakeConnector(burst=100_000)
    fake.install_for(USER)
    TeamsConnector(min_interval=0).open_personal_chat(fake.url, BOT, USER, None)
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def bot():
    front = TeamsFrontEnd(local_settings(0), connector=TeamsConnector(min_interval=0, attempts=1))
    running = BackgroundTeams(front)
    yield running
    running.close()


@pytest.fixture(scope="module")
def client():
    with httpx.Client(timeout=30) as session:
        yield session


@st.composite
def activities(draw, service_url: str) -> dict:
    body = activity(service_url, draw(st.text(max_size=200)), type=draw(TYPES))
    for key in draw(st.lists(st.sampled_from(FIELDS), max_size=5, unique=True)):
        if key in ("from", "recipient", "conversation"):
            body[key] = draw(accounts)
        elif key in ("membersAdded", "membersRemoved"):
            body[key] = draw(st.one_of(st.lists(accounts, max_size=3), json_values))
        else:
            body[key] = draw(json_values)
    for key in draw(st.lists(st.sampled_from(sorted(body)), max_size=2, unique=True)):
        del body[key]
    return body


def post(client, bot, raw: bytes) -> int:
    answer = client.post(
        bot.messages_url, content=raw, headers={"content-type": "application/json"}
    )
    return answer.status_code


def test_no_generated_activity_gets_a_5xx(bot, connector, client):
    seen: set[int] = set()

    @FUZZ
    @given(st.data())
    def check(data):
        body = data.draw(activities(connector.url))
        status = post(client, bot, json.dumps(body).encode())
        assert status < 500, body
        assert status in (200, 400), (status, body)
        seen.add(status)

    check()
    # Both sides were exercised: activities the handlers answered and ones the edge refused.
    assert seen == {200, 400}


def test_no_arbitrary_body_gets_a_5xx(bot, client):
    @FUZZ
    @given(st.one_of(st.binary(max_size=300), json_values.map(lambda v: json.dumps(v).encode())))
    def check(raw):
        assert post(client, bot, raw) < 500, raw

    check()
