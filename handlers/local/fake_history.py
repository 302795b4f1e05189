"""The fake Slack's conversations.history and conversations.replies, read back from the calls
it recorded, as Slack answers them.

- A channel's messages are its successful chat.postMessage calls, as later chat.update calls
  left them (text, blocks, metadata) and minus chat.delete; file shares are not modelled.
- History lists top-level messages only (a thread reply shows there only if it was
  broadcast), newest first; replies lists a thread's parent and then its replies, oldest
  first. Both page with ``limit`` (default 100 and 1,000, at most 999) and an opaque
  ``cursor``, and say ``has_more`` with ``response_metadata.next_cursor``.
- ``oldest`` and ``latest`` (exclusive unless ``inclusive``) are compared with when each
  message was really posted: in the tests' fixed-clock mode the fake's ts are labels
  (1700000000.N), not times.
- Message ``metadata`` is returned only with ``include_all_metadata``.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass

BOT_USER, BOT_ID = "UBOT", "BBOT"


@dataclass
class _Message:
    channel: str
    ts: str
    posted: float  # wall-clock time it was posted
    text: str | None
    blocks: list | None
    metadata: dict | None
    thread_ts: str | None
    broadcast: bool = False

    @property
    def is_reply(self) -> bool:
        return bool(self.thread_ts) and self.thread_ts != self.ts

    def as_slack(self, with_metadata: bool, replies: int = 0) -> dict:
        out = {
            "type": "message",
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "ts": self.ts,
            "text": self.text or "",
        }
        if self.blocks:
            out["blocks"] = self.blocks
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if replies:
            out["reply_count"] = replies
        if with_metadata and self.metadata:
            out["metadata"] = self.metadata
        return out


def _messages(calls: list, channel: str) -> list[_Message]:
    """``channel``'s messages, oldest first, from the calls recorded so far."""
    now_wall, now_mono = time.time(), time.monotonic()
    found: dict[str, _Message] = {}
    for call in calls:
        answer = call.response or {}
        if not call.ok or answer.get("channel") != channel:
            continue
        args = call.values
        if call.method == "chat.postMessage":
            found[answer["ts"]] = _Message(
                channel,
                answer["ts"],
                now_wall - (now_mono - call.at),
                args.get("text"),
                args.get("blocks"),
                args.get("metadata") if isinstance(args.get("metadata"), dict) else None,
                args.get("thread_ts"),
                broadcast=_true(args.get("reply_broadcast")),
            )
        elif call.method == "chat.update" and (msg := found.get(str(args.get("ts")))):
            msg.text = args.get("text", msg.text)
            msg.blocks = args.get("blocks", msg.blocks)
            if isinstance(args.get("metadata"), dict):
                msg.metadata = args["metadata"]
        elif call.method == "chat.delete":
            found.pop(str(args.get("ts")), None)
    return list(found.values())


def _true(value) -> bool:
    return str(value).lower() in ("1", "true")


def _window(args: dict):
    """A filter for ``oldest``/``latest``/``inclusive``, or None if they are not numbers."""
    try:
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or time.time() + 1)
    except (TypeError, ValueError):
        return None
    if _true(args.get("inclusive")):
        return lambda m: oldest <= m.posted <= latest
    return lambda m: oldest < m.posted < latest


def _page(items: list[dict], args: dict, default_limit: int) -> dict:
    try:
        limit = max(1, min(999, int(args.get("limit") or default_limit)))
        start = int(base64.b64decode(args.get("cursor") or "MA==").decode().removeprefix("at:"))
    except (TypeError, ValueError):
        return {"ok": False, "error": "invalid_cursor"}
    chunk = items[start : start + limit]
    more = start + limit < len(items)
    cursor = base64.b64encode(f"at:{start + limit}".encode()).decode() if more else ""
    return {
        "ok": True,
        "messages": chunk,
        "has_more": more,
        "response_metadata": {"next_cursor": cursor},
    }


def _channel_read(calls: list, args: dict):
    """Slack's error for the arguments (or None), the channel's messages and the
    ``oldest``/``latest`` filter: what both read methods start from."""
    channel = args.get("channel")
    within = _window(args)
    if not channel:
        return {"ok": False, "error": "channel_not_found"}, [], None
    if within is None:
        return {"ok": False, "error": "invalid_ts_oldest"}, [], None
    return None, _messages(calls, channel), within


def history(calls: list, args: dict) -> dict:
    error, messages, within = _channel_read(calls, args)
    if error:
        return error
    counts: dict[str, int] = {}
    for m in messages:
        if m.is_reply:
            counts[m.thread_ts] = counts.get(m.thread_ts, 0) + 1
    shown = [
        m.as_slack(_true(args.get("include_all_metadata")), counts.get(m.ts, 0))
        for m in reversed(messages)
        if within(m) and (not m.is_reply or m.broadcast)
    ]
    return _page(shown, args, 100)


def replies(calls: list, args: dict) -> dict:
    ts = str(args.get("ts") or "")
    error, messages, within = _channel_read(calls, args)
    if error:
        return error
    if not any(m.ts == ts for m in messages):
        return {"ok": False, "error": "thread_not_found"}
    thread = [m for m in messages if m.ts == ts or m.thread_ts == ts]
    metadata = _true(args.get("include_all_metadata"))
    shown = [m.as_slack(metadata, len(thread) - 1 if m.ts == ts else 0) for m in thread]
    shown = [s for s, m in zip(shown, thread, strict=True) if m.ts == ts or within(m)]
    return _page(shown, args, 1000)
