"""The Teams front end over real HTTP: /healthz, the welcome answer through the fake Bot
Connector, the edge's refusals, and Bot Framework JWT validation against keys served locally."""

from __future__ import annotations

import json
import threading

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from handlers.local.fake_connector import FakeConnector
from handlers.teams import welcome
from handlers.teams.app import TeamsFrontEnd
from handlers.teams.connector import TeamsConnector
from handlers.teams.server import BackgroundTeams
from handlers.teams.settings import load_teams_settings, local_settings
from tests.teams_support import APP_ID, BOT, PERSONAL, USER, TokenIssuer, activity

JSON = {"content-type": "application/json"}


@pytest.fixture
def connector():
    fake = FakeConnector()
    fake.install_for(USER)
    # The 1:1 chat exists once msbot is installed for the person.
    TeamsConnector(min_interval=0).open_personal_chat(fake.url, BOT, USER, None)
    yield fake
    fake.close()


@pytest.fixture
def local_bot():
    running = BackgroundTeams(
        TeamsFrontEnd(local_settings(0), connector=TeamsConnector(min_interval=0))
    )
    yield running
    running.close()


def test_healthz(local_bot):
    answer = httpx.get(f"{local_bot.url}/healthz")
    assert (answer.status_code, answer.json()) == (200, {"ok": True})


def test_help_gets_the_welcome_card_in_the_same_chat(local_bot, connector):
    answer = httpx.post(local_bot.messages_url, json=activity(connector.url, "help"))
    assert answer.status_code == 200
    calls = connector.wait_for(
        lambda calls: any(
            c.status == 201 and c.conversation_id == PERSONAL and c.path.endswith("/activities")
            for c in calls
        )
    )
    posted = [c for c in calls if c.conversation_id == PERSONAL][-1]
    card = posted.body["attachments"][0]
    assert card["contentType"] == welcome.ADAPTIVE_CARD
    assert card["content"]["body"][0]["text"] == "Hello, I'm msbot"
    assert posted.authorization == ""  # local mode: the playground's connector wants no token


def test_installing_msbot_sends_the_welcome_card(local_bot, connector):
    added = activity(
        connector.url,
        type="conversationUpdate",
        text=None,
        membersAdded=[{"id": BOT}, {"id": USER}],
    )
    del added["text"]
    assert httpx.post(local_bot.messages_url, json=added).status_code == 200
    connector.wait_for(lambda calls: len([c for c in calls if c.conversation_id == PERSONAL]) == 1)


def test_someone_else_joining_gets_no_welcome(local_bot, connector):
    joined = activity(connector.url, type="conversationUpdate", membersAdded=[{"id": "29:other"}])
    del joined["text"]
    assert httpx.post(local_bot.messages_url, json=joined).status_code == 200
    # A message sent afterwards is answered; nothing was sent before it.
    httpx.post(local_bot.messages_url, json=activity(connector.url, "hello"))
    calls = connector.wait_for(lambda calls: any(c.conversation_id == PERSONAL for c in calls))
    assert len([c for c in calls if c.conversation_id == PERSONAL]) == 1


@pytest.mark.parametrize(
    ("body", "headers", "status", "reason"),
    [
        (b"{", JSON, 400, "body is not JSON"),
        (b"[1, 2]", JSON, 400, "an activity is a JSON object"),
        (
            json.dumps({"type": "message"}).encode(),
            JSON,
            400,
            "conversation.id missing or malformed",
        ),
        (b'{"a": 1}', {"content-type": "text/plain"}, 415, "JSON only"),
        (b"[" * 100 + b"]" * 100, JSON, 400, "an activity is a JSON object"),
    ],
)
def test_the_edge_refuses_what_it_cannot_read(local_bot, body, headers, status, reason):
    answer = httpx.post(local_bot.messages_url, content=body, headers=headers)
    assert (answer.status_code, answer.json()["error"]) == (status, reason)


def test_bodies_are_bounded(local_bot, connector):
    huge = activity(connector.url, "x" * (300 * 1024))
    answer = httpx.post(local_bot.messages_url, json=huge)
    assert (answer.status_code, answer.json()["error"]) == (413, "body too large")
    # Also when the client streams without declaring a length.
    chunks = iter([json.dumps(huge).encode()[i : i + 65536] for i in range(0, 320 * 1024, 65536)])
    answer = httpx.post(local_bot.messages_url, content=chunks, headers=JSON)
    assert answer.status_code == 413
    assert connector.calls[1:] == []  # only the chat's creation: nothing answered


