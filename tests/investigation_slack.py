"""Signed Slack deliveries the investigation tests need beyond tests/slack_client.py: events
(thread replies, edits, deletions, mentions, DMs, App Home) and interactive payloads."""

from __future__ import annotations

import itertools
import json
import uuid
from urllib.parse import urlencode

from tests.slack_client import FakeSlack, Reply

_ts = itertools.count(1)


def new_ts() -> str:
    return f"1800000000.{next(_ts):06d}"


def event_body(event: dict, *, event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:12].upper()}",
            "event_time": 1800000000,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
            "event": event,
        }
    )


def send_event(slack: FakeSlack, event: dict, *, event_id=None, retry: int | None = None) -> Reply:
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return slack.post(
        event_body(event, event_id=event_id),
        content_type="application/json",
        headers=headers if retry else None,
    )


def reply(channel: str, thread_ts: str, user: str, text: str, ts: str | None = None) -> dict:
    return {
        "type": "message",
        "channel": channel,
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts or new_ts(),
        "thread_ts": thread_ts,
    }


def dm_reply(channel: str, thread_ts: str, user: str, text: str) -> dict:
    return {**reply(channel, thread_ts, user, text), "channel_type": "im"}


def edited(channel: str, thread_ts: str, ts: str, user: str, text: str) -> dict:
    return {
        "type": "message",
        "subtype": "message_changed",
        "channel": channel,
        "channel_type": "channel",
        "ts": new_ts(),
        "message": {
            "type": "message",
            "user": user,
            "text": text,
            "ts": ts,
            "thread_ts": thread_ts,
            "edited": {"user": user, "ts": new_ts()},
        },
    }


def deleted(channel: str, thread_ts: str, ts: str, user: str) -> dict:
    return {
        "type": "message",
        "subtype": "message_deleted",
        "channel": channel,
        "channel_type": "channel",
        "ts": new_ts(),
        "deleted_ts": ts,
        "previous_message": {
            "type": "message",
            "user": user,
            "text": "x",
            "ts": ts,
            "thread_ts": thread_ts,
        },
    }


def mention(channel: str, thread_ts: str | None, user: str, text: str) -> dict:
    event = {
        "type": "app_mention",
        "channel": channel,
        "user": user,
        "text": f"<@UBOT> {text}",
        "ts": new_ts(),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def interactive(slack: FakeSlack, payload: dict) -> Reply:
    base = {
        "team": {"id": "T1", "domain": "t"},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": f"trig-{uuid.uuid4().hex}",
        "is_enterprise_install": False,
    }
    return slack.post(urlencode({"payload": json.dumps({**base, **payload})}))


def button(
    slack: FakeSlack,
    action_id: str,
    value: str,
    *,
    user: str,
    channel: str,
    message_ts: str = "1.1",
    block_id: str = "b",
) -> Reply:
    return interactive(
        slack,
        {
            "type": "block_actions",
            "user": {"id": user, "username": user, "team_id": "T1"},
            "container": {"type": "message", "channel_id": channel, "message_ts": message_ts},
            "channel": {"id": channel},
            "message": {"ts": message_ts, "text": "x"},
            "response_url": "http://127.0.0.1:9/actions/1",
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": value,
                    "type": "button",
                    "action_ts": "1.2",
                }
            ],
        },
    )


def user_selected(
    slack: FakeSlack, action_id: str, block_id: str, chosen: str, *, user: str, channel: str
) -> Reply:
    return interactive(
        slack,
        {
            "type": "block_actions",
            "user": {"id": user, "username": user, "team_id": "T1"},
            "container": {"type": "message", "channel_id": channel, "message_ts": "1.1"},
            "channel": {"id": channel},
            "message": {"ts": "1.1", "text": "x"},
            "response_url": "http://127.0.0.1:9/actions/1",
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block_id,
                    "selected_user": chosen,
                    "type": "users_select",
                    "action_ts": "1.2",
                }
            ],
        },
    )
