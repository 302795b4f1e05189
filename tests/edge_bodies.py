"""Generated request bodies, signed and unsigned, for the no-5xx property and its benchmark.

Signed bodies start from what Slack really sends (commands, modal submissions, button clicks,
events) and then break it: fields replaced by values of any JSON shape, odd text (half an
emoji, NUL, very long), ids of the wrong length. Unsigned ones add garbage bytes and odd
headers. Each case is ``(body bytes, headers)``.
"""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlencode

from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier

from tests import forms

CALLBACKS = ["complaint_form", "shadow_signup", "shadow_host", "shadow_feedback", "shadow_schedule"]
ACTIONS = [
    "shadow_approve",
    "shadow_decline",
    "shadow_offer_accept",
    "shadow_offer_decline",
    "shadow_schedule_open",
    "shadow_complete",
    "shadow_feedback_open",
    "shadow_round_commit",
]
FORM = "application/x-www-form-urlencoded"

odd_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["\ud83d", "a\x00b", "\udc00x", "<!channel>", "9" * 40, "x" * 5000, ""]),
)
small_ints = st.integers(-(2**31), 2**31 - 1)
json_values = st.recursive(
    st.none() | st.booleans() | small_ints | st.floats(allow_nan=False) | odd_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_text, inner, max_size=4),
    max_leaves=12,
)
user_ids = st.one_of(st.just("U100"), st.sampled_from(["", "U" + "1" * 40, "U1\x00", "u-1"]))


def command_texts(ints):
    words = st.sampled_from(
        ["", "help", "status", "round", "report", "conflicts", "signup", "host", "withdraw"]
    )
    numbered = st.tuples(
        st.sampled_from(["places", "end", "clear", "status"]), ints, ints, odd_text
    ).map(lambda t: f"{t[0]} {t[1]} {t[2]} {t[3]}")
    return st.one_of(words, numbered, odd_text)


@st.composite
def commands(draw, ints=small_ints) -> str:
    return urlencode(
        {
            "team_id": "T1",
            "channel_id": "C999",
            "user_id": draw(user_ids),
            "command": draw(st.sampled_from(["/complaint", "/shadow", "/other", ""])),
            "text": draw(command_texts(ints)),
            "api_app_id": "A1",
            "response_url": "http://127.0.0.1:9/r",
            "trigger_id": f"trig-{draw(st.integers(0, 10**9))}",
        },
        errors="surrogatepass",  # half an emoji becomes bytes that are not UTF-8
    )


def _mutate(draw, payload: dict) -> dict:
    """Replace up to three fields, at any depth, with values of any shape."""
    for _ in range(draw(st.integers(0, 3))):
        holder = payload
        while True:
            keys = list(holder) if isinstance(holder, dict) else list(range(len(holder)))
            if not keys:
                break
            key = draw(st.sampled_from(keys))
            child = holder[key]
            if isinstance(child, dict | list) and child and draw(st.booleans()):
                holder = child
                continue
            holder[key] = draw(json_values)
            break
    return payload


@st.composite
def interactions(draw) -> str:
    user = {"id": draw(user_ids), "team_id": "T1"}
    if draw(st.booleans()):
        payload = {
            "type": "view_submission",
            "team": {"id": "T1"},
            "user": user,
            "trigger_id": f"t{draw(st.integers(0, 10**9))}",
            "view": {
                "id": f"V{draw(st.integers(0, 10**9))}",
                "type": "modal",
                "callback_id": draw(st.sampled_from(CALLBACKS)),
                "private_metadata": draw(odd_text),
                "state": {"values": forms.complaint(what_happened=forms.text(draw(odd_text)))},
            },
        }
    else:
        payload = {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": user,
            "trigger_id": f"t{draw(st.integers(0, 10**9))}",
            "container": {"type": "message", "channel_id": "D1", "message_ts": "1.1"},
            "channel": {"id": "D1"},
            "response_url": "http://127.0.0.1:9/a",
            "actions": [
                {
                    "action_id": draw(st.sampled_from(ACTIONS)),
                    "block_id": "b",
                    "value": draw(st.one_of(small_ints.map(str), odd_text)),
                }
            ],
        }
    payload = _mutate(draw, payload)
    return urlencode({"payload": json.dumps(payload)})


events = st.builds(
    lambda event, kind: json.dumps({"type": kind, "event_id": "Ev1", "event": event}),
    json_values,
    st.sampled_from(["event_callback", "url_verification", "app_rate_limited"]),
)

# Events as Slack sends them for what the app subscribes to (manifest.yml: app_home_opened,
# app_mention, message.channels/groups/im), then broken by _mutate. Timestamps are those the
# fake Slack gives the cards it posts, so some replies land in a real case's thread.
slack_ts = st.integers(1, 400).map(lambda n: f"1700000000.{n:06d}")
event_users = st.sampled_from(["U100", "USUP1", "UINV1", "UBOT"])
SUBTYPES = [
    "bot_message",
    "thread_broadcast",
    "file_share",
    "channel_join",
    "me_message",
    "message_replied",
    "ekm_access_denied",
    "a_subtype_slack_adds_later",
]


