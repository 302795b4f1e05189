"""The fake Bot Connector's rules and the Teams transport client against it, over HTTP.

Time is a manual clock both sides share: the client's pacing and back-off "sleep" by moving it,
and the fake's rate limit reads it, so nothing here waits on the wall clock.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from types import SimpleNamespace

import httpx
import pytest

from handlers.local.fake_connector import MAX_MESSAGE_BYTES, FakeConnector
from handlers.teams.app import AppToken
from handlers.teams.connector import ConnectorError, StillThrottled, TeamsConnector
from tests.teams_support import BOT, PERSONAL, USER

CHANNEL = "19:triage-channel@thread.tacv2"
TENANT = "11111111-2222-4333-8444-555555555555"


class ManualClock:
    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def fake(clock):
    running = FakeConnector(clock=clock)
    running.add_channel(CHANNEL)
    running.install_for(USER)
    yield running
    running.close()


def client(clock, **options) -> TeamsConnector:
    options.setdefault("min_interval", 0.0)
    return TeamsConnector(clock=clock, sleep=clock.sleep, **options)


def message(text: str = "hello") -> dict:
    return {"type": "message", "text": text}


def card_of(size: int) -> dict:
    content = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": "x" * size, "wrap": True}],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": content}
        ],
    }


def test_post_reply_and_update_in_place(fake, clock):
    teams = client(clock)
    card = teams.post(fake.url, CHANNEL, message("card v1"))
    reply = teams.reply(fake.url, CHANNEL, card.activity_id, message("a note"))
    updated = teams.update(fake.url, CHANNEL, card.activity_id, message("card v2"))
    assert updated.activity_id == card.activity_id != reply.activity_id
    conversation = fake.conversations[CHANNEL]
    assert conversation.activities[card.activity_id]["text"] == "card v2"
    assert [(c.method, c.activity_id, c.status) for c in fake.calls] == [
        ("POST", None, 201),
        ("POST", card.activity_id, 201),
        ("PUT", card.activity_id, 200),
    ]


def test_a_personal_chat_is_opened_once_per_person_and_the_token_is_sent(clock):
    fake = FakeConnector(clock=clock, require_token="app-token")
    fake.install_for(USER)
    try:
        teams = client(clock, token=lambda: "app-token")
        first = teams.open_personal_chat(fake.url, BOT, USER, TENANT)
        assert teams.open_personal_chat(fake.url, BOT, USER, TENANT) == first == PERSONAL
        teams.post(fake.url, first, message())
        assert fake.calls[0].body["channelData"] == {"tenant": {"id": TENANT}}
        assert {c.authorization for c in fake.calls} == {"Bearer app-token"}
        with pytest.raises(ConnectorError) as refused:
            client(clock).post(fake.url, first, message())
        assert (refused.value.status, refused.value.permanent) == (401, True)
    finally:
        fake.close()


def test_someone_who_never_installed_msbot_cannot_be_messaged(fake, clock):
    with pytest.raises(ConnectorError) as refused:
        client(clock).open_personal_chat(fake.url, BOT, "29:stranger", None)
    assert (refused.value.status, refused.value.code) == (403, "BotNotInConversationRoster")


def test_unknown_conversations_and_activities_are_404_and_not_retried(fake, clock):
    teams = client(clock)
    with pytest.raises(ConnectorError) as unknown:
        teams.post(fake.url, "19:gone@thread.tacv2", message())
    assert (unknown.value.status, unknown.value.code, unknown.value.permanent) == (
        404,
        "ConversationNotFound",
        True,
    )
    with pytest.raises(ConnectorError) as no_activity:
        teams.update(fake.url, CHANNEL, "1234", message())
    assert no_activity.value.code == "ActivityNotFound"
    assert len(fake.calls) == 2 and clock.slept == []


def test_cards_over_the_size_limit_are_refused(fake, clock):
    teams = client(clock)
    teams.post(fake.url, CHANNEL, card_of(MAX_MESSAGE_BYTES - 1024))
    with pytest.raises(ConnectorError) as too_big:
        teams.post(fake.url, CHANNEL, card_of(MAX_MESSAGE_BYTES))
    assert (too_big.value.status, too_big.value.code) == (413, "MessageSizeTooBig")
    assert [c.status for c in fake.calls] == [201, 413]


def test_hammering_a_conversation_gets_429_with_retry_after(fake, clock):
    raw = httpx.Client()
    url = f"{fake.url}/v3/conversations/{CHANNEL}/activities"
    statuses = [raw.post(url, json=message()).status_code for _ in range(8)]
    assert statuses == [201] * 7 + [429]
    throttled = raw.post(url, json=message())
    assert throttled.headers["Retry-After"] == "1"
    # Another conversation is not affected; the first recovers once the window has passed.
    assert (
        raw.post(f"{fake.url}/v3/conversations/{PERSONAL}/activities", json=message()).status_code
        == 404
    )
    clock.now += 1.0
    assert raw.post(url, json=message()).status_code == 201


def test_the_client_paces_each_conversation_and_never_trips_the_limit(fake, clock):
    teams = client(clock, min_interval=0.2)
    for n in range(20):
        teams.post(fake.url, CHANNEL, message(str(n)))
    assert [c.status for c in fake.calls] == [201] * 20
    times = [c.at for c in fake.calls]
    assert all(later - earlier >= 0.2 for earlier, later in itertools.pairwise(times))


def test_429_waits_for_retry_after_then_succeeds(fake, clock):
    fake.fail(429, conversation_id=CHANNEL, times=2, Retry_After="3")
    posted = client(clock).post(fake.url, CHANNEL, message())
    assert posted.activity_id in fake.conversations[CHANNEL].activities
    assert clock.slept == [3.0, 3.0]
    assert [c.status for c in fake.calls] == [429, 429, 201]


@pytest.mark.parametrize("status", [412, 502, 504])
def test_transient_failures_back_off_exponentially(fake, clock, status):
    fake.fail(status, times=3)
    client(clock, base_delay=1.0).post(fake.url, CHANNEL, message())
    assert [c.status for c in fake.calls] == [status] * 3 + [201]
    first, second, third = clock.slept
    assert 0.5 <= first <= 1.0 and 1.0 <= second <= 2.0 and 2.0 <= third <= 4.0


def test_giving_up_says_when_to_try_again(fake, clock):
    fake.fail(429, times=4, Retry_After="7")
    with pytest.raises(StillThrottled) as gave_up:
        client(clock, attempts=4).post(fake.url, CHANNEL, message())
    assert (gave_up.value.status, gave_up.value.retry_after, gave_up.value.permanent) == (
        429,
        7.0,
        False,
    )
    assert len(fake.calls) == 4 and clock.slept == [7.0, 7.0, 7.0]


def test_an_unreachable_connector_is_transient(clock):
    with pytest.raises(StillThrottled) as gave_up:
        client(clock, attempts=2, base_delay=1.0).post("http://127.0.0.1:9", CHANNEL, message())
    assert gave_up.value.status == 0


def test_the_outbound_token_comes_from_the_sdk_on_its_event_loop():
    """Sender threads are not on the event loop; AppToken fetches the SDK's token there."""
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    asked_on: list[asyncio.AbstractEventLoop] = []

    async def get_app_token():
        asked_on.append(asyncio.get_running_loop())
        return "raw-app-token"

    provider = SimpleNamespace(get_app_token=get_app_token)
    sdk = SimpleNamespace(credentials=object(), token_provider=provider)
    token = AppToken(sdk)
    try:
        assert token() is None  # before the server started: no loop to ask on
        token.loop = loop
        assert token() == "raw-app-token"
        assert asked_on == [loop]
        assert AppToken(SimpleNamespace(credentials=None, token_provider=provider))() is None
    finally:
        loop.call_soon_threadsafe(loop.stop)
        runner.join(timeout=5)
        loop.close()
