"""The local workspace's state, kept from the Web API calls msbot makes, and what people do.

Every change a person makes in the page becomes a request signed exactly as Slack signs it, to
msbot's own /slack/events endpoint; every change msbot makes arrives as a Web API call on the
fake (fake_slack.SlackStub), which hands it here (``observe``). The page polls ``snapshot``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

from handlers.local import rules
from handlers.local.fake_slack import RESPONSE_URL, Call, SlackStub
from handlers.local.people import BOT_ID, CHANNELS, INVESTIGATOR_GROUP, PEOPLE, names, role_ids
from handlers.local.slack_client import FakeSlack

TEAM = "T1"
# Errors that mean msbot broke one of Slack's rules (shown in red in the page).
RULE_ERRORS = frozenset(
    {
        "unknown_method",
        "invalid_blocks",
        "invalid_arguments",
        "expired_trigger_id",
        "msg_too_long",
        "message_not_found",
    }
)
LOG_LIMIT = 500


def dm_of(user: str) -> str:
    return "D" + user


class Workspace:
    def __init__(self):
        self.fake = SlackStub(observer=self, real_time=True)
        self.fake.group_members[INVESTIGATOR_GROUP] = role_ids("investigator").split(",")
        self.app: FakeSlack | None = None  # set by connect(), once msbot is listening
        self.names = names()
        self.channels = [*CHANNELS] + [
            {"id": dm_of(p.id), "name": "msbot", "kind": "dm", "user": p.id} for p in PEOPLE
        ]
        self.messages: list[dict] = []
        self.modals: dict[str, list[dict]] = {}  # user -> stack of open views
        self.home: dict[str, dict] = {}  # user -> App Home view
        self.log: list[dict] = []
        self.problems: list[dict] = []
        self.version = 0
        self._responses: dict[str, dict] = {}  # response_url key -> where its posts go
        self._n = itertools.count(1)
        self._cond = threading.Condition()
        # Slack's ack deadline; replaceable so a test can show a late ack without waiting 3 s.
        self.ack_deadline = rules.ACK_DEADLINE_SECONDS

    def connect(self, app_url: str, signing_secret: str) -> None:
        self.app = FakeSlack(app_url, signing_secret, team_id=TEAM)

    def close(self) -> None:
        self.fake.close()

    # --- state shared with the page ---------------------------------------------------------

    def _changed(self) -> None:
        self.version += 1
        self._cond.notify_all()

    def _record(
        self, kind: str, name: str, payload, response, *, status=200, ms=None, problem=None
    ):
        entry = {
            "n": next(self._n),
            "at": datetime.now(UTC).strftime("%H:%M:%S"),
            "kind": kind,
            "name": name,
            "payload": payload,
            "response": response,
            "status": status,
            "ms": ms,
            "problem": problem,
        }
        self.log.append(entry)
        del self.log[:-LOG_LIMIT]
        if problem:
            self.problems.append(entry)
        self._changed()

    def snapshot(self, since: int = -1, wait: float = 20.0) -> str:
        """Everything the page draws (JSON), once it has changed since version ``since``."""
        with self._cond:
            self._cond.wait_for(lambda: self.version != since, timeout=wait)
            # Serialised under the lock: the fake's threads change these lists as they go.
            return json.dumps(
                {
                    "version": self.version,
                    "bot": BOT_ID,
                    "people": [p.__dict__ for p in PEOPLE],
                    "names": self.names,
                    "channels": self.channels,
                    "messages": self.messages,
                    "modals": self.modals,
                    "home": self.home,
                    "log": self.log,
                    "problems": self.problems,
                }
            )

    def wait_for_request(self, name: str, timeout: float = 10.0) -> dict:
        """The first request of that name sent to msbot, once it has been answered."""

        def found():
            return next((e for e in self.log if e["kind"] == "request" and e["name"] == name), None)

        with self._cond:
            entry = self._cond.wait_for(found, timeout)
        assert entry, f"no {name} request was sent to msbot within {timeout} s"
        return entry

    def _find(self, channel: str, ts: str) -> dict | None:
        return next((m for m in self.messages if m["channel"] == channel and m["ts"] == ts), None)

    def _add_message(self, channel: str, user: str, text: str, blocks=None, **extra) -> dict:
        msg = {
            "ts": extra.pop("ts", None) or self.fake.next_ts(),
            "channel": channel,
            "user": user,
            "text": text or "",
            "blocks": blocks or [],
            "thread_ts": extra.pop("thread_ts", None) or None,
            "ephemeral_for": extra.pop("ephemeral_for", None),
            "files": extra.pop("files", []),
            "edited": False,
        }
        self.messages.append(msg)
        self._changed()
        return msg

    # --- Web API calls msbot made (called by the fake on its HTTP threads) -------------------

    def observe(self, call: Call, body: dict) -> dict:
        with self._cond:
            if body.get("ok"):
                body = self._apply(call, body)
            error = None if body.get("ok") else body.get("error")
            problem = None
            if error in RULE_ERRORS:
                details = body.get("errors") or (body.get("response_metadata") or {}).get(
                    "messages", []
                )
                problem = f"{call.method}: {error} " + " ".join(details)
            name = call.path if call.method == RESPONSE_URL else call.method
            self._record("api", name, call.args, body, problem=problem)
        return body

    def _apply(self, call: Call, body: dict) -> dict:
        args, method = call.args, call.method
        channel = args.get("channel") or args.get("channel_id") or ""
        if channel.startswith(("U", "W")):  # posting to a user id posts to their DM
            channel = dm_of(channel)
        if method == "chat.postMessage":
            msg = self._add_message(
                channel,
                BOT_ID,
                args.get("text"),
                args.get("blocks"),
                ts=body.get("ts"),
                thread_ts=args.get("thread_ts"),
            )
            return {**body, "channel": channel, "message": msg}
        if method == "chat.postEphemeral":
            self._add_message(
                channel,
                BOT_ID,
                args.get("text"),
                args.get("blocks"),
                ts=body.get("message_ts"),
                thread_ts=args.get("thread_ts"),
                ephemeral_for=args.get("user"),
            )
            return body
        if method == "chat.update":
            msg = self._find(channel, args.get("ts") or "")
            if msg is None or msg["ephemeral_for"]:
                return {"ok": False, "error": "message_not_found"}
            msg.update(text=args.get("text") or "", blocks=args.get("blocks") or [], edited=True)
            self._changed()
            return body
        if method in ("views.open", "views.push"):
            user = self.fake.trigger_user(args.get("trigger_id"))
            if user is None:
                return {"ok": False, "error": "invalid_trigger_id"}
            stack = self.modals.setdefault(user, [])
            if method == "views.open":
                stack.clear()
            stack.append({"id": body["view"]["id"], "view": args["view"], "errors": {}})
            self._changed()
            return body
        if method == "views.update":
            return self._update_view(args, body)
        if method == "views.publish":
            self.home[args.get("user_id", "")] = {"id": body["view"]["id"], "view": args["view"]}
            self._changed()
            return body
        if method == "files.completeUploadExternal":
            files = [{**f, "url": f["url_private"]} for f in body.get("files", [])]
            self._add_message(
                channel,
                BOT_ID,
                args.get("initial_comment"),
                thread_ts=args.get("thread_ts"),
                files=files,
            )
            return body
        if method == "users.info":
            user = args.get("user", "")
            name = self.names.get(user, user)
            profile = {"real_name": name, "display_name": name}
            return {
                **body,
                "user": {"id": user, "name": name, "real_name": name, "profile": profile},
            }
        if method == RESPONSE_URL:
            return self._response_url(call.path, args, body)
        return body

    def _update_view(self, args: dict, body: dict) -> dict:
        wanted = args.get("view_id")
        for stack in self.modals.values():
            for entry in stack:
                if entry["id"] == wanted or (
                    args.get("external_id")
                    and entry["view"].get("external_id") == args["external_id"]
                ):
                    entry.update(view=args["view"], errors={})
                    self._changed()
                    return {**body, "view": {**args["view"], "id": entry["id"]}}
        for home in self.home.values():
            if home["id"] == wanted:
                home["view"] = args["view"]
                self._changed()
                return body
        return {"ok": False, "error": "not_found"}

    def _response_url(self, path: str, args: dict, body: dict) -> dict:
        where = self._responses.get(path.rsplit("/", 1)[-1])
        if where is None:
            return {"ok": False, "error": "expired_url"}
        original = self._find(where["channel"], where["ts"]) if where.get("ts") else None
        if args.get("delete_original") and original:
            self.messages.remove(original)
        elif args.get("replace_original") and original:
            original.update(text=args.get("text") or "", blocks=args.get("blocks") or [])
            original["edited"] = True
        else:
            ephemeral = args.get("response_type") != "in_channel"
            self._add_message(
                where["channel"],
                BOT_ID,
                args.get("text"),
                args.get("blocks"),
                thread_ts=where.get("thread_ts"),
                ephemeral_for=where["user"] if ephemeral else None,
            )
        self._changed()
        return body

    def _response_url_for(self, user: str, channel: str, ts=None, thread_ts=None) -> str:
        key = uuid.uuid4().hex[:12]
        self._responses[key] = {"user": user, "channel": channel, "ts": ts, "thread_ts": thread_ts}
        return f"{self.fake.base}/response/{key}"

    # --- what people do in the page ----------------------------------------------------------

    def _send(self, what: str, body: str, content_type: str, show) -> dict:
        """One signed request to msbot; an ack slower than Slack's 3 s is a broken rule."""
        assert self.app is not None, "connect() first"
        started = time.monotonic()
        reply = self.app.post(body, content_type=content_type)
        ms = round((time.monotonic() - started) * 1000)
        problem = None
        if ms > self.ack_deadline * 1000:
            limit = round(self.ack_deadline * 1000)
            problem = f"{what}: msbot acked after {ms} ms; Slack gives up after {limit} ms"
        elif reply.status >= 500:
            problem = f"{what}: msbot answered HTTP {reply.status}"
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

    def command(self, user: str, channel: str, line: str) -> dict:
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
        return self._send(event["type"], json.dumps(envelope), "application/json", envelope)

    def open_home(self, user: str) -> dict:
        """The person opened msbot's Home tab: Slack sends app_home_opened."""
        home = self.home.get(user)
        event = {"type": "app_home_opened", "user": user, "channel": dm_of(user), "tab": "home"}
        if home:
            event["view"] = {**home["view"], "id": home["id"]}
        return self._event({**event, "event_ts": self.fake.next_ts()})

    def action(self, user: str, action: dict, where: dict) -> dict:
        """A click or pick in a message (``where`` names channel and ts) or a view."""
        trigger = self.fake.issue_trigger(user)
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "local"},
            "user": {"id": user, "username": self.names.get(user, user), "team_id": TEAM},
            "api_app_id": "A1",
            "token": "local",
            "trigger_id": trigger,
            "actions": [{**action, "action_ts": str(time.time())}],
            "is_enterprise_install": False,
        }
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
        body = urlencode({"payload": json.dumps(payload)})
        return self._send(
            action.get("action_id", "action"), body, "application/x-www-form-urlencoded", payload
        )

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
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "local"},
            "user": {"id": user, "username": self.names.get(user, user), "team_id": TEAM},
            "api_app_id": "A1",
            "token": "local",
            "trigger_id": self.fake.issue_trigger(user),
            "view": {
                **entry["view"],
                "id": view_id,
                "team_id": TEAM,
                "hash": uuid.uuid4().hex[:10],
                "state": {"values": values},
                "private_metadata": entry["view"].get("private_metadata", ""),
            },
            "is_enterprise_install": False,
        }
        body = urlencode({"payload": json.dumps(payload)})
        result = self._send(
            entry["view"].get("callback_id") or "view_submission",
            body,
            "application/x-www-form-urlencoded",
            payload,
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
        with self._cond:
            stack = self.modals.get(user, [])
            self.modals[user] = [e for e in stack if e["id"] != view_id]
            self._changed()
        return {"status": 200}

    def note(self, name: str, detail: str) -> None:
        """Something the workspace did itself (a job run), for the inspector."""
        with self._cond:
            self._record("local", name, detail, None)
