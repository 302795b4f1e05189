"""A gunicorn worker that serves with waitress, so slow clients cannot hold the app's threads.

gunicorn's gthread worker hands a connection to a thread as soon as it is readable, and that
thread then blocks reading the rest of the request: 40 clients sending half a body held every
thread, and /healthz and Slack's own requests timed out. waitress instead reads each request
whole in one non-blocking I/O thread and only then gives it to a worker thread, so a stalled
client costs a socket, never a thread. gunicorn stays the process manager (WEB_CONCURRENCY
processes, restarts, graceful SIGTERM, its log lines); each process runs waitress on the
sockets gunicorn opened, with WEB_THREADS threads.

Every request must arrive whole within the read timeout (headers and body together, however
slowly it trickles), and an idle connection is closed after the same time.
"""

from __future__ import annotations

import logging
import os
import time

from gunicorn.workers.base import Worker
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server

# How often the loop wakes when nothing happens: heartbeat to gunicorn, read deadlines.
_TICK_SECONDS = 0.5


class WaitressWorker(Worker):
    def run(self) -> None:
        from handlers.slack.server import MAX_BODY_BYTES

        # "Task queue depth is N" is logged whenever a request waits for a thread: under
        # ordinary load that is most requests (msbot's log config says the same).
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        # msbot's settings; a plain `gunicorn -k` run (the bare-app benchmark) has none.
        settings = getattr(self.app, "settings", None)
        self.read_timeout = settings.web_read_timeout if settings else 10
        self.map: dict = {}
        server = create_server(
            self.wsgi,
            map=self.map,
            sockets=[listener.sock for listener in self.sockets],
            threads=self.cfg.threads,
            connection_limit=self.cfg.worker_connections,
            backlog=self.cfg.backlog,
            # Idle connections (and requests that stop arriving) close after this long.
            channel_timeout=self.read_timeout,
            cleanup_interval=1,
            max_request_body_size=MAX_BODY_BYTES,
            max_request_header_size=64 * 1024,
            asyncore_use_poll=True,  # select() cannot watch more than 1,024 sockets
            clear_untrusted_proxy_headers=True,
            ident="msbot",
        )
        started: dict[HTTPChannel, tuple[object, float]] = {}
        while self.alive:
            wasyncore.loop(timeout=_TICK_SECONDS, map=self.map, use_poll=True, count=1)
            self.notify()
            self._enforce_read_deadline(started)
            if self.ppid != os.getppid():
                self.log.info("Parent changed, shutting down: %s", self)
                break
        self._drain()
        server.task_dispatcher.shutdown()
        wasyncore.close_all(self.map)
        services = getattr(self.app, "services", None)
        if services is not None:
            services.stop()  # finish after-ack work already promised to a user

    def _channels(self) -> list[HTTPChannel]:
        return [d for d in list(self.map.values()) if isinstance(d, HTTPChannel)]

    def _enforce_read_deadline(self, started: dict) -> None:
        """Close connections whose request has been arriving for longer than the read timeout.

        waitress's own channel_timeout counts only silence, so a client trickling one byte a
        second would never hit it; this bounds the whole request instead.
        """
        now = time.monotonic()
        live = set()
        for channel in self._channels():
            partial = channel.request
            if partial is None or channel.requests:
                continue
            live.add(channel)
            first = started.get(channel)
            if first is None or first[0] is not partial:
                started[channel] = (partial, now)
            elif now - first[1] > self.read_timeout:
                channel.will_close = True
        for channel in list(started):
            if channel not in live:
                del started[channel]

    def _drain(self) -> None:
        """Graceful stop: accept nothing new, let requests in progress finish and be sent."""
        for listener in [d for d in list(self.map.values()) if isinstance(d, BaseWSGIServer)]:
            listener.del_channel()
            listener.socket.close()
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while time.monotonic() < deadline and any(
            c.requests or c.total_outbufs_len for c in self._channels()
        ):
            wasyncore.loop(timeout=0.05, map=self.map, use_poll=True, count=1)
            self.notify()
