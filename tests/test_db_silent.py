"""A database that stops answering (connection open, nothing comes back): every wait is
bounded, the user hears "nothing was saved" within Slack's 3 s, and it stays true."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time

import psycopg
import pytest
from sqlalchemy import text

from bot.db import CommitUncertain, deadline, make_engine, transaction
from models import ProcessedDelivery
from tests import databases, forms, silent_paths
from tests import investigation_slack as ev
from tests.conftest import start_app
from tests.slack_stub import RESPONSE_URL


class SilentProxy:
    """A TCP proxy between the app and PostgreSQL that can pass traffic or go silent.

    Silent: connections stay open and bytes are accepted but held, as on a network that drops
    packets; ``resume`` forwards everything held, in order, including any close.
    """

    def __init__(self, upstream=("127.0.0.1", 5432)):
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._flowing = threading.Event()
        self._flowing.set()
        self._held = 0
        self._cond = threading.Condition()
        threading.Thread(target=self._accept, daemon=True).start()

    def hang(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def wait_flushed(self, timeout: float = 10.0) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: self._held == 0, timeout), "proxy still holds data"

    def close(self) -> None:
        self._flowing.set()
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                with self._cond:
                    self._held += 1
                try:
                    self._flowing.wait()
                    if not data:
                        dst.shutdown(socket.SHUT_WR)
                        return
                    dst.sendall(data)
                finally:
                    with self._cond:
                        self._held -= 1
                        self._cond.notify_all()
        except OSError:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


# Where the case's card went (bot.conversations).
CARD_TS = text("SELECT message_id FROM posted_message WHERE about = 'case_card'")


def _others_settled(db_name: str) -> bool:
    """No other session of the test database is running or inside a transaction."""
    with psycopg.connect(databases.PG_ADMIN_URL, autocommit=True) as conn:
        busy = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> "
            "pg_backend_pid() AND state IN ('active', 'idle in transaction')",
            (db_name,),
        ).fetchone()[0]
    return busy == 0


@pytest.fixture
def proxied(pg_url):
    proxy = SilentProxy()
    url = pg_url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/")
    engine = make_engine(url)
    yield proxy, engine, pg_url
    proxy.close()
    engine.dispose()


def _submit(app, view_id: str):
    started = time.monotonic()
    reply = app.slack.view_submission("complaint_form", forms.complaint(), view_id=view_id)
    return reply.json(), time.monotonic() - started


def test_a_silent_database_gets_nothing_saved_in_time_and_it_stays_unsaved(proxied, stub):
    proxy, engine, direct_url = proxied
    app = start_app(engine, stub)
    try:
        ok, _ = _submit(app, "VWARM")
        assert ok["response_action"] == "update"
        proxy.hang()
        answers = []
        # A pooled connection that goes silent mid-request, then a new connection that never
        # gets past its start-up.
        for view_id in ("VHUNG1", "VHUNG2"):
            reply, took = _submit(app, view_id)
            answers.append(took)
            assert reply["response_action"] == "errors"
            assert "Nothing was saved" in reply["errors"]["authority_name"]
        print(f"slowest answer with a silent database: {max(answers):.2f} s")
        assert max(answers) < 3.0, answers
        # /complaint opens its form without waiting on the database.
        started = time.monotonic()
        assert app.slack.command("/complaint", trigger_id="trig-silent").status == 200
        stub.wait_for_call("views.open", trigger_id="trig-silent", timeout=3)
        assert time.monotonic() - started < 3.0
        proxy.resume()
        proxy.wait_flushed()
        # Everything the app sent has reached the server: let it finish with it.
        check = make_engine(direct_url)
        settle_by = time.monotonic() + 20
        while not _others_settled(check.url.database):
            assert time.monotonic() < settle_by, "sessions still busy"
            time.sleep(0.05)
        with transaction(check) as s:
            keys = s.execute(text("SELECT submission_key FROM complaint")).scalars().all()
        check.dispose()
        assert keys == ["VWARM"]
        # And the app recovers once the database answers again.
        reply, _ = _submit(app, "VAFTER")
        assert reply["response_action"] == "update"
    finally:
        app.close()


def test_a_commit_left_unanswered_is_reported_as_uncertain_not_as_unsaved(proxied):
    """The one case the app cannot know: COMMIT sent, no answer. It says so (and a repeated
    submission is safe, the submission key finds the stored case) rather than "nothing was
    saved"; here the held COMMIT does arrive later, and is applied."""
    proxy, engine, direct_url = proxied
    with transaction(engine) as s:  # a warm pooled connection
        s.execute(text("SELECT 1"))
    started = time.monotonic()
    with pytest.raises(CommitUncertain), deadline(1.0), transaction(engine) as s:
        s.add(ProcessedDelivery(key="commit-in-the-dark"))
        s.flush()
        proxy.hang()
    assert time.monotonic() - started < 2.0
    proxy.resume()
    proxy.wait_flushed()
    check = make_engine(direct_url)
    settle_by = time.monotonic() + 20
    while not _others_settled(check.url.database):
        assert time.monotonic() < settle_by, "sessions still busy"
        time.sleep(0.05)
    with transaction(check) as s:
        keys = s.execute(text("SELECT key FROM processed_delivery")).scalars().all()
    check.dispose()
    assert keys == ["commit-in-the-dark"]


