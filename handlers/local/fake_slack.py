"""The one fake Slack: a local Slack Web API over real HTTP, recording every call.

The tests point msbot's WebClient at it (via SLACK_API_URL) and assert on the calls it received,
as slack-bolt's own test suite does; `msbot local` points the same client at it and draws what
it records (handlers.local.workspace). It enforces the Slack rules in handlers.local.rules and
answers a broken one with Slack's own error.

Its parts: fake_calls (what is recorded, and waiting for it), fake_failures (failures a test
asks for), fake_answers (the answers to calls that broke no rule), fake_http (the HTTP front),
fake_history (conversations.history and replies). This module joins them and checks the rules.
"""

from __future__ import annotations

import itertools
import random
import time
import uuid
from collections.abc import Iterable
from typing import Protocol

from handlers.local import rules
from handlers.local import scopes as fake_scopes
from handlers.local.fake_answers import WebApiAnswers
from handlers.local.fake_calls import RESPONSE_URL, UPLOAD, Call, CallLog, decoded
from handlers.local.fake_failures import Chaos, Failure, FailurePlan
from handlers.local.fake_http import serve

__all__ = [
    "FROM_MANIFEST",
    "RESPONSE_URL",
    "UPLOAD",
    "Call",
    "Chaos",
    "Failure",
    "Observer",
    "SlackStub",
    "decoded",
]

# Install from the app's own manifest unless told otherwise.
FROM_MANIFEST = "manifest"


class Observer(Protocol):
    """Something that keeps state from the calls (the local workspace)."""

    def observe(self, call: Call, body: dict) -> dict: ...


class SlackStub(CallLog, WebApiAnswers):
    def __init__(
        self,
        port: int = 0,
        observer: Observer | None = None,
        real_time: bool = False,
        scopes: Iterable[str] | str | None = FROM_MANIFEST,
    ):
        super().__init__()
        # The bot scopes the app was installed with (by default those manifest.yml asks for):
        # a call they do not allow is answered missing_scope, as Slack answers it. None: not
        # installed from anything, every call allowed.
        self._installed = self._scopes(scopes)
        self.granted = self._installed
        self.people = {}
        self.socket_url = None
        self.observer = observer
        self.group_members = {}
        # Message timestamps from the wall clock (the workspace shows them) rather than the
        # fixed 1700000000.N the tests know.
        self.real_time = real_time
        self.files = {}
        self.uploads = {}
        self._failures = FailurePlan()
        # trigger_id -> (monotonic time issued, user): only triggers this fake issued expire;
        # a test's own trigger ids are taken at their word.
        self._triggers: dict[str, tuple[float, str]] = {}
        self._ts = itertools.count(1)
        self.server = serve(self, port)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.url = self.base + "/api/"

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def _scopes(scopes: Iterable[str] | str | None) -> frozenset[str] | None:
        if scopes == FROM_MANIFEST:
            return fake_scopes.manifest_scopes()
        return None if scopes is None else frozenset(scopes)

    def install(self, scopes: Iterable[str] | str | None = FROM_MANIFEST) -> None:
        """Reinstall the app with these bot scopes (a manifest's, by default), until reset()."""
        with self._cond:
            self.granted = self._scopes(scopes)

    def reset(self):
        with self._cond:
            self.granted = self._installed
            self.people = {}
            self.calls.clear()
            self._failures.clear()
            self._triggers.clear()
            self.uploads.clear()
            self.socket_url = None
            self.group_members = {}

    def fail(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 200,
        error: str | None = None,
        headers: dict | None = None,
        channel: str | None = None,
    ):
        """Make the next ``times`` calls of ``method`` (to ``channel``, if given) fail (HTTP
        status and/or Slack error)."""
        with self._cond:
            self._failures.plan(
                method, [Failure(status, error, headers or {}, channel) for _ in range(times)]
            )

    def chaos(
        self,
        *,
        rate_429: float = 0.0,
        rate_500: float = 0.0,
        retry_after: int = 1,
        seed: int = 0,
        methods: tuple[str, ...] = ("chat.postMessage",),
    ):
        """From now on answer a seeded share of ``methods`` calls with 429 (and a
        ``Retry-After`` header) or 500, like a busy or unwell Slack. ``chaos()`` turns it off."""
        with self._cond:
            self._failures.set_chaos(
                Chaos(rate_429, rate_500, retry_after, methods, random.Random(seed))
            )

    def issue_trigger(self, user: str, issued_at: float | None = None) -> str:
        """A trigger_id as Slack sends with an interaction; it opens a modal for 3 seconds."""
        trigger = f"{int(time.time())}.{uuid.uuid4().hex[:12]}"
        with self._cond:
            self._triggers[trigger] = (time.monotonic() if issued_at is None else issued_at, user)
        return trigger

    def trigger_user(self, trigger_id: str | None) -> str | None:
        issued = self._triggers.get(trigger_id or "")
        return issued[1] if issued else None

    def _broken_rule(self, method: str, args: dict) -> dict | None:
        """Slack's answer when this call breaks one of its rules, else None."""
        if method != RESPONSE_URL and method not in rules.KNOWN_METHODS:
            return {"ok": False, "error": "unknown_method"}
        if method != RESPONSE_URL and (
            refused := fake_scopes.missing_scope(method, args, self.granted)
        ):
            return refused
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral", RESPONSE_URL):
            new = method in ("chat.postMessage", "chat.postEphemeral")
            problem = rules.message_problems(args, new=new)
            if problem:
                error, messages = problem
                return {"ok": False, "error": error, "errors": messages}
        if method in ("views.open", "views.push"):
            issued = self._triggers.get(args.get("trigger_id") or "")
            if issued and time.monotonic() - issued[0] > rules.TRIGGER_TTL_SECONDS:
                return {"ok": False, "error": "expired_trigger_id"}
        if method.startswith("views."):
            messages = rules.view_problems(args.get("view"))
            if messages:
                return {
                    "ok": False,
                    "error": "invalid_arguments",
                    "response_metadata": {"messages": messages},
                }
        return None

    def _respond(self, method: str, args: dict, headers: dict, path: str = ""):
        call = Call(method, args, headers, path=path, values=decoded(args))
        with self._cond:
            self.calls.append(call)
            failure = self._failures.take(method, call.values)
            if failure:
                call.status, call.ok = failure.status, False
            self._cond.notify_all()
        if failure:
            body = {"ok": False, "error": failure.error or "internal_error"}
            call.response = body
            return failure.status, body, failure.headers
        body = self._broken_rule(method, call.values) or self._answer(method, call.values)
        if self.observer is not None:
            body = self.observer.observe(call, body)
        call.response = body
        call.ok = bool(body.get("ok"))
        return 200, body, {}

    def next_ts(self) -> str:
        """A message ts, unique in this fake."""
        seconds = int(time.time()) if self.real_time else 1700000000
        return f"{seconds}.{next(self._ts):06d}"

    @property
    def response_url(self) -> str:
        """A response_url for block actions; posts to it are recorded as RESPONSE_URL calls."""
        return self.url.replace("/api/", "/response/1")
