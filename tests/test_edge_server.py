"""The production server under slow clients, and log context that must not outlive a request."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from urllib.parse import urlencode

import pytest
import structlog
from structlog.testing import LogCapture
from waitress.server import create_server

from handlers.slack.app import build_app, build_services
from handlers.slack.server import SlackWsgiApp
from tests.conftest import SIGNING_SECRET, TODAY, make_settings
from tests.processes import msbot_env
from tests.slack_client import FakeSlack

READ_TIMEOUT = 2  # seconds, WEB_READ_TIMEOUT for the server under test


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthz(port: int, timeout: float) -> tuple[int, float]:
    start = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as r:
        return r.status, time.monotonic() - start


@pytest.fixture
def served(tmp_path, stub):
    """A real `msbot serve` process: one worker with two threads, so 40 stalled clients would
    hold every thread many times over if threads read requests."""
    db = f"sqlite:///{tmp_path}/msbot.db"
    migrate = [sys.executable, "-m", "bot", "migrate"]
    subprocess.run(migrate, env=msbot_env({"DATABASE_URL": db}), cwd=tmp_path, check=True)
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1-2-serve",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "TRIAGE_CHANNEL_ID": "CTRIAGE1",
        "SLACK_API_URL": stub.url,
        "DATABASE_URL": db,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "2",
        "WEB_READ_TIMEOUT": str(READ_TIMEOUT),
        "LOG_FORMAT": "json",
    }
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "handlers", "serve"],
            env=msbot_env(env),
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, log_path.read_text()
        try:
            healthz(port, 1)
            break
        except OSError:
            assert time.monotonic() < deadline, "msbot serve never answered /healthz"
            time.sleep(0.1)
    yield port
    proc.terminate()
    assert proc.wait(timeout=30) == 0, log_path.read_text()
    # gunicorn's processes and every logger share one pipe: one JSON object per line.
    lines = log_path.read_text().splitlines()
    assert lines and all(isinstance(json.loads(line), dict) for line in lines), lines


def stalled_client(port: int) -> socket.socket:
    """Announces a 2 KB body, sends half of it, then nothing."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT * 5)
    sock.sendall(
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2048\r\n\r\n"
        + b"a"
        * 1024
    )
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    try:
        while True:
            if sock.recv(4096) == b"":
                return True
    except OSError:
        return False


def test_forty_stalled_clients_starve_nothing_and_are_closed_after_the_read_timeout(served):
    port = served
    opened = time.monotonic()
    stalled = [stalled_client(port) for _ in range(40)]
    # The server has read every one of them (a second request on the same loop proves it).
    status, took = healthz(port, timeout=2)
    assert status == 200 and took < 1.0
    signed = FakeSlack(f"http://127.0.0.1:{port}", SIGNING_SECRET)
    start = time.monotonic()
    reply = signed.command("/complaint", "status")
    assert reply.status == 200 and time.monotonic() - start < 2.0
    assert all(closed_by_server(sock) for sock in stalled)
    # Closed by the read timeout, not by chance: not before it, and not long after it.
    assert READ_TIMEOUT * 0.8 <= time.monotonic() - opened <= READ_TIMEOUT + 5
    for sock in stalled:
        sock.close()


def test_a_client_trickling_a_request_is_cut_off_at_the_read_timeout(served):
    sock = socket.create_connection(("127.0.0.1", served), timeout=READ_TIMEOUT * 5)
    request = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + b"a" * 999
    start = time.monotonic()
    sent = 0
    try:
        # One byte every 0.2 s: never silent long enough for an idle timeout to notice.
        while sent < len(request) and time.monotonic() - start < READ_TIMEOUT * 4:
            sock.send(request[sent : sent + 1])
            sent += 1
            time.sleep(0.2)
    except OSError:
        pass  # the server closed it: what this test wants
    assert closed_by_server(sock)
    assert time.monotonic() - start <= READ_TIMEOUT + 3
    sock.close()


def test_log_context_does_not_leak_into_the_next_request_on_the_same_thread(engine, stub):
    """A malformed body's log line used to carry the previous request's user."""
    settings = make_settings(engine.url.render_as_string(hide_password=False), stub.url)
    services = build_services(settings, engine, today=lambda: TODAY).start()
    wsgi = SlackWsgiApp(build_app(services), engine, SIGNING_SECRET)
    server = create_server(wsgi, host="127.0.0.1", port=0, threads=1)  # one reused thread
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    capture = LogCapture()
    structlog.configure(processors=[structlog.contextvars.merge_contextvars, capture])
    try:
        slack = FakeSlack(f"http://127.0.0.1:{server.effective_port}", SIGNING_SECRET)
        body = slack.command_body("/complaint", "status", user="U777", trigger_id="trig-777")
        assert slack.post(body).status == 200
        assert slack.post(body).status == 200  # a repeat: logged with the request's user
        assert slack.post(urlencode({"payload": json.dumps(5)})).status == 400
    finally:
        structlog.reset_defaults()
        server.close()
        services.stop()
    [repeated] = [e for e in capture.entries if e["event"] == "delivery.repeated"]
    assert repeated["user"] == "U777"
    [refused] = [e for e in capture.entries if e["event"] == "http.refused"]
    assert "user" not in refused and refused["request_id"] != repeated["request_id"]
