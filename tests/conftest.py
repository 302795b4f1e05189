"""Fixtures: every database test runs on SQLite and on PostgreSQL; Slack is a local stub."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from sqlmodel import Session, select

from bot import conversations
from handlers.slack.app import build_app, build_services
from handlers.slack.server import SlackWsgiApp
from handlers.slack.settings import load_slack_settings
from models import OutboxMessage, PostedMessage
from tests import databases, people_ids
from tests.slack_client import FakeSlack
from tests.slack_stub import SlackStub

# A made-up secret of the real shape (32 hex characters): settings refuse any other shape.
SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543"
TRIAGE = "CTRIAGE1"
TODAY = date(2026, 11, 20)

people_ids.register_names_in(Path(__file__).parent)

# The browser stories' fixtures (chromium, local, page), shared by their modules.
pytest_plugins = ["tests.browser_fixtures"]


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request, tmp_path_factory):
    """(name, url) of a migrated database, made once per backend per test session."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "msbot.db"
        yield "sqlite", f"sqlite:///{path}"
        return
    _require_postgres()
    name, url = databases.create_pg_database()
    yield "postgresql", url
    databases.drop_pg_database(name)


@pytest.fixture
def pg_url():
    """A fresh, migrated PostgreSQL database, for behaviour only a database server has."""
    _require_postgres()
    name, url = databases.create_pg_database()
    databases.migrated_engine(url).dispose()
    yield url
    databases.drop_pg_database(name)


def _require_postgres() -> None:
    reason = databases.pg_available()
    if reason:
        if databases.IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {reason}")
        pytest.skip(f"PostgreSQL unreachable (outside CI): {reason}")


@pytest.fixture(scope="session")
def _engines():
    cache: dict[str, object] = {}
    yield cache
    for engine in cache.values():
        engine.dispose()


@pytest.fixture
def engine(backend, _engines):
    _, url = backend
    if url not in _engines:
        _engines[url] = databases.migrated_engine(url)
    eng = _engines[url]
    databases.wipe(eng)
    return eng


@pytest.fixture
def session(engine):
    with Session(engine) as s:
        yield s


@pytest.fixture(scope="session")
def slack_stub():
    stub = SlackStub()
    yield stub
    stub.close()


@pytest.fixture
def stub(slack_stub):
    slack_stub.reset()
    return slack_stub


def make_settings(database_url: str, api_url: str, job_names=None, **extra) -> object:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "TRIAGE_CHANNEL_ID": TRIAGE,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
        "LOG_FORMAT": "console",
        **extra,
    }
    return load_slack_settings(env, job_names=job_names)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # socketserver's default listen backlog is 5: thirty clients connecting at once on a busy
    # machine overflowed it and were reset. Production listens with gunicorn's 2048.
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class RunningApp:
    """The real WSGI app on a real socket, with handles tests need."""

    def __init__(self, services, wsgi):
        self.services = services
        self.server = make_server(
            "127.0.0.1", 0, wsgi, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.slack = FakeSlack(self.url, SIGNING_SECRET)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.services.stop()


def start_app(engine, stub, **extra_env) -> RunningApp:
    url = engine.url.render_as_string(hide_password=False)
    settings = make_settings(url, stub.url, **extra_env)
    services = build_services(settings, engine, today=lambda: TODAY).start()
    wsgi = SlackWsgiApp(build_app(services), engine, settings.slack_signing_secret)
    return RunningApp(services, wsgi)


@pytest.fixture
def app(engine, stub):
    running = start_app(engine, stub)
    yield running
    running.close()


@pytest.fixture
def slack(app) -> FakeSlack:
    return app.slack


def rows(session: Session, model) -> list:
    """Current rows, read in a short transaction of their own (on SQLite an open transaction
    would hold the write lock and stall the app under test)."""
    with Session(session.get_bind()) as fresh:
        return list(fresh.exec(select(model).order_by(*model.__table__.primary_key.columns)))


class WithCard:
    """A case row with the ts of its card on Slack (recorded in bot.conversations, no longer
    on the case), for tests that post in its thread."""

    def __init__(self, case, card_ts: str):
        self._case, self.card_ts = case, card_ts

    def __getattr__(self, name):
        return getattr(self._case, name)


def card_ts(session: Session, case_id: int) -> str | None:
    """The ts of the case's card on Slack; None until it is posted."""
    with Session(session.get_bind()) as fresh:
        card = conversations.message_of(fresh, "slack", conversations.CASE_CARD, case_id)
        return card.message_id if card else None


def with_card(session: Session, case) -> WithCard | None:
    """The case with its card's ts, once the card is posted (else None, to wait on)."""
    ts = card_ts(session, case.id) if case is not None else None
    return WithCard(case, ts) if ts else None


def relays(session: Session) -> list:
    """The relayed supplier DMs, as posted (channel: conversation_id, ts: message_id)."""
    found = rows(session, PostedMessage)
    return [p for p in found if p.about == conversations.SUPPLIER_RELAY]


def wait_settled(session: Session, count: int, timeout: float = 10.0) -> list:
    """Outbox rows once ``count`` exist and none is mid-delivery in the app's worker thread.

    Polls the database until the condition holds (or fails at the deadline): the delivery runs
    in the app's own thread after the HTTP response, so there is no event to wait on here.
    """
    deadline = time.monotonic() + timeout
    while True:
        found = rows(session, OutboxMessage)
        if len(found) >= count and all(m.claimed_until is None for m in found):
            return found
        assert time.monotonic() < deadline, f"outbox not settled: {found}"
        time.sleep(0.02)