# What the user sees: the ack's own answer, or the first thing msbot sends them after it.
_REPLY_METHODS = {
    "chat.postEphemeral",
    "chat.postMessage",
    "views.open",
    "views.publish",
    "views.update",
    RESPONSE_URL,
}
# "Nothing was changed/saved", in each feature's words; or a form opened that needs no
# database (the spot check's).
_SAYS_NOTHING_CHANGED = re.compile(
    r"nothing was (changed|saved)|not saved|can't be shown|unavailable|did not confirm"
    r'|"type": "modal"',
    re.I,
)
_ROWS_THAT_MATTER = (
    "complaint",
    "complaint_event",
    "case_note",
    "case_link",
    "posted_message",
    "outbox_message",
    "pending_command",
    "shadow_applicant",
    "shadow_host",
    "shadow_placement",
    "shadow_conflict",
    "shadow_feedback",
    "shadow_round",
    "shadow_event",
)


def _counts(url: str) -> dict[str, int]:
    check = make_engine(url)
    try:
        with check.connect() as conn:
            return {
                t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in _ROWS_THAT_MATTER
            }
    finally:
        check.dispose()


def _answer(stub, send, ctx) -> tuple[float, float, str]:
    """(seconds to the ack, seconds to what the user sees, what they see)."""
    before = len(stub.calls)
    started = time.monotonic()
    reply = send(ctx)
    acked = time.monotonic() - started
    assert reply.status < 500 or reply.status == 503, reply.status
    body = reply.body if isinstance(reply.body, str) else reply.body.decode()
    if body.strip():
        return acked, acked, body
    calls = stub.wait_until(
        lambda calls: any(c.method in _REPLY_METHODS for c in calls[before:]),
        timeout=max(0.1, started + 6 - time.monotonic()),
        what="the user's answer",
    )
    seen = next(c for c in calls[before:] if c.method in _REPLY_METHODS)
    return acked, seen.at - started, json.dumps(seen.args)


def _later_answer(stub, sent: int, first: str) -> str:
    """The answer that follows "Working on it…", from work done after the ack."""
    calls = stub.wait_until(
        lambda calls: any(
            c.method in _REPLY_METHODS and _SAYS_NOTHING_CHANGED.search(json.dumps(c.args))
            for c in calls[sent:]
        ),
        timeout=10,
        what=f"the answer after {first!r}",
    )
    return next(
        json.dumps(c.args)
        for c in calls[sent:]
        if c.method in _REPLY_METHODS and _SAYS_NOTHING_CHANGED.search(json.dumps(c.args))
    )