@st.composite
def slack_events(draw) -> dict:
    """One event of a kind the app listens to, in Slack's own shape."""
    dm = draw(st.booleans())
    channel = "D0SUPPLIER1" if dm else "CTRIAGE1"
    message = {
        "type": "message",
        "channel": channel,
        "channel_type": "im" if dm else "channel",
        "user": draw(event_users),
        "text": draw(st.one_of(odd_text, st.just("<@UBOT> help"), st.just("<@UBOT> assign"))),
        "ts": draw(slack_ts),
        "thread_ts": draw(st.one_of(slack_ts, slack_ts, slack_ts, st.none())),
    }
    kind = draw(st.sampled_from(["reply", "edit", "delete", "mention", "home", "bot", "subtype"]))
    if kind == "reply":
        return message
    if kind == "edit":
        changed = {**message, "edited": {"user": message["user"], "ts": draw(slack_ts)}}
        return {
            "type": "message",
            "subtype": "message_changed",
            "channel": channel,
            "channel_type": message["channel_type"],
            "hidden": draw(st.booleans()),
            "ts": draw(slack_ts),
            "message": changed,
            "previous_message": message,
        }
    if kind == "delete":
        return {
            "type": "message",
            "subtype": "message_deleted",
            "channel": channel,
            "channel_type": message["channel_type"],
            "ts": draw(slack_ts),
            "deleted_ts": message["ts"],
            "previous_message": message,
        }
    if kind == "mention":
        return {**message, "type": "app_mention", "text": f"<@UBOT> {message['text']}"}
    if kind == "home":
        return {
            "type": "app_home_opened",
            "user": message["user"],
            "channel": "D0HOME1",
            "tab": draw(st.sampled_from(["home", "messages", "about"])),
            "event_ts": draw(slack_ts),
        }
    if kind == "bot":
        return {**message, "subtype": "bot_message", "bot_id": "B0BOT1", "username": "a bot"}
    return {**message, "subtype": draw(st.sampled_from(SUBTYPES))}


@st.composite
def event_callbacks(draw) -> str:
    """An Events API body: a real-shaped event, sometimes with fields of any shape."""
    body = {
        "token": "legacy",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": f"Ev{draw(st.integers(0, 10**9))}",
        "event_time": 1800000000,
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
        "event": draw(slack_events()),
    }
    # Most bodies get one field a listener reads broken; a few are also mutated anywhere.
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]))):
        _break_a_read_field(draw, body["event"])
    if draw(st.integers(0, 3)) == 0:
        _mutate(draw, body)
    return json.dumps(body)


# Fields the listeners and Bolt read, where a wrong type used to be a 500 (issue 13, item 5).
READ_FIELDS = ["text", "ts", "thread_ts", "user", "channel", "subtype", "channel_type", "tab"]
READ_OBJECTS = ["message", "previous_message"]
# Mostly the wrong type, and truthy (a falsy value reads as "absent" and passes anyway).
wrong_types = st.one_of(
    st.integers().filter(bool),
    st.lists(json_values, min_size=1, max_size=3),
    st.dictionaries(odd_text, json_values, min_size=1, max_size=3),
    st.just(True),
    st.floats(allow_nan=False).filter(bool),
    json_values,
)


def _break_a_read_field(draw, event: dict) -> None:
    """Give one field a listener reads (at the top of the event, or in the message of an edit
    or a deletion) a value of any shape: random mutation alone rarely lands on one."""
    holder = event
    nested = [k for k in READ_OBJECTS if isinstance(event.get(k), dict)]
    if nested and draw(st.booleans()):
        holder = event[draw(st.sampled_from(nested))]
    key = draw(st.sampled_from(READ_FIELDS + READ_OBJECTS))
    holder[key] = draw(wrong_types)


shapes = json_values.map(lambda v: urlencode({"payload": json.dumps(v)}))
deep = st.integers(1, 100_000).map(lambda n: "payload=" + "[" * n)


def bodies(ints=small_ints):
    """(text body, content type) pairs a signed client might send."""
    return st.one_of(
        st.tuples(commands(ints), st.just(FORM)),
        st.tuples(interactions(), st.just(FORM)),
        st.tuples(shapes, st.sampled_from([FORM, "text/plain", ""])),
        st.tuples(events, st.sampled_from(["application/json", FORM])),
        st.tuples(event_callbacks(), st.just("application/json")),
        st.tuples(deep, st.just(FORM)),
        st.tuples(st.text(max_size=200), st.sampled_from([FORM, "application/json", ""])),
    )


def signed(body: str, secret: str, content_type: str = "application/json") -> tuple[bytes, dict]:
    """``body`` signed as Slack signs it, now."""
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
    return body.encode("utf-8", "surrogatepass"), {"Content-Type": content_type, **headers}


@st.composite
def cases(draw, secret: str, ints=small_ints) -> tuple[bytes, dict]:
    """A request: signed correctly, or unsigned / badly signed, with odd headers."""
    if draw(st.integers(0, 9)) == 0:
        body, content_type = draw(st.binary(max_size=300)), FORM
    else:
        text, content_type = draw(bodies(ints))
        body = text.encode("utf-8", "surrogatepass")
    headers = {"Content-Type": content_type} if content_type else {}
    how = draw(st.sampled_from(["signed", "signed", "signed", "none", "wrong", "odd"]))
    timestamp = str(int(time.time()))
    if how == "signed":
        try:
            text = body.decode("utf-8")
            signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=text)
            headers |= {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
        except UnicodeError:
            pass  # not UTF-8: Slack could not have signed it; sent unsigned
    elif how == "wrong":
        headers |= {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + "0" * 64}
    elif how == "odd":
        header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20)
        headers |= {
            "X-Slack-Request-Timestamp": draw(header_text),
            "X-Slack-Signature": draw(header_text),
            "X-Slack-Retry-Num": draw(header_text),
        }
    return body, headers


def send(base_url: str, body: bytes, headers: dict) -> int:
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=15)
    try:
        conn.request("POST", "/slack/events", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()
