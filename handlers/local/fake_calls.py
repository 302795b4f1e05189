"""What the fake Slack records: every Web API call it received, and ways to wait for them.

Tests assert on these calls (as slack-bolt's own test suite does) and the local workspace's
inspector lists them. Waiting is event-driven: a condition is notified on every recorded call,
so a test never sleeps on the wall clock.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

# Posts to any response_url are recorded under this one method name, whatever the path.
RESPONSE_URL = "response_url"
# Where files.getUploadURLExternal tells the client to send a file's bytes.
UPLOAD = "upload"
# Form-encoded Web API arguments that carry JSON (slack_sdk sends most calls as JSON instead).
_JSON_ARGS = ("blocks", "attachments", "view", "metadata", "files")


@dataclass
class Call:
    method: str
    args: dict
    headers: dict
    # When it arrived (time.monotonic, comparable across processes on one machine).
    at: float = field(default_factory=time.monotonic)
    # What the fake answered (the inspector shows it; a broken rule shows as ok: false).
    response: dict | None = None
    # The URL path it was sent to (which response_url, for the workspace).
    path: str = ""
    # ``args`` with JSON strings decoded (blocks, view, files...): what the fake reads.
    values: dict = field(default_factory=dict)
    # The HTTP status it was answered with, and whether the answer was ok (failure injection
    # and broken rules answer ok: false).
    status: int = 200
    ok: bool = True


def parse_args(raw: str, content_type: str) -> dict:
    """The arguments as sent (and as tests assert on them)."""
    if "json" in content_type:
        return json.loads(raw or "{}")
    return dict(parse_qsl(raw))


def decoded(args: dict) -> dict:
    """``args`` with the JSON that form-encoded calls carry as strings decoded (slack_sdk sends
    most calls as JSON, but files.completeUploadExternal's ``files`` always as a string)."""
    out = dict(args)
    for key in _JSON_ARGS:
        if isinstance(out.get(key), str) and out[key][:1] in ("[", "{"):
            # Left as sent when it is not JSON: the rules answer it as Slack would.
            with contextlib.suppress(ValueError):
                out[key] = json.loads(out[key])
    return out


class CallLog:
    """The calls received, in arrival order, guarded by one condition."""

    def __init__(self):
        self.calls: list[Call] = []
        self._cond = threading.Condition()

    def record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def snapshot(self) -> list[Call]:
        with self._cond:
            return list(self.calls)

    def wait_until(self, predicate, timeout: float = 10.0, what: str = "") -> list[Call]:
        """Block until ``predicate(calls)`` is true (event-driven, not a sleep); returns calls."""
        with self._cond:
            ok = self._cond.wait_for(lambda: predicate(list(self.calls)), timeout)
            calls = list(self.calls)
        assert ok, f"timed out waiting for {what or predicate}: {calls}"
        return calls

    def wait_for_call(self, method: str, timeout: float = 10.0, **match) -> Call:
        """Block until a call of ``method`` whose args include ``match`` arrives; return it."""

        def found(calls):
            return [
                c
                for c in calls
                if c.method == method and all(c.args.get(k) == v for k, v in match.items())
            ]

        return found(self.wait_until(found, timeout, f"{method} {match}"))[0]

    def of(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until ``count`` calls of ``method`` arrived (event-driven, not a sleep)."""
        with self._cond:
            ok = self._cond.wait_for(
                lambda: len([c for c in self.calls if c.method == method]) >= count, timeout
            )
        calls = self.of(method)
        assert ok, f"expected {count} {method} call(s), got {len(calls)}: {self.calls}"
        return calls

    def posts(self, channel: str | None = None) -> list[Call]:
        """chat.postMessage calls that succeeded (optionally to one channel), in arrival order."""
        return [
            c
            for c in self.of("chat.postMessage")
            if c.ok and (channel is None or c.values.get("channel") == channel)
        ]

    def post_times_by_channel(self) -> dict[str, list[float]]:
        """Arrival times of successful posts, per channel: what pacing is judged on."""
        times: dict[str, list[float]] = {}
        for call in self.posts():
            times.setdefault(call.values.get("channel"), []).append(call.at)
        return times
