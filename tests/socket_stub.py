"""A local stand-in for Slack's Socket Mode WebSocket endpoint, for tests.

The app first calls the Web API's `apps.connections.open` (answered by `SlackStub` with this
server's `url`), then connects here. Like Slack, the server greets each connection with a
`hello` message; the test then sends envelopes and waits for the app's acks
(`{"envelope_id": ...}`, plus a "payload" when the listener answered with one).
The WebSocket protocol itself is the `websockets` package's.
"""

from __future__ import annotations

import json
import threading
import uuid

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

HELLO = {
    "type": "hello",
    "num_connections": 1,
    "debug_info": {"host": "applink-test", "approximate_connection_time": 18060},
    "connection_info": {"app_id": "A0TEST"},
}


def slash_command_envelope(
    command: str, text: str = "", *, user_id: str = "U0REPORTER", trigger_id: str | None = None
) -> dict:
    """A `slash_commands` envelope as Slack sends it over the socket."""
    return {
        "envelope_id": str(uuid.uuid4()),
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "token": "legacy-verification-token",
            "team_id": "T1",
            "team_domain": "test",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user_id,
            "user_name": "reporter",
            "command": command,
            "text": text,
            "api_app_id": "A0TEST",
            "response_url": "https://hooks.slack.invalid/commands/T1/1/x",
            "trigger_id": trigger_id or f"{uuid.uuid4().int % 10**10}.1.test",
        },
    }


class SocketModeStub:
    def __init__(self):
        self.connections: list[ServerConnection] = []
        # Text frames the app sent, in order of arrival (its acks).
        self.received: list[str] = []
        self._aborted: str | None = None
        self._cond = threading.Condition()
        self.server = serve(self._handle, "127.0.0.1", 0)
        port = self.server.socket.getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/link/?ticket=test-ticket"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _handle(self, conn: ServerConnection) -> None:
        conn.send(json.dumps(HELLO))
        with self._cond:
            self.connections.append(conn)
            self._cond.notify_all()
        try:
            for message in conn:
                with self._cond:
                    self.received.append(message if isinstance(message, str) else message.decode())
                    self._cond.notify_all()
        except ConnectionClosed:
            pass

    def close(self) -> None:
        self.server.shutdown()
        for conn in list(self.connections):
            conn.close()
        self._thread.join(timeout=5)

    def abort(self, reason: str) -> None:
        """Make every current and later wait fail at once (e.g. the app under test exited)."""
        with self._cond:
            self._aborted = reason
            self._cond.notify_all()

    def send(self, envelope: dict | str) -> None:
        """Send an envelope (or any raw text frame) on the newest connection."""
        with self._cond:
            conn = self.connections[-1]
        conn.send(envelope if isinstance(envelope, str) else json.dumps(envelope))

    def _wait(self, predicate, timeout: float, what: str):
        with self._cond:
            ok = self._cond.wait_for(lambda: self._aborted or predicate(), timeout)
            assert not self._aborted, f"gave up waiting for {what}: {self._aborted}"
            assert ok, f"timed out after {timeout} s waiting for {what}; received {self.received}"
            return predicate()

    def wait_connected(self, count: int = 1, timeout: float = 30.0) -> ServerConnection:
        """Block until the app has connected ``count`` times in all (event-driven, not a
        sleep); return the newest connection."""
        self._wait(lambda: len(self.connections) >= count, timeout, f"connection {count}")
        with self._cond:
            return self.connections[-1]

    def acks(self) -> list[dict]:
        """Every JSON object the app sent that carries an envelope_id."""
        with self._cond:
            frames = list(self.received)
        found = []
        for frame in frames:
            try:
                message = json.loads(frame)
            except ValueError:
                continue
            if isinstance(message, dict) and "envelope_id" in message:
                found.append(message)
        return found

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> dict:
        """Block until the app acknowledged ``envelope_id``; return that ack."""

        def ack():
            return next((a for a in self.acks() if a["envelope_id"] == envelope_id), None)

        return self._wait(ack, timeout, f"an ack of envelope {envelope_id}")
