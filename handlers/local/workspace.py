"""The local workspace's state, kept from the Web API calls msbot makes.

What people do (handlers.local.interactions) becomes requests signed as Slack signs them, to
msbot's own /slack/events endpoint; every change msbot makes arrives as a Web API call on the
fake (fake_slack.SlackStub), which hands it here (``observe``). The page polls ``snapshot``.
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from datetime import UTC, datetime

from handlers.local import rules
from handlers.local.fake_slack import FROM_MANIFEST, RESPONSE_URL, Call, SlackStub
from handlers.local.interactions import TEAM, Interactions, dm_of
from handlers.local.people import (
    BOT_ID,
    CHANNELS,
    INVESTIGATOR_GROUP,
    PEOPLE,
    channel_members,
    names,
    role_ids,
)
from handlers.local.slack_client import FakeSlack

# Errors that mean msbot broke one of Slack's rules (shown in red in the page).
RULE_ERRORS = frozenset(
    {
        "unknown_method",
        "invalid_blocks",
        "invalid_arguments",
        "expired_trigger_id",
        "msg_too_long",
        "no_text",
        "invalid_trigger_id",
        "message_not_found",
    }
)
LOG_LIMIT = 500


class Workspace(Interactions):
    """The workspace's state; what people do is in handlers.local.interactions."""

    def __init__(self):
        # Installed from manifest.yml: a call its scopes don't allow fails here as in Slack.
        self.fake = SlackStub(observer=self, real_time=True, scopes=FROM_MANIFEST)
        self.fake.group_members[INVESTIGATOR_GROUP] = role_ids("investigator").split(",")
        self.app: FakeSlack | None = None  # set by connect(), once msbot is listening
        self.names = names()
        self.fake.people.update(self.names)
        self.channels = [{**c, "members": channel_members(c["id"])} for c in CHANNELS] + [
            {"id": dm_of(p.id), "name": "msbot", "kind": "dm", "user": p.id, "members": [p.id]}
            for p in PEOPLE
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

    def is_member(self, user: str, channel: str) -> bool:
        """Whether ``user`` is in ``channel`` (a DM is its person's and msbot's)."""
        found = next((c for c in self.channels if c["id"] == channel), None)
        if found is None:
            return False
        return user == BOT_ID or user in found["members"]

    def _find(self, channel: str, ts: str) -> dict | None:
        return next((m for m in self.messages if m["channel"] == channel and m["ts"] == ts), None)

    def _add_message(self, channel: str, user: str, text: str, blocks=None, **extra) -> dict:
        if channel.startswith(("C", "G")) and all(c["id"] != channel for c in self.channels):
            # msbot posted to a channel the workspace did not start with: show it too, as a
            # public channel everyone is in.
            everyone = [BOT_ID, *(p.id for p in PEOPLE)]
            self.channels.append(
                {"id": channel, "name": channel.lower(), "kind": "channel", "members": everyone}
            )
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

    def _bot_posted(self, channel: str, args: dict, ts: str | None, **extra) -> dict:
        """A message msbot posted: its text, blocks and thread are the call's arguments."""
        text, blocks, thread_ts = args.get("text"), args.get("blocks"), args.get("thread_ts")
        return self._add_message(channel, BOT_ID, text, blocks, ts=ts, thread_ts=thread_ts, **extra)

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
            self._record("api", name, call.values, body, problem=problem)
        return body

    def _apply(self, call: Call, body: dict) -> dict:
        args, method = call.values, call.method
        channel = args.get("channel") or args.get("channel_id") or ""
        if channel.startswith(("U", "W")):  # posting to a user id posts to their DM
            channel = dm_of(channel)
        if method == "chat.postMessage":
            msg = self._bot_posted(channel, args, body.get("ts"))
            return {**body, "channel": channel, "message": msg}
        if method == "chat.postEphemeral":
            self._bot_posted(channel, args, body.get("message_ts"), ephemeral_for=args.get("user"))
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
        if method in ("users.info", "users.list", "conversations.info"):
            return self._directory(method, args, body)
        if method in ("conversations.history", "conversations.replies"):
            return {**body, "messages": self._history(channel, args.get("ts")), "has_more": False}
        if method == RESPONSE_URL:
            return self._response_url(call.path, args, body)
        return body

    def _user(self, user: str) -> dict:
        name = self.names.get(user, user)
        profile = {"real_name": name, "display_name": name}
        return {
            "id": user,
            "name": name,
            "real_name": name,
            "is_bot": user == BOT_ID,
            "profile": profile,
        }

    def _directory(self, method: str, args: dict, body: dict) -> dict:
        """Who people are and what a channel is, from the workspace's own lists."""
        if method == "users.info":
            return {**body, "user": self._user(args.get("user", ""))}
        if method == "users.list":
            return {**body, "members": [self._user(u) for u in self.names]}
        wanted = args.get("channel", "")
        found = next((c for c in self.channels if c["id"] == wanted), None)
        if found is None:
            return {"ok": False, "error": "channel_not_found"}
        is_im = found["kind"] == "dm"
        return {
            **body,
            "channel": {
                "id": wanted,
                "name": found["name"],
                "is_im": is_im,
                "is_channel": not is_im,
                "is_member": True,
            },
        }

    def _history(self, channel: str, thread_ts: str | None) -> list[dict]:
        """conversations.history (newest first, top-level) or .replies (a thread, oldest first)."""
        shown = [m for m in self.messages if m["channel"] == channel and not m["ephemeral_for"]]
        if thread_ts:
            shown = [m for m in shown if thread_ts in (m["ts"], m["thread_ts"])]
        else:
            shown = [m for m in reversed(shown) if m["thread_ts"] in (None, m["ts"])]
        keys = ("ts", "user", "text", "blocks", "thread_ts")
        return [{k: m[k] for k in keys if m[k] is not None} for m in shown]

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

    def note(self, name: str, detail: str) -> None:
        """Something the workspace did itself (a job run), for the inspector."""
        with self._cond:
            self._record("local", name, detail, None)
