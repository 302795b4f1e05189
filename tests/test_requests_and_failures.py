"""Bad requests, outages and delivery failures: clear answers, nothing half-written or lost."""

from __future__ import annotations

import http.client
import json
import threading
import time
from datetime import timedelta
from urllib.parse import urlencode

from bot import outbox
from bot.complaints.unreachable import SUPPLIER_UNREACHABLE
from bot.db import make_engine
from handlers.slack.app import build_services
from models import Complaint, OutboxMessage, ProcessedDelivery
from models.base import utcnow
from tests import forms
from tests.conftest import make_settings, rows, start_app, wait_settled
from tests.people_ids import slack_id


def test_wrong_signature_is_refused_and_stores_nothing(slack, session, stub):
    body = urlencode(
        {
            "payload": json.dumps(
                {
                    "type": "view_submission",
                    "user": {"id": "U1"},
                    "team": {"id": "T1"},
                    "view": {
                        "id": "V1",
                        "callback_id": "complaint_form",
                        "state": {"values": forms.complaint()},
                    },
                }
            )
        }
    )
    reply = slack.post(body, signature="v0=" + "0" * 64)
    assert reply.status == 401
    assert rows(session, Complaint) == [] and rows(session, ProcessedDelivery) == []
    assert stub.calls == []


def test_stale_timestamp_is_refused(slack, session, stub):
    body = slack.command_body("/complaint", "")
    reply = slack.post(body, timestamp=int(time.time()) - 6 * 60)
    assert reply.status == 401
    assert rows(session, ProcessedDelivery) == [] and stub.of("views.open") == []


def test_malformed_bodies_get_4xx(slack):
    for body in ("payload=%7Bnot-json", "payload=", "\xff\xfe", ""):
        assert 400 <= slack.post(body).status < 500, body
    assert 400 <= slack.post("{}", content_type="application/json").status < 500
    assert _announce_huge_body(slack.base_url) == 413
    assert slack.get("/slack/events").status == 405
    assert slack.get("/nope").status == 404


def _announce_huge_body(base_url: str) -> int:
    """Send only the headers of a 2 MB request: the server must refuse before reading it."""
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest("POST", "/slack/events")
    conn.putheader("Content-Type", "application/x-www-form-urlencoded")
    conn.putheader("Content-Length", "2000000")
    conn.endheaders()
    status = conn.getresponse().status
    conn.close()
    return status


def test_healthz_reports_database(slack):
    reply = slack.get("/healthz")
    assert reply.status == 200 and json.loads(reply.body) == {"database": "ok"}


def _unreachable_engine(backend_name: str, tmp_path):
    if backend_name == "sqlite":
        # A file in a directory that does not exist cannot be opened.
        return make_engine(f"sqlite:///{tmp_path}/missing-dir/msbot.db")
    return make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")


def test_database_down_at_submit_says_nothing_was_saved(backend, engine, stub, tmp_path):
    broken = start_app(_unreachable_engine(backend[0], tmp_path), stub)
    try:
        reply = broken.slack.view_submission("complaint_form", forms.complaint())
        assert reply.status == 200
        body = reply.json()
        assert body["response_action"] == "errors"
        assert "Nothing was saved" in body["errors"]["authority_name"]
        assert broken.slack.get("/healthz").status == 503
        status = broken.slack.command("/complaint", "status").json()
        assert "unavailable" in status["text"]
    finally:
        broken.close()
    assert stub.of("chat.postMessage") == []


def test_failed_post_is_retried_later_not_lost(slack, stub, session, engine, app):
    # Slack answers 500 to the DM and to the Web API client's own two quick retries.
    stub.fail("chat.postMessage", times=3, status=500, channel="DU100")
    slack.view_submission("complaint_form", forms.complaint(), view_id="VRETRY")
    stub.wait_for("chat.postMessage", 4)  # three failed DM attempts, then the triage card
    dm, card = wait_settled(session, 2)
    assert (dm.status, card.status) == ("pending", "sent")
    assert slack_id(dm.recipient_person_id) == "U100" and dm.attempts == 1
    assert "internal_error" in dm.last_error
    assert dm.next_attempt_at > utcnow()  # backed off, not hammering Slack
    # The worker's next run after the back-off delivers it.
    assert outbox.drain(engine, app.services.transport) == 0
    assert outbox.drain(engine, app.services.transport, now=utcnow() + timedelta(hours=2)) == 1
    assert [m.status for m in rows(session, OutboxMessage)] == ["sent", "sent"]
    assert [c.args["channel"] for c in stub.of("chat.postMessage")][-1] == "DU100"


def test_permanent_failure_is_kept_as_dead_and_can_be_revived(slack, stub, session, engine, app):
    stub.fail("chat.postMessage", times=1, error="channel_not_found", channel="DU100")
    slack.view_submission("complaint_form", forms.complaint(), view_id="VDEAD")
    stub.wait_for("chat.postMessage", 2)
    # The receipt is lost: the team is told in the card's thread (bot.complaints.unreachable).
    dm, card, notice = wait_settled(session, 3)
    assert (dm.status, dm.last_error, card.status) == ("dead", "channel_not_found", "sent")
    assert notice.kind == SUPPLIER_UNREACHABLE and notice.data["dead"] == dm.id
    # Only this drain may send it: the app's own worker, between two of its drains, could
    # otherwise take the revived row first.
    app.services.outbox.stop()
    assert outbox.revive_dead(engine) == 1
    later = utcnow() + timedelta(hours=2)  # the notice may still wait for its card's back-off
    assert outbox.drain(engine, app.services.transport, now=later) >= 1
    assert [m.status for m in rows(session, OutboxMessage)] == ["sent"] * 3


def test_deferred_work_beyond_the_limit_runs_before_the_response(engine, stub):
    """Under overload, work with Slack's 3 s clock on it (opening a modal) must not queue up
    behind an ever-growing backlog: beyond the limit it runs on the request thread itself."""
    settings = make_settings(engine.url.render_as_string(hide_password=False), stub.url)
    services = build_services(settings, engine, max_deferred=2)
    release, started = threading.Event(), threading.Semaphore(0)
    deferred_on, overflow_on = [], []

    def slow():
        deferred_on.append(threading.current_thread().name)
        started.release()
        release.wait(10)

    try:
        services.after_ack(slow)
        services.after_ack(slow)
        assert started.acquire(timeout=10) and started.acquire(timeout=10)
        services.after_ack(lambda: overflow_on.append(threading.current_thread().name))
        # Done already, on this thread, before after_ack returned.
        assert overflow_on == [threading.current_thread().name]
    finally:
        release.set()
        services.background.shutdown(wait=True)
    assert len(deferred_on) == 2 and all(n.startswith("after-ack") for n in deferred_on)


def test_slow_work_without_a_deadline_always_waits_its_turn(engine, stub):
    """A matching dry run or a report can take seconds: even when the queue is full it must
    not run on the request thread, where it could make the ack miss Slack's 3 s."""
    settings = make_settings(engine.url.render_as_string(hide_password=False), stub.url)
    services = build_services(settings, engine, max_deferred=1)
    release, done = threading.Event(), threading.Event()
    ran_on = []
    try:
        services.after_ack(release.wait, 10)  # the only slot, held
        services.in_background(lambda: (ran_on.append(threading.current_thread().name), done.set()))
        assert done.wait(10)
    finally:
        release.set()
        services.background.shutdown(wait=True)
    assert ran_on[0].startswith("after-ack")  # a pool thread, not this (request) thread
