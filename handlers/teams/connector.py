"""Sends to Teams through the Bot Connector REST API: post, reply in a thread, update in place,
open a 1:1 chat. Synchronous, like the outbox's transports, so the core's sender threads (and the
Teams handlers, off the event loop) can call it directly.

Pacing and back-off follow Microsoft's advice for bots: Teams limits operations per conversation
(7 a second, 60 in 30 seconds), so sends to one conversation are spaced ``min_interval`` apart;
a 429 waits for its Retry-After, and 412, 429, 502 and 504 are retried with exponential back-off
and jitter. Other failures are not retried here: the caller (the outbox) decides what is worth
another try.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import httpx

RETRIED = {412, 429, 502, 504}
# Statuses no retry fixes: bad request, auth, the bot is not in that conversation, too large.
PERMANENT = {400, 401, 403, 404, 405, 413}


class ConnectorError(Exception):
    """The connector refused the call (``status``) or could not be reached (``status`` 0)."""

    def __init__(self, status: int, code: str, message: str = ""):
        super().__init__(f"{status} {code} {message}".strip())
        self.status = status
        self.code = code

    @property
    def permanent(self) -> bool:
        return self.status in PERMANENT


class StillThrottled(ConnectorError):
    """Every attempt was throttled or failed transiently; try again after ``retry_after``."""

    def __init__(self, status: int, code: str, retry_after: float):
        super().__init__(status, code, f"retry after {retry_after:.1f}s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Posted:
    conversation_id: str
    activity_id: str


# A channel reply chain's conversation id is the channel's, this mark, and the root's id.
THREAD_MARK = ";messageid="


class TeamsConnector:
    def __init__(
        self,
        *,
        token: Callable[[], str | None] = lambda: None,
        min_interval: float = 0.5,
        attempts: int = 4,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        client: httpx.Client | None = None,
    ):
        self._token = token
        self.min_interval = min_interval
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._clock = clock
        self._sleep = sleep
        self._client = client or httpx.Client(timeout=timeout)
        # conversation id -> when it may next be sent to. Each sender reserves its slot under
        # the lock and sleeps outside it, so conversations go out in parallel while each one
        # is paced.
        self._next_slot: dict[str, float] = {}
        self._slots_lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    # The operations.
    def post(self, service_url: str, conversation_id: str, activity: dict) -> Posted:
        path = f"/v3/conversations/{quote(conversation_id, safe='')}/activities"
        answer = self._call("POST", service_url, path, conversation_id, activity)
        return Posted(conversation_id, answer["id"])

    def reply(self, service_url: str, conversation_id: str, to_id: str, activity: dict) -> Posted:
        """A reply in a channel's reply chain: posted to the chain's own conversation
        (``<channel>;messageid=<root>``), as Teams documents for channel threads; posted to the
        channel's bare id (even "in reply to" the root), the Agents Playground shows a new
        post. Elsewhere (a 1:1 chat has no reply chains), a reply to the activity."""
        channel = conversation_id.partition(THREAD_MARK)[0]
        if channel.startswith("19:"):
            chain = f"{channel}{THREAD_MARK}{to_id}"
            path = f"/v3/conversations/{quote(chain, safe='')}/activities"
        else:
            path = f"/v3/conversations/{quote(channel, safe='')}/activities/{quote(to_id, safe='')}"
        # Paced as the channel: Teams' limits are per conversation, and a thread is in one.
        answer = self._call("POST", service_url, path, channel, activity)
        return Posted(channel, answer["id"])

    def update(self, service_url: str, conversation_id: str, activity_id: str, activity: dict):
        """updateActivity: replace a message (a card) in place."""
        path = (
            f"/v3/conversations/{quote(conversation_id, safe='')}/activities/"
            f"{quote(activity_id, safe='')}"
        )
        body = {**activity, "id": activity_id}
        self._call("PUT", service_url, path, conversation_id, body)
        return Posted(conversation_id, activity_id)

    def open_personal_chat(
        self, service_url: str, bot_id: str, user_id: str, tenant_id: str | None
    ) -> str:
        """The 1:1 chat's conversation id (Teams answers the same one every time)."""
        body: dict = {"bot": {"id": bot_id}, "members": [{"id": user_id}], "isGroup": False}
        if tenant_id:
            body["tenantId"] = tenant_id
            body["channelData"] = {"tenant": {"id": tenant_id}}
        answer = self._call("POST", service_url, "/v3/conversations", None, body)
        return answer["id"]

    # Pacing, retries and errors.
    def _wait_for_slot(self, conversation_id: str | None) -> None:
        if conversation_id is None:
            return
        with self._slots_lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(conversation_id, now))
            self._next_slot[conversation_id] = slot + self.min_interval
        if slot > now:
            self._sleep(slot - now)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)

    def _call(
        self, method: str, service_url: str, path: str, conversation_id: str | None, body: dict
    ) -> dict:
        url = service_url.rstrip("/") + path
        last: tuple[int, str, float] = (0, "", 0.0)
        for attempt in range(self.attempts):
            self._wait_for_slot(conversation_id)
            status, payload, retry_after = self._send(method, url, body)
            if 200 <= status < 300:
                if not isinstance(payload.get("id"), str):
                    raise ConnectorError(status, "NoActivityId", "the connector answered no id")
                return payload
            code = _error_code(payload, status)
            if status not in RETRIED and status != 0:
                raise ConnectorError(status, code, _error_message(payload))
            delay = self._backoff(attempt, retry_after)
            last = (status, code, delay)
            if attempt + 1 < self.attempts:
                self._sleep(delay)
        raise StillThrottled(*last)

    def _send(self, method: str, url: str, body: dict) -> tuple[int, dict, float | None]:
        headers = {"Content-Type": "application/json"}
        token = self._token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._client.request(method, url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            # Unreachable or timed out: as transient as a 502.
            return 0, {"error": {"code": type(exc).__name__, "message": str(exc)}}, None
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        return (
            response.status_code,
            payload if isinstance(payload, dict) else {},
            _retry_after(response.headers.get("Retry-After")),
        )


def _retry_after(raw: str | None) -> float | None:
    try:
        return max(0.0, float(raw)) if raw else None
    except ValueError:
        return None


def _error_code(payload: dict, status: int) -> str:
    error = payload.get("error")
    if isinstance(error, dict) and isinstance(error.get("code"), str):
        return error["code"]
    return f"HTTP{status}"


def _error_message(payload: dict) -> str:
    error = payload.get("error")
    return str(error.get("message", "")) if isinstance(error, dict) else ""
