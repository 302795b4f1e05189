"""Two real `msbot serve` processes (two gunicorn workers each, four schedulers) on one
PostgreSQL database: a digest slot is posted exactly once."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from bot.db import make_engine
from tests.processes import msbot_env

LEADS = "CLEADS01"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _catch_ups(logs: list[Path]) -> int:
    done = 0
    for path in logs:
        for line in path.read_text().splitlines():
            try:
                done += json.loads(line).get("event") == "jobs.catch_up_done"
            except ValueError:
                continue
    return done


def test_two_replicas_post_one_digest_per_slot(pg_url, stub, tmp_path):
    engine = make_engine(pg_url)
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "8f14e45fceea167a5a36dedd4bea2543",
        "TRIAGE_CHANNEL_ID": "CTRIAGE1",
        "SLACK_API_URL": stub.url,
        "DATABASE_URL": pg_url,
        "LEADS_CHANNEL_ID": LEADS,
        "LOG_FORMAT": "json",
        "WEB_CONCURRENCY": "2",
        # Last midnight's slot, missed "while the bot was down", is within the grace period:
        # every worker of both replicas tries to run it as it starts.
        "JOB_WEEKLY_DIGEST_CRON": "0 0 * * *",
        "JOB_GRACE_MINUTES": str(60 * 25),
        "OUTBOX_INTERVAL_SECONDS": "1",
    }
    procs, logs = [], []
    try:
        for i in range(2):
            log_path = tmp_path / f"serve{i}.log"
            logs.append(log_path)
            with open(log_path, "wb") as out:
                procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "handlers", "serve"],
                        env=msbot_env({**env, "PORT": str(_free_port())}),
                        cwd=tmp_path,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
        # Event-driven waits (each polls a condition with a deadline).
        deadline = time.monotonic() + 60
        while _catch_ups(logs) < 4:
            for p, path in zip(procs, logs, strict=True):
                assert p.poll() is None, path.read_text()[-3000:]
            assert time.monotonic() < deadline, [p.read_text()[-2000:] for p in logs]
            time.sleep(0.1)
        stub.wait_for_call("chat.postMessage", timeout=30, channel=LEADS)
        stub.wait_for("files.completeUploadExternal", timeout=30)
        with engine.connect() as conn:
            while conn.execute(
                text("SELECT count(*) FROM outbox_message WHERE status = 'pending'")
            ).scalar_one():
                assert time.monotonic() < deadline
                time.sleep(0.1)
            runs = conn.execute(
                text("SELECT status, count(*) FROM job_run WHERE job = 'weekly_digest' GROUP BY 1")
            ).all()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
        engine.dispose()
    digests = [
        c
        for c in stub.of("chat.postMessage")
        if c.args.get("channel") == LEADS and "Weekly digest" in c.args.get("text", "")
    ]
    assert len(digests) == 1
    assert len(stub.of("files.completeUploadExternal")) == 1
    assert runs == [("done", 1)]
