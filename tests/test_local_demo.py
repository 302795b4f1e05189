"""`msbot local`: no settings, its own migrated SQLite, an empty workspace or the demo data set."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from sqlmodel import Session, select

from handlers.cli import build_parser
from handlers.local import demo, demo_cases
from handlers.local.server import Local
from models import Complaint, ShadowApplicant, ShadowHost, ShadowPlacement
from tests.processes import msbot_env


def _statuses(engine, model) -> list[str]:
    with Session(engine) as s:
        return sorted(row.status for row in s.exec(select(model)))


def test_the_cli_takes_local_with_demo_and_port():
    args = build_parser().parse_args(["local", "--demo", "--port", "9001"])
    assert (args.command, args.demo, args.port) == ("local", True, 9001)


def test_without_demo_the_workspace_starts_empty(tmp_path, monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    local = Local(database_url=f"sqlite:///{tmp_path}/empty.db")
    try:
        assert local.workspace.messages == []
        assert _statuses(local.engine, Complaint) == []
        assert (tmp_path / "empty.db").is_file()  # migrated by this mode itself
        # "Run now" runs each scheduled job once and says so in the inspector.
        assert local.jobs, "the control lists the scheduled jobs"
        for name in sorted(local.jobs):
            assert local.run_job(name)["status"] == 200
            assert local.workspace.log[-1]["name"] == f"job {name}"
        assert local.run_job("nope")["status"] == 404
    finally:
        local.close()


def test_demo_seeds_through_the_core_once_and_msbot_posts_it(tmp_path):
    url = f"sqlite:///{tmp_path}/demo.db"
    local = Local(database_url=url, seed_demo=True)
    try:
        assert local.seeded
        fake = local.workspace.fake
        # Every case reaches the triage channel and every reporter their DM, via the outbox.
        fake.wait_until(
            lambda calls: (
                len([c for c in calls if c.args.get("channel") == "CTRIAGE"]) == len(demo.CASES)
            ),
            what="triage cards",
        )
        statuses = _statuses(local.engine, Complaint)
        assert len(statuses) == len(demo.CASES)
        if demo_cases.investigation is None:  # the workflow is not merged yet
            assert set(statuses) == {"received"}
        else:  # cases in every state the demo plans
            assert len(set(statuses)) == len(demo_cases.PLANS) + 1
        assert "pending_approval" in _statuses(local.engine, ShadowApplicant)
        assert _statuses(local.engine, ShadowHost) == ["open", "open"]
        assert "offered" in _statuses(local.engine, ShadowPlacement)
        # Anonymous reporters are not named in the triage channel.
        cards = [c.args for c in fake.of("chat.postMessage") if c.args["channel"] == "CTRIAGE"]
        assert all("UANON" not in str(card) for card in cards)
    finally:
        local.close()
    again = Local(database_url=url, seed_demo=True)
    try:
        assert not again.seeded
        assert len(_statuses(again.engine, Complaint)) == len(demo.CASES)
    finally:
        again.close()


def test_msbot_local_needs_no_settings_prints_its_url_and_stops_cleanly(tmp_path):
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("msbot")), "local", "--demo", "--port", "0"],
        cwd=tmp_path,
        env=msbot_env({}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = process.stdout.readline()  # blocks until the workspace is up
        url = first.rsplit(" ", 1)[-1].strip()
        assert first.startswith("msbot local workspace: http://127.0.0.1:"), first
        with urllib.request.urlopen(url, timeout=5) as page:
            assert b"msbot local workspace" in page.read()
        with urllib.request.urlopen(url + "static/app.js", timeout=5) as script:
            assert script.status == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert (tmp_path / "msbot-local.db").is_file()