def test_deeply_nested_activities_are_refused(local_bot, connector):
    deep: dict = {}
    for _ in range(40):
        deep = {"x": deep}
    answer = httpx.post(local_bot.messages_url, json=activity(connector.url, channelData=deep))
    assert (answer.status_code, answer.json()["error"]) == (400, "activity nested too deeply")


def test_local_mode_calls_back_only_on_loopback(local_bot):
    for url in ("https://smba.trafficmanager.net/uk/", "http://10.0.0.8/", "file:///etc/passwd"):
        answer = httpx.post(local_bot.messages_url, json=activity(url))
        assert (answer.status_code, answer.json()["error"]) == (
            400,
            "serviceUrl missing or not allowed",
        )


def test_unknown_activity_types_and_methods_are_refused(local_bot, connector):
    answer = httpx.post(local_bot.messages_url, json=activity(connector.url, type="nonsense"))
    assert (answer.status_code, answer.json()["error"]) == (400, "unknown activity type")
    assert httpx.get(local_bot.messages_url).status_code == 405


# Serving for real: the Bot Framework token is checked on every request.
SERVICE_URL = "https://smba.trafficmanager.net/uk/"


@pytest.fixture
def issuer():
    running = TokenIssuer()
    yield running
    running.close()


@pytest.fixture
def served(issuer):
    """serve-teams settings, the SDK's keys fetched from ``issuer``, replies recorded."""
    replies: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        replies.append(request)
        return httpx.Response(201, json={"id": "1"})

    settings = load_teams_settings(
        "serve", {"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "secret", "TEAMS_PORT": "3978"}
    )
    connector = TeamsConnector(
        min_interval=0,
        token=lambda: "outbound",
        client=httpx.Client(transport=httpx.MockTransport(record)),
    )
    front = TeamsFrontEnd(settings, connector=connector, cloud=issuer.cloud)
    running = BackgroundTeams(front)
    running.replies = replies
    yield running
    running.close()


def post_with(bot, token: str | None, body: dict | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(bot.messages_url, json=body or activity(SERVICE_URL), headers=headers)


def test_a_request_without_a_token_is_refused_before_its_body_is_read(served):
    assert post_with(served, None).status_code == 401
    garbage = httpx.post(served.messages_url, content=b"{", headers=JSON)
    assert garbage.status_code == 401
    assert served.replies == []


def test_a_valid_token_is_answered(served, issuer):
    answer = post_with(served, issuer.token(SERVICE_URL))
    assert answer.status_code == 200
    quoted = PERSONAL.replace(":", "%3A")
    assert [r.url.raw_path.decode() for r in served.replies] == [
        f"/uk/v3/conversations/{quoted}/activities"
    ]
    assert served.replies[0].headers["authorization"] == "Bearer outbound"


def test_forged_or_stale_tokens_are_refused(served, issuer):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = [
        issuer.token(SERVICE_URL, key=stranger),  # signed by someone else's key
        issuer.token(SERVICE_URL, kid="unknown-key"),
        issuer.token(SERVICE_URL, aud="another-bot"),
        issuer.token(SERVICE_URL, iss="https://evil.example"),
        issuer.token(SERVICE_URL, exp=1_000_000, iat=999_000, nbf=999_000),  # long expired
        # Entra-issued (the SDK's Agent 365 path), which msbot is not registered for.
        issuer.token(SERVICE_URL, iss=f"https://login.microsoftonline.com/{APP_ID}/v2.0"),
        issuer.token("https://elsewhere.example/"),  # issued for another service URL
        "not-a-jwt",
    ]
    for token in forged:
        assert post_with(served, token).status_code == 401, token
    assert served.replies == []


def test_serve_mode_calls_back_only_over_https(served, issuer):
    plain = "http://smba.trafficmanager.net/uk/"
    answer = post_with(served, issuer.token(plain), activity(plain))
    assert answer.status_code == 400


def test_fetching_the_keys_does_not_stall_other_requests(served, issuer):
    """Validating needs Microsoft's key set, fetched over the network (at the first request,
    and again when it expires or an unknown key id appears); that wait happens on the edge's
    own threads, never on the event loop every request shares."""
    issuer.hold.clear()
    outcome: list[int] = []

    def first_activity():
        outcome.append(post_with(served, issuer.token(SERVICE_URL)).status_code)

    waiting = threading.Thread(target=first_activity)
    waiting.start()
    assert issuer.fetching.wait(timeout=10), "nobody fetched the keys"
    try:
        assert httpx.get(f"{served.url}/healthz", timeout=5).status_code == 200
        assert post_with(served, None).status_code == 401
    finally:
        issuer.hold.set()
        waiting.join(timeout=30)
    assert outcome == [200]
