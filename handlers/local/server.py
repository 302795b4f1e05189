"""`msbot local`: msbot, the fake Slack and the workspace page, all in one process.

msbot runs exactly as in production: its Bolt app behind the same WSGI front (handlers.slack.server)
on a port of its own, its WebClient pointed at the fake's Web API over HTTP. The page is served
from the package (no network, no Node.js) and talks to the workspace over a small JSON API.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, urlparse
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import structlog

from bot.clock import today_uk
from bot.db import make_engine
from bot.logs import configure_logging
from bot.migrate import upgrade
from bot.outbox import OutboxWorker
from handlers.local import demo
from handlers.local.jobs import scheduled_jobs
from handlers.local.people import local_env
from handlers.local.workspace import Workspace
from handlers.slack.app import build_app, build_services
from handlers.slack.server import SlackWsgiApp
from handlers.slack.settings import load_slack_settings

log = structlog.get_logger("msbot.local")

DEFAULT_DATABASE_URL = "sqlite:///msbot-local.db"
STATIC_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}
# A browser closing its tab mid-answer (the page long-polls /ui/state) is not an error.
GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietWSGIHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _PageServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        """Quiet when the browser went away (a closed tab); a real fault is still printed."""
        if isinstance(sys.exc_info()[1], GONE):
            return
        super().handle_error(request, client_address)


LOCAL_PACE_SECONDS = 0.02


class Local:
    """Everything `msbot local` runs; ``close()`` stops it all."""

    def __init__(
        self,
        *,
        port: int = 0,
        seed_demo: bool = False,
        database_url: str = DEFAULT_DATABASE_URL,
        today=today_uk,
    ):
        self.workspace = Workspace()
        self.settings = load_slack_settings(local_env(self.workspace.fake.url, database_url))
        self.engine = make_engine(self.settings.database_url)
        upgrade(self.engine)  # this mode migrates its own database
        self.services = build_services(self.settings, self.engine, today=today)
        # One person's workspace has no rate limit to respect: the demo's hundred-odd posts
        # to the triage channel should show in seconds, not at Slack's one a second.
        self.services.outbox = OutboxWorker(
            self.engine,
            self.services.transport,
            interval=self.settings.outbox_interval_seconds,
            pace=LOCAL_PACE_SECONDS,
        )
        self.services.start()
        wsgi = _front(build_app(self.services), self.engine, self.settings.slack_signing_secret)
        self._app_server = make_server(
            "127.0.0.1", 0, wsgi, server_class=_ThreadingWSGIServer, handler_class=_QuietWSGIHandler
        )
        self.app_url = f"http://127.0.0.1:{self._app_server.server_port}"
        threading.Thread(target=self._app_server.serve_forever, daemon=True).start()
        self.workspace.connect(self.app_url, self.settings.slack_signing_secret)
        self.jobs = scheduled_jobs(self.services)
        self.seeded = False
        if seed_demo:
            self.seeded = demo.seed(self.engine, self.settings, today())
            self.services.send_queued()
        self._page = _PageServer(("127.0.0.1", port), _page_handler(self))
        self.url = f"http://127.0.0.1:{self._page.server_port}/"
        threading.Thread(target=self._page.serve_forever, daemon=True).start()

    def run_job(self, name: str) -> dict:
        job = self.jobs.get(name)
        if job is None:
            return {"status": 404, "body": {"error": f"no job {name}"}}
        result = job()
        self.services.send_queued()  # anything the job queued is sent now, not in 2 s
        self.workspace.note(f"job {name}", f"ran now; returned {result!r}")
        return {"status": 200, "body": {"result": repr(result)}}

    def close(self) -> None:
        self._page.shutdown()
        self._page.server_close()
        self._app_server.shutdown()
        self._app_server.server_close()
        self.services.stop()
        self.workspace.close()
        self.engine.dispose()


def _front(bolt, engine, signing_secret: str) -> SlackWsgiApp:
    """Production's WSGI front. The hardening work (branch h/edge) makes it take the signing
    secret; until that merges it takes two arguments. Drop the fallback after the merge."""
    try:
        return SlackWsgiApp(bolt, engine, signing_secret)
    except TypeError:
        return SlackWsgiApp(bolt, engine)


def _static(name: str) -> bytes | None:
    target = resources.files("handlers.local").joinpath("static", name)
    return target.read_bytes() if target.is_file() else None


def _page_handler(local: Local):
    ws = local.workspace
    posts = {
        "/ui/command": lambda a: ws.command(a["user"], a["channel"], a["text"]),
        "/ui/say": lambda a: ws.say(a["user"], a["channel"], a["text"], a.get("thread_ts")),
        "/ui/action": lambda a: ws.action(a["user"], a["action"], a["where"]),
        "/ui/submit": lambda a: ws.submit(a["user"], a["view_id"], a.get("values") or {}),
        "/ui/close": lambda a: ws.close_view(a["user"], a["view_id"]),
        "/ui/home": lambda a: ws.open_home(a["user"]),
        "/ui/run": lambda a: local.run_job(a["job"]),
    }

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status: int, body: bytes, ctype: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype + "; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)
            except GONE:
                self.close_connection = True  # the tab was closed while it waited

        def do_GET(self):
            url = urlparse(self.path)
            if url.path == "/ui/state":
                since = int((parse_qs(url.query).get("since") or ["-1"])[0])
                state = json.loads(ws.snapshot(since))
                state["jobs"] = sorted(local.jobs)
                self._send(200, json.dumps(state).encode(), "application/json")
                return
            aliases = {"/": "index.html", "/favicon.ico": "favicon.svg"}
            name = aliases.get(url.path) or url.path.removeprefix("/static/")
            body = _static(name) if "/" not in name else None
            if body is None:
                self._send(404, b"not found", "text/plain")
                return
            self._send(200, body, STATIC_TYPES.get(name[name.rfind(".") :], "text/plain"))

        def do_POST(self):
            handler = posts.get(urlparse(self.path).path)
            if handler is None:
                self._send(404, b"{}", "application/json")
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                result = handler(json.loads(self.rfile.read(length) or b"{}"))
            except (KeyError, ValueError, TypeError) as exc:
                self._send(400, json.dumps({"error": str(exc)}).encode(), "application/json")
                return
            self._send(200, json.dumps(result).encode(), "application/json")

    return Handler


def run(port: int, seed_demo: bool, database_url: str) -> int:
    # Warnings and errors only: the inspector shows what each request did.
    configure_logging("console", "WARNING")
    local = Local(port=port, seed_demo=seed_demo, database_url=database_url)
    print(f"msbot local workspace: {local.url}")
    print(f"  database: {local.settings.database_url}")
    if seed_demo and not local.seeded:
        print("  --demo: the database already has data, so nothing was added")
    print("  Ctrl-C to stop", flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        local.close()
    return 0
