"""A fake Bot Connector (the Bot Framework REST API Teams bots send through), over real HTTP.

It records every call and enforces the rules of Teams a bot must live with:
- a message (text plus attachments, as sent) larger than ``MAX_MESSAGE_BYTES`` is refused with
  413 (Teams' limit is about 28 KB per message, cards included);
- a conversation the bot is not in (never created, never installed) is 404;
- a conversation sent to more than ``burst`` times within ``window`` seconds gets 429 with a
  Retry-After header (Teams' per-thread limit is 7 operations a second);
- creating a 1:1 chat with someone who never installed msbot is 403 (this fake's stand-in for
  the roster error; a real tenant answers similarly when the app is not installed for them);
- ``fail(...)`` plans failures (412, 502, 504, ...) for the transport's back-off tests;
- ``upload_slot(name)`` stands in for the OneDrive upload session Teams makes when a person
  accepts a file consent card: a PUT of the file's bytes to its ``uploadUrl`` is kept in
  ``uploads`` (a slot never issued is 404).

Shared by the tests and ``msbot local --teams`` (as the fake Slack is for ``msbot local``). The
clock is injectable so tests can exercise the rate limit without waiting.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

MAX_MESSAGE_BYTES = 28 * 1024
MAX_REQUEST_BYTES = 1024 * 1024


@dataclass
class ConnectorCall:
    method: str
    path: str
    conversation_id: str | None
    activity_id: str | None
    body: dict
    authorization: str
    status: int = 0
    at: float = 0.0


@dataclass
class Conversation:
    id: str
    kind: str  # "personal", "channel" or "groupChat"
    user_id: str | None = None
    activities: dict[str, dict] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) would drop connections of a burst of concurrent sends.
    request_queue_size = 512
    daemon_threads = True
    allow_reuse_address = True


def _route(path: str) -> tuple[str | None, str | None, str]:
    """(conversation id, activity id, route) from a /v3 path; route is "create",
    "activities" or "unknown"."""
    parts = [unquote(p) for p in urlsplit(path).path.split("/") if p]
    if parts[:2] != ["v3", "conversations"]:
        return None, None, "unknown"
    if len(parts) == 2:
        return None, None, "create"
    if len(parts) in (4, 5) and parts[3] == "activities":
        # A channel reply chain ("<channel>;messageid=<root>") is the channel, replying to
        # the root: recorded as a POST to the root, as a reply by activity id is.
        channel, mark, root = parts[2].partition(";messageid=")
        if mark and len(parts) == 4:
            return channel, root, "activities"
        return parts[2], (parts[4] if len(parts) == 5 else None), "activities"
    return None, None, "unknown"


class FakeConnector:
    def __init__(
        self,
        port: int = 0,
        *,
        burst: int = 7,
        window: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        require_token: str | None = None,
    ):
        self.burst = burst
        self.window = window
        self.clock = clock
        self.require_token = require_token
        self.calls: list[ConnectorCall] = []
        self.conversations: dict[str, Conversation] = {}
        self.installed_users: set[str] = set()
        self.uploads: dict[str, bytes | None] = {}  # slot -> the bytes PUT there (None: none yet)
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._planned: list[tuple[str | None, int, dict]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._server = _Server(("127.0.0.1", port), self._handler_class())
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    # What a test (or the local workspace) sets up.
    def add_channel(self, conversation_id: str) -> None:
        with self._lock:
            self.conversations[conversation_id] = Conversation(conversation_id, "channel")

    def install_for(self, user_id: str) -> None:
        """The user has msbot installed, so the bot may open a 1:1 chat with them."""
        with self._lock:
            self.installed_users.add(user_id)

    def fail(self, status: int, *, conversation_id: str | None = None, times: int = 1, **headers):
        """The next ``times`` calls (to that conversation, or any) answer ``status``."""
        with self._lock:
            for _ in range(times):
                self._planned.append((conversation_id, status, headers))

    def upload_slot(self, name: str) -> dict:
        """The ``uploadInfo`` Teams sends with an accepted file consent."""
        slot = f"slot{next(self._ids)}"
        with self._lock:
            self.uploads[slot] = None
        return {
            "name": name,
            "uploadUrl": f"{self.url}/upload/{slot}",
            "contentUrl": f"{self.url}/files/{slot}",
            "uniqueId": slot,
            "fileType": name.rpartition(".")[2],
        }

    def _upload(self, path: str, content: bytes) -> tuple[int, dict, dict]:
        slot = path.removeprefix("/upload/")
        with self._changed:
            if slot not in self.uploads:
                return 404, _error("itemNotFound", "no such upload session"), {}
            self.uploads[slot] = content
            self._changed.notify_all()
        return 201, {"id": slot, "size": len(content)}, {}

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # What a test reads back.
    def sent(self, conversation_id: str | None = None) -> list[ConnectorCall]:
        """Calls that succeeded (posted, replied, updated), optionally in one conversation."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.status < 300
                and (conversation_id is None or c.conversation_id == conversation_id)
            ]

    def wait_for(self, predicate, timeout: float = 10.0) -> list[ConnectorCall]:
        """Block until ``predicate(calls)`` holds (a call arrives; no fixed sleep)."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(list(self.calls)), timeout=timeout):
                raise AssertionError(f"connector calls never matched; saw {len(self.calls)}")
            return list(self.calls)

    # The rules.
    def _answer(self, method: str, path: str, body: dict, auth: str) -> tuple[int, dict, dict]:
        conversation_id, activity_id, route = _route(path)
        call = ConnectorCall(method, path, conversation_id, activity_id, body, auth)
        with self._changed:
            call.at = self.clock()
            status, payload, headers = self._rule(call, route)
            call.status = status
            self.calls.append(call)
            self._changed.notify_all()
        return status, payload, headers

    def _rule(self, call: ConnectorCall, route: str) -> tuple[int, dict, dict]:
        if self.require_token and call.authorization != f"Bearer {self.require_token}":
            return 401, _error("Unauthorized", "missing or wrong bearer token"), {}
        planned = self._take_planned(call.conversation_id)
        if planned:
            status, headers = planned
            return status, _error("Planned", f"planned failure {status}"), headers
        if route == "create" and call.method == "POST":
            return self._create(call.body)
        if route != "activities":
            return 404, _error("NotFound", "no such route"), {}
        conversation = self.conversations.get(call.conversation_id or "")
        if conversation is None:
            return 404, _error("ConversationNotFound", "Conversation not found."), {}
        if self._hammered(conversation.id, call.at):
            return 429, _error("TooManyRequests", "slow down"), {"Retry-After": "1"}
        size = len(json.dumps(call.body, separators=(",", ":")).encode())
        if size > MAX_MESSAGE_BYTES:
            return 413, _error("MessageSizeTooBig", f"message is {size} bytes"), {}
        if call.method == "PUT":
            if call.activity_id not in conversation.activities:
                return 404, _error("ActivityNotFound", "Activity not found."), {}
            conversation.activities[call.activity_id] = call.body
            return 200, {"id": call.activity_id}, {}
        if call.method == "POST":
            # Without an activity id a new message; with one, a reply to it (same rules).
            new_id = f"{int(self.clock() * 1000)}{next(self._ids):06d}"
            conversation.activities[new_id] = call.body
            return 201, {"id": new_id}, {}
        return 405, _error("BadMethod", call.method), {}

    def _take_planned(self, conversation_id: str | None) -> tuple[int, dict] | None:
        for index, (target, status, headers) in enumerate(self._planned):
            if target is None or target == conversation_id:
                del self._planned[index]
                return status, headers
        return None

    def _hammered(self, conversation_id: str, now: float) -> bool:
        recent = self._recent[conversation_id]
        while recent and now - recent[0] >= self.window:
            recent.popleft()
        if len(recent) >= self.burst:
            return True
        recent.append(now)
        return False

    def _create(self, body: dict) -> tuple[int, dict, dict]:
        members = body.get("members") if isinstance(body, dict) else None
        if body.get("isGroup") or not isinstance(members, list) or len(members) != 1:
            return 400, _error("BadArgument", "a 1:1 chat has exactly one member"), {}
        user_id = members[0].get("id") if isinstance(members[0], dict) else None
        if user_id not in self.installed_users:
            return 403, _error("BotNotInConversationRoster", "app not installed for user"), {}
        # Teams answers the same 1:1 conversation every time for a user.
        conversation_id = f"a:1{user_id}"
        if conversation_id not in self.conversations:
            self.conversations[conversation_id] = Conversation(
                conversation_id, "personal", user_id=user_id
            )
        return 201, {"id": conversation_id}, {}

    def _handler_class(self):
        connector = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _reply(self, status: int, payload: dict, headers: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), str(value))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_REQUEST_BYTES:
                    self._reply(413, _error("RequestTooLarge", "request too large"), {})
                    return
                if self.command == "PUT" and self.path.startswith("/upload/"):
                    self._reply(*connector._upload(self.path, self.rfile.read(length)))
                    return
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self._reply(400, _error("BadSyntax", "body is not JSON"), {})
                    return
                if not isinstance(body, dict):
                    self._reply(400, _error("BadSyntax", "body is not an object"), {})
                    return
                auth = self.headers.get("Authorization") or ""
                self._reply(*connector._answer(self.command, self.path, body, auth))

            do_POST = _handle
            do_PUT = _handle

        return Handler


def _error(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}
