"""What people do in the local workspace page, as Slack would send it to msbot.

Every command, message, click and submission becomes a request signed exactly as Slack signs
it, to msbot's own /slack/events endpoint; Slack's answers to msbot's replies (an ephemeral
command answer, a modal's response_action) are applied to the workspace as Slack applies them.
"""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import urlencode

from handlers.local import rules
from handlers.local.people import BOT_ID

TEAM = "T1"


def dm_of(user: str) -> str:
    return "D" + user


class Interactions:
    """Mixed into Workspace, whose state (messages, modals, log, fake, app) it reads and changes."""

    def _send(self, what: str, body: str, content_type: str, show, interactive=True) -> dict:
        """One signed request to msbot; an ack slower than Slack's 3 s is a broken rule, and so
        is no ack at all for something a person did (``interactive``): Slack shows them an
        error. An event nobody handles (HTTP 404) is only unsubscribed."""
        assert self.app is not None, "connect() first"
        started = time.monotonic()
        reply = self.app.post(body, content_type=content_type)
        ms = round((time.monotonic() - started) * 1000)
        problem = None
        if ms > self.ack_deadline * 1000:
            limit = round(self.ack_deadline * 1000)
            problem = f"{what}: msbot acked after {ms} ms; Slack gives up after {limit} ms"
        elif reply.status >= 500 or (interactive and reply.status != 200):
            problem = f"{what}: msbot answered HTTP {reply.status}, not an ack"
        with self._cond:
            self._record(
                "request",
                what,
                show,
                reply.body[:20000],
                status=reply.status,
                ms=ms,
                problem=problem,
            )
        return {"status": reply.status, "body": reply.json(), "late": bool(problem)}

    def _interaction(self, kind: str, user: str, **fields) -> dict:
        """An interaction payload as Slack sends it: its kind, who, and the kind's own fields."""
        return {
            "type": kind,
            "team": {"id": TEAM, "domain": "local"},
            "user": {"id": user, "username": self.names.get(user, user), "team_id": TEAM},
            "api_app_id": "A1",
            "token": "local",
            **fields,
            "is_enterprise_install": False,
        }

    def _send_interaction(self, what: str, payload: dict) -> dict:
        """Interactions arrive form-encoded, the JSON in one ``payload`` field."""
        body = urlencode({"payload": json.dumps(payload)})
        return self._send(what, body, "application/x-www-form-urlencoded", payload)

    def _outsider(self, user: str, channel: str) -> dict | None:
        """Slack's answer when someone acts in a channel they are not in: nothing reaches msbot
        (a private channel is not even visible to them)."""
        if self.is_member(user, channel):
            return None
        with self._cond:
            self._record("local", "refused", f"{user} is not in {channel}", None)
        return {"status": 403, "body": {"ok": False, "error": "channel_not_found"}, "late": False}

    def command(self, user: str, channel: str, line: str) -> dict:
        if refused := self._outsider(user, channel):
            return refused
        command, _, text = line.strip().partition(" ")
        trigger = self.fake.issue_trigger(user)
        form = {
            "token": "local",
            "team_id": TEAM,
            "team_domain": "local",
            "channel_id": channel,
            "channel_name": self._channel_name(channel),
            "user_id": user,
            "user_name": self.names.get(user, user),
            "command": command,
            "text": text.strip(),
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": self._response_url_for(user, channel),
            "trigger_id": trigger,
        }
        result = self._send(command, urlencode(form), "application/x-www-form-urlencoded", form)
        answer = result["body"]
        with self._cond:
            if result["status"] != 200 or result["late"]:
                error = "operation_timeout" if result["late"] else "dispatch_failed"
                self._add_message(
                    channel,
                    "USLACKBOT",
                    f'{command} failed with the error "{error}"',
                    ephemeral_for=user,
                )
            elif answer.get("text") or answer.get("blocks"):
                ephemeral = answer.get("response_type") != "in_channel"
                self._add_message(
                    channel,
                    BOT_ID,
                    answer.get("text"),
                    answer.get("blocks"),
                    ephemeral_for=user if ephemeral else None,
                )
        return result

    def _channel_name(self, channel: str) -> str:
        return next((c["name"] for c in self.channels if c["id"] == channel), "directmessage")

    def say(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> dict:
        """A plain message (or thread reply); msbot hears it as Events API events."""
        if refused := self._outsider(user, channel):
            return refused
        text = text.replace("@msbot", f"<@{BOT_ID}>")
        with self._cond:
            msg = self._add_message(channel, user, text, thread_ts=thread_ts)
        event = {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": msg["ts"],
            "event_ts": msg["ts"],
            "channel_type": "im" if channel.startswith("D") else "channel",
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        results = [self._event(event)]
        if f"<@{BOT_ID}>" in text and not channel.startswith("D"):
            results.append(self._event({**event, "type": "app_mention"}))
        return {"ts": msg["ts"], "results": results}

    def _event(self, event: dict) -> dict:
        envelope = {
            "token": "local",
            "team_id": TEAM,
            "api_app_id": "A1",
            "event": event,
            "type": "event_callback",
            "event_id": "Ev" + uuid.uuid4().hex[:10].upper(),
            "event_time": int(time.time()),
            "authorizations": [{"user_id": BOT_ID, "team_id": TEAM, "is_bot": True}],
        }
        return self._send(
            event["type"], json.dumps(envelope), "application/json", envelope, interactive=False
        )

    def open_home(self, user: str) -> dict:
        """The person opened msbot's Home tab: Slack sends app_home_opened."""
        home = self.home.get(user)
        event = {"type": "app_home_opened", "user": user, "channel": dm_of(user), "tab": "home"}
        if home:
            event["view"] = {**home["view"], "id": home["id"]}
        return self._event({**event, "event_ts": self.fake.next_ts()})

    def action(self, user: str, action: dict, where: dict) -> dict:
        """A click or pick in a message (``where`` names channel and ts) or a view."""
        payload = self._interaction(
            "block_actions",
            user,
            trigger_id=self.fake.issue_trigger(user),
            actions=[{**action, "action_ts": str(time.time())}],
        )
        if where.get("view_id"):
            entry = self._view_entry(user, where["view_id"])
            if entry is None:
                return {"status": 404, "body": {"error": "that view is closed"}}
            view = {
                **entry["view"],
                "id": entry["id"],
                "state": {"values": where.get("values", {})},
            }
            payload["container"] = {"type": "view", "view_id": entry["id"]}
            payload["view"] = view
        else:
            channel, ts = where["channel"], where["ts"]
            if refused := self._outsider(user, channel):
                return refused
            msg = self._find(channel, ts) or {}
            ephemeral = bool(msg.get("ephemeral_for"))
            payload["container"] = {"type": "message", "channel_id": channel, "message_ts": ts}
            if ephemeral:
                payload["container"]["is_ephemeral"] = True
            payload["channel"] = {"id": channel, "name": self._channel_name(channel)}
            payload["message"] = {
                "ts": ts,
                "text": msg.get("text", ""),
                "blocks": msg.get("blocks"),
            }
            payload["response_url"] = self._response_url_for(
                user, channel, ts=ts, thread_ts=msg.get("thread_ts")
            )
        return self._send_interaction(action.get("action_id", "action"), payload)

    def _view_entry(self, user: str, view_id: str) -> dict | None:
        for entry in self.modals.get(user, []):
            if entry["id"] == view_id:
                return entry
        home = self.home.get(user)
        return home if home and home["id"] == view_id else None

    def submit(self, user: str, view_id: str, values: dict) -> dict:
        entry = self._view_entry(user, view_id)
        if entry is None:
            return {"status": 404, "body": {"error": "that view is closed"}}
        payload = self._interaction(
            "view_submission",
            user,
            trigger_id=self.fake.issue_trigger(user),
            view={
                **entry["view"],
                "id": view_id,
                "team_id": TEAM,
                "hash": uuid.uuid4().hex[:10],
                "state": {"values": values},
                "private_metadata": entry["view"].get("private_metadata", ""),
            },
        )
        result = self._send_interaction(
            entry["view"].get("callback_id") or "view_submission", payload
        )
        with self._cond:
            self._after_submission(user, entry, result)
        return result

    def _after_submission(self, user: str, entry: dict, result: dict) -> None:
        """What Slack does with the modal given msbot's answer to a submission."""
        stack = self.modals.get(user, [])
        if result["status"] != 200 or result["late"]:
            entry["errors"] = {"_": "We had some trouble connecting. Try again?"}
            self._changed()
            return
        answer = result["body"] or {}
        action = answer.get("response_action")
        if action == "errors":
            entry["errors"] = answer.get("errors") or {}
        elif action in ("update", "push"):
            problems = rules.view_problems(answer.get("view"))
            if problems:
                self._record(
                    "request",
                    "response_action",
                    answer,
                    None,
                    problem="view_submission: invalid view " + " ".join(problems),
                )
                entry["errors"] = {"_": "We had some trouble connecting. Try again?"}
            elif action == "update":
                entry.update(view=answer["view"], errors={})
            else:
                stack.append(
                    {"id": f"V{uuid.uuid4().hex[:8].upper()}", "view": answer["view"], "errors": {}}
                )
        elif action == "clear":
            stack.clear()
        elif entry in stack:
            stack.remove(entry)
        self._changed()

    def close_view(self, user: str, view_id: str) -> dict:
        """Cancel: the view goes (back to the one below); msbot hears of it only if the view
        asked to (notify_on_close), as a view_closed request."""
        with self._cond:
            stack = self.modals.get(user, [])
            closing = next((e for e in stack if e["id"] == view_id), None)
            self.modals[user] = [e for e in stack if e["id"] != view_id]
            self._changed()
        if closing is None or not closing["view"].get("notify_on_close"):
            return {"status": 200}
        payload = self._interaction(
            "view_closed",
            user,
            view={**closing["view"], "id": view_id, "team_id": TEAM},
            is_cleared=False,
        )
        return self._send_interaction("view_closed", payload)