def test_every_path_answers_within_3_s_with_a_silent_database_and_changes_nothing(proxied, stub):
    proxy, engine, direct_url = proxied
    app = start_app(engine, stub, **silent_paths.TEAM)
    # Reports and dry runs answer "Working on it…" and work after the ack with a budget of
    # their own; a short one here, so their final answer comes while the database is silent.
    app.services.background_budget = 3.0
    try:
        filed = app.slack.view_submission("complaint_form", forms.complaint(), view_id="VWARM")
        assert filed.json()["response_action"] == "update"
        check = make_engine(direct_url)
        settle_by = time.monotonic() + 20
        with check.connect() as conn:
            while not (
                card := conn.execute(
                    text("SELECT message_id FROM posted_message WHERE about = 'case_card'")
                ).scalar()
            ):
                assert time.monotonic() < settle_by, "the case card was never posted"
                time.sleep(0.05)
        check.dispose()
        ctx = silent_paths.Ctx(app.slack, stub.response_url, card)
        before = _counts(direct_url)
        proxy.hang()
        answers, finally_told = {}, {}
        for name, send in silent_paths.PATHS:
            sent = len(stub.calls)
            answers[name] = _answer(stub, send, ctx)
            if answers[name][2].startswith("Working"):
                finally_told[name] = _later_answer(stub, sent, answers[name][2])
        proxy.resume()
        proxy.wait_flushed()
        check = make_engine(direct_url)
        settle_by = time.monotonic() + 20
        while not _others_settled(check.url.database):
            assert time.monotonic() < settle_by, "sessions still busy"
            time.sleep(0.05)
        check.dispose()
        after = _counts(direct_url)
    finally:
        app.close()
    for name, (acked, answered, _) in sorted(answers.items(), key=lambda a: -a[1][1]):
        print(f"{name:28} ack {acked:.2f} s, answer {answered:.2f} s")
    late = {n: round(a[1], 2) for n, a in answers.items() if a[0] >= 3.0 or a[1] >= 3.0}
    assert not late, late
    answers.update({n: (0, 0, told) for n, told in finally_told.items()})
    unclear = {n: a[2][:200] for n, a in answers.items() if not _SAYS_NOTHING_CHANGED.search(a[2])}
    assert not unclear, unclear
    # Nothing anyone was told had failed was stored, even once the held traffic arrived.
    assert after == before


def test_a_note_written_while_the_database_is_silent_is_stored_by_slacks_retry(proxied, stub):
    """Not acknowledged (503, delivery unclaimed) while the database is silent; Slack's retry
    stores it once; further retries store nothing more."""
    proxy, engine, direct_url = proxied
    app = start_app(engine, stub, **silent_paths.TEAM)
    try:
        filed = app.slack.view_submission("complaint_form", forms.complaint(), view_id="VNOTE")
        assert filed.json()["response_action"] == "update"
        check = make_engine(direct_url)
        settle_by = time.monotonic() + 20
        with check.connect() as conn:
            while not (
                card := conn.execute(
                    text("SELECT message_id FROM posted_message WHERE about = 'case_card'")
                ).scalar()
            ):
                assert time.monotonic() < settle_by, "the case card was never posted"
                time.sleep(0.05)
        note = ev.reply(silent_paths.TRIAGE, card, silent_paths.INV, "Rang the council.")
        proxy.hang()
        started = time.monotonic()
        first = ev.send_event(app.slack, note, event_id="EvNOTE1")
        assert first.status == 503 and time.monotonic() - started < 3.0
        proxy.resume()
        proxy.wait_flushed()
        for retry in (1, 2):
            assert ev.send_event(app.slack, note, event_id="EvNOTE1", retry=retry).status == 200
        with check.connect() as conn:
            notes = conn.execute(text("SELECT text FROM case_note")).scalars().all()
        check.dispose()
        assert notes == ["Rang the council."]
        # The author was told nothing: their note is stored.
        assert not stub.of("chat.postEphemeral")
    finally:
        app.close()


def test_a_note_still_unsaved_at_slacks_last_retry_is_reported_to_its_author(pg_url, stub):
    # The database is down: nothing listens where the app looks for it, so each connection is
    # refused and nothing is ever sent.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    down = make_engine(pg_url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{dead_port}/"))
    app = start_app(down, stub, **silent_paths.TEAM)
    try:
        note = ev.reply(silent_paths.TRIAGE, "1700000000.000001", silent_paths.INV, "Rang them.")
        started = time.monotonic()
        last = ev.send_event(app.slack, note, event_id="EvNOTE2", retry=3)
        assert last.status == 200
        told = stub.wait_for_call("chat.postEphemeral", user=silent_paths.INV, timeout=3)
        assert time.monotonic() - started < 3.0
        assert "not saved" in told.args["text"] and told.args["thread_ts"] == note["thread_ts"]
    finally:
        app.close()
        down.dispose()
    check = make_engine(pg_url)
    with check.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM case_note")).scalar_one() == 0
    check.dispose()
