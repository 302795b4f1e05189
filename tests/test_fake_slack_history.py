"""The fake Slack answers conversations.history and conversations.replies as Slack does, through
the real Web API client (both are GET methods in slack_sdk)."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError


def _client(stub) -> WebClient:
    return WebClient(token="xoxb-test", base_url=stub.url)


def _tag(n: int) -> dict:
    return {"event_type": "msbot_outbox", "event_payload": {"outbox_id": n}}


def test_history_is_newest_first_pages_with_a_cursor_and_shows_metadata_only_when_asked(stub):
    client = _client(stub)
    posted = [
        client.chat_postMessage(channel="CHIST", text=f"m{n}", metadata=_tag(n))["ts"]
        for n in range(5)
    ]
    client.chat_postMessage(channel="COTHER", text="elsewhere")

    plain = client.conversations_history(channel="CHIST")
    assert [m["ts"] for m in plain["messages"]] == posted[::-1]
    assert all("metadata" not in m for m in plain["messages"])
    assert plain["has_more"] is False

    seen, cursor = [], None
    while True:
        page = client.conversations_history(
            channel="CHIST", limit=2, cursor=cursor, include_all_metadata=True
        )
        seen += [m["metadata"]["event_payload"]["outbox_id"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not page["has_more"]:
            break
        assert len(page["messages"]) == 2 and cursor
    assert seen == [4, 3, 2, 1, 0]


def test_history_bounds_by_posting_time_and_lists_thread_replies_only_under_replies(stub):
    client = _client(stub)
    old = client.chat_postMessage(channel="CTHREAD", text="before")["ts"]
    since = time.time()  # after "before" was answered, so after it was posted
    parent = client.chat_postMessage(channel="CTHREAD", text="card", metadata=_tag(1))["ts"]
    reply = client.chat_postMessage(
        channel="CTHREAD", text="note", thread_ts=parent, metadata=_tag(2)
    )["ts"]
    client.chat_update(channel="CTHREAD", ts=parent, text="card v2", metadata=_tag(3))

    recent = client.conversations_history(
        channel="CTHREAD", oldest=f"{since:.6f}", include_all_metadata=True
    )["messages"]
    assert [m["ts"] for m in recent] == [parent]  # not the reply, not the older message
    assert recent[0]["text"] == "card v2" and recent[0]["metadata"] == _tag(3)
    assert recent[0]["reply_count"] == 1
    everything = client.conversations_history(channel="CTHREAD")["messages"]
    assert [m["ts"] for m in everything] == [parent, old]

    thread = client.conversations_replies(
        channel="CTHREAD", ts=parent, oldest=f"{since:.6f}", include_all_metadata=True
    )["messages"]
    assert [m["ts"] for m in thread] == [parent, reply]
    assert thread[1]["metadata"] == _tag(2) and thread[1]["thread_ts"] == parent
    with pytest.raises(SlackApiError) as missing:
        client.conversations_replies(channel="CTHREAD", ts="1.000001")
    assert missing.value.response["error"] == "thread_not_found"


def test_history_failures_can_be_planned_like_any_other_method(stub):
    client = WebClient(token="xoxb-test", base_url=stub.url)
    stub.fail("conversations.history", error="missing_scope")
    with pytest.raises(SlackApiError) as refused:
        client.conversations_history(channel="CHIST")
    assert refused.value.response["error"] == "missing_scope"
    assert client.conversations_history(channel="CHIST")["messages"] == []
