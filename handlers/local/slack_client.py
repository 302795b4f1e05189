"""Sends requests to msbot exactly as Slack does: form bodies signed with the signing secret.

The tests use it directly; the local workspace sends every command, click and submission
through it, to the same /slack/events endpoint production uses."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

_ids = itertools.count(1)


@dataclass
class Reply:
    status: int
    body: str

    def json(self) -> dict:
        """The response as Slack reads it: a plain-text body is a message's text."""
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except ValueError:
            return {"text": self.body}


class FakeSlack:
    def __init__(self, base_url: str, signing_secret: str, team_id: str = "T1"):
        self.base_url = base_url.rstrip("/")
        self.verifier = SignatureVerifier(signing_secret)
        self.team_id = team_id

    def post(
        self,
        body: str,
        *,
        path="/slack/events",
        timestamp: int | None = None,
        signature: str | None = None,
        content_type="application/x-www-form-urlencoded",
        headers: dict | None = None,
    ) -> Reply:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = signature or self.verifier.generate_signature(timestamp=ts, body=body)
        request = urllib.request.Request(
            self.base_url + path,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": sig,
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return Reply(resp.status, resp.read().decode())
        except urllib.error.HTTPError as err:
            return Reply(err.code, err.read().decode())

    def get(self, path: str) -> Reply:
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=10) as resp:
                return Reply(resp.status, resp.read().decode())
        except urllib.error.HTTPError as err:
            return Reply(err.code, err.read().decode())

    def command_body(
        self, command: str, text: str = "", *, user: str = "U100", trigger_id: str | None = None
    ) -> str:
        return urlencode(
            {
                "token": "legacy",
                "team_id": self.team_id,
                "team_domain": "t",
                "channel_id": "C999",
                "channel_name": "general",
                "user_id": user,
                "user_name": user,
                "command": command,
                "text": text,
                "api_app_id": "A1",
                "is_enterprise_install": "false",
                "response_url": "http://127.0.0.1:9/commands/1",
                "trigger_id": trigger_id or f"trig-{uuid.uuid4().hex}",
            }
        )

    def command(self, command: str, text: str = "", **kw) -> Reply:
        return self.post(self.command_body(command, text, **kw))

    def view_submission(
        self,
        callback_id: str,
        values: dict,
        *,
        user: str = "U100",
        view_id: str | None = None,
        private_metadata: str = "",
    ) -> Reply:
        view = {
            "id": view_id or f"V{next(_ids):08d}",
            "team_id": self.team_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "hash": "h",
            "state": {"values": values},
        }
        return self._interaction("view_submission", user, None, view=view)

    def block_action(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "U100",
        block_id: str = "b",
        trigger_id: str | None = None,
        channel: str = "D1",
        message_ts: str = "1.1",
        ephemeral: bool = False,
        response_url: str = "http://127.0.0.1:9/actions/1",
    ) -> Reply:
        """A button click. ``channel``/``message_ts`` name the clicked message, as Slack's
        container does; an ephemeral message has no ts Slack will accept in chat.update, so
        apps reach it through ``response_url`` (point it at SlackStub.response_url)."""
        container = {"type": "message", "channel_id": channel, "message_ts": message_ts}
        if ephemeral:
            container["is_ephemeral"] = True
        return self._interaction(
            "block_actions",
            user,
            trigger_id,
            container=container,
            channel={"id": channel},
            message={"ts": message_ts, "text": "x"},
            response_url=response_url,
            actions=[
                {
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": value,
                    "type": "button",
                    "action_ts": "1.2",
                }
            ],
        )

    def _interaction(self, kind: str, user: str, trigger_id: str | None, **fields) -> Reply:
        """Post an interaction as Slack does: form-encoded, the JSON in one ``payload`` field."""
        payload = {
            "type": kind,
            "team": {"id": self.team_id, "domain": "t"},
            "user": {"id": user, "username": user, "team_id": self.team_id},
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": trigger_id or f"trig-{uuid.uuid4().hex}",
            **fields,
            "is_enterprise_install": False,
        }
        return self.post(urlencode({"payload": json.dumps(payload)}))
