"""Running the Teams front end: ``msbot serve-teams`` (uvicorn, as the SDK does) and a
background server on a free loopback port for tests and ``msbot local --teams``."""

from __future__ import annotations

import contextlib
import signal
import threading

import uvicorn
from sqlalchemy.engine import Engine

from handlers.teams.app import TeamsFrontEnd
from handlers.teams.settings import TeamsSettings


def _config(front: TeamsFrontEnd, host: str, port: int) -> uvicorn.Config:
    # Our own logging (structlog) reports requests; uvicorn's access log would print every
    # request line, activity ids included.
    return uvicorn.Config(
        front.asgi, host=host, port=port, access_log=False, log_level="warning", lifespan="on"
    )


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM after its graceful shutdown, so the process would die of the
    signal; a stop that finished the requests in flight should exit 0, as `msbot serve` does."""

    @contextlib.contextmanager
    def capture_signals(self):
        stops = (signal.SIGINT, signal.SIGTERM)
        previous = {signum: signal.signal(signum, self.handle_exit) for signum in stops}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def serve(settings: TeamsSettings, engine: Engine, host: str = "0.0.0.0", core=None) -> None:
    """Blocks until SIGTERM/SIGINT (uvicorn finishes the requests in flight first). The outbox
    worker and the scheduled jobs run inside, as the Slack server's do: a Teams-only service
    still gets its digest, nudges and retention runs. Beside a Slack server on the same
    database, each job slot is claimed in the database, so it runs once whichever fires."""
    from bot.scheduler import start_scheduler

    front = TeamsFrontEnd(settings, engine=engine, core=core)
    services = front.services
    scheduler = start_scheduler(
        engine, services.settings, services.send_queued, jobs=services.core.jobs.all()
    )
    try:
        _Server(_config(front, host, settings.port)).run()
    finally:
        scheduler.shutdown(wait=False)


class BackgroundTeams:
    """The front end on 127.0.0.1 in a thread; ``url`` is ready when the constructor returns."""

    def __init__(self, front: TeamsFrontEnd, port: int = 0, timeout: float = 20.0):
        self.front = front
        self.server = uvicorn.Server(_config(front, "127.0.0.1", port))
        self._thread = threading.Thread(target=self.server.run, daemon=True)
        self._thread.start()
        if not _wait_started(self.server, self._thread, timeout):
            raise RuntimeError("the Teams front end did not start")
        bound = self.server.servers[0].sockets[0].getsockname()
        self.port = bound[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.messages_url = f"{self.url}/api/messages"

    def close(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
        self.front.connector.close()


def _wait_started(server: uvicorn.Server, thread: threading.Thread, timeout: float) -> bool:
    ready = threading.Event()
    # uvicorn sets ``started`` once it listens; wait on the thread in small slices so a crash
    # during start-up is noticed at once rather than after the whole timeout.
    for _ in range(int(timeout / 0.05)):
        if server.started:
            return True
        if not thread.is_alive():
            return False
        ready.wait(0.05)
    return server.started
