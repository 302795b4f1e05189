"""Acknowledged mention commands survive a crash: a real `msbot serve` is killed (SIGKILL)
while the commands it acked wait to run; after a restart each has run exactly once, and
Slack's retries of them do nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from handlers.durable import DELAY_ENV
from tests import forms
from tests import investigation_slack as ev
from tests.conftest import SIGNING_SECRET, TRIAGE
from tests.processes import msbot_env
from tests.slack_client import FakeSlack
from tests.test_edge_server import free_port, healthz

INV = "UINV1"
COMMANDS = 8


def _serve(engine, stub, tmp_path: Path, name: str, **extra) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1-2-serve",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "TRIAGE_CHANNEL_ID": TRIAGE,
        "SLACK_API_URL": stub.url,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "INVESTIGATOR_IDS": INV,
        "OUTBOX_INTERVAL_SECONDS": "1",
        "LOG_FORMAT": "json",
        **extra,
    }
    log_path = tmp_path / f"{name}.log"
    with open(log_path, "wb") as out:
        # A session of its own, so SIGKILL reaches gunicorn's master and its worker at once.
        proc = subprocess.Popen(
            [sys.executable, "-m", "handlers", "serve"],
            env=msbot_env(env),
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, log_path.read_text()[-3000:]
        try:
            healthz(port, 1)
            return proc, port
        except OSError:
            assert time.monotonic() < deadline, "msbot serve never answered /healthz"
            time.sleep(0.1)


def _scalar(engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def _wait_for(engine, sql: str, want, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while (got := _scalar(engine, sql)) != want:
        assert time.monotonic() < deadline, f"{sql}: {got}, wanted {want}"
        time.sleep(0.05)
    return got


RELAYED = "SELECT count(*) FROM complaint_event WHERE kind = 'relayed_to_supplier'"
DISTINCT_RELAYED = (
    "SELECT count(DISTINCT CAST(data AS TEXT)) FROM complaint_event "
    "WHERE kind = 'relayed_to_supplier'"
)


def test_commands_acked_before_a_kill_each_run_once_after_the_restart(engine, stub, tmp_path):
    proc, port = _serve(engine, stub, tmp_path, "first", **{DELAY_ENV: "120"})
    try:
        slack = FakeSlack(f"http://127.0.0.1:{port}", SIGNING_SECRET)
        filed = slack.view_submission("complaint_form", forms.complaint(), view_id="VKILL")
        assert filed.status == 200
        card_ts = _wait_for(
            engine, "SELECT count(*) FROM posted_message WHERE about = 'case_card'", 1
        )
        card_ts = _scalar(engine, "SELECT message_id FROM posted_message WHERE about = 'case_card'")
        events = [
            ev.mention(TRIAGE, card_ts, INV, f"tell-supplier Update number {i}")
            for i in range(COMMANDS)
        ]
        ids = [f"EvKILL{i:04d}" for i in range(COMMANDS)]
        for event, event_id in zip(events, ids, strict=True):
            started = time.monotonic()
            assert ev.send_event(slack, event, event_id=event_id).status == 200
            assert time.monotonic() - started < 3.0
        # Every command is acknowledged and recorded, and none has run yet: the kill lands
        # in the window between the ack and the work.
        assert _scalar(engine, "SELECT count(*) FROM pending_command") == COMMANDS
        assert _scalar(engine, RELAYED) == 0
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    proc, port = _serve(engine, stub, tmp_path, "second")
    try:
        # The restarted process finds the commands recorded but not done, and runs them.
        _wait_for(engine, RELAYED, COMMANDS)
        slack = FakeSlack(f"http://127.0.0.1:{port}", SIGNING_SECRET)
        # Slack's retries of the same deliveries are recognised and do nothing.
        for event, event_id in zip(events, ids, strict=True):
            assert ev.send_event(slack, event, event_id=event_id, retry=1).status == 200
        _wait_for(engine, "SELECT count(*) FROM pending_command WHERE status = 'done'", COMMANDS)
        assert _scalar(engine, "SELECT count(*) FROM pending_command") == COMMANDS
        assert _scalar(engine, RELAYED) == COMMANDS
        assert _scalar(engine, DISTINCT_RELAYED) == COMMANDS
        # Each supplier DM went out once (the outbox sends what the commands queued).
        stub.wait_until(
            lambda calls: (
                sum(
                    1
                    for c in calls
                    if c.method == "chat.postMessage"
                    and "Update number" in str(c.args)
                    and c.args.get("channel") != TRIAGE
                )
                >= COMMANDS
            ),
            timeout=30,
            what="the supplier DMs",
        )
        dms = [
            c.args.get("text")
            for c in stub.of("chat.postMessage")
            if "Update number" in str(c.args) and c.args.get("channel") != TRIAGE
        ]
        assert len(dms) == len(set(dms)) == COMMANDS
    finally:
        proc.terminate()
        proc.wait(timeout=30)
