"""`msbot local`: no settings, its own migrated SQLite, an empty workspace or the demo data set."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from sqlmodel import Session, select

from handlers.cli import build_parser
from handlers.local import demo
from handlers.local.people import EXTRAS, PEOPLE
from handlers.local.server import Local
from models import (
    Complaint,
    ComplaintEvent,
    Person,
    PlatformAccount,
    ShadowApplicant,
    ShadowHost,
    ShadowPlacement,
)
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
        # Every case (and the spot check) reaches the triage channel, via the outbox.
        fake.wait_until(
            lambda calls: (
                len([c for c in calls if c.method == "chat.postMessage" and _triage(c)])
                == len(demo.CASES) + 1
            ),
            timeout=30,
            what="triage cards",
        )
        assert len(_statuses(local.engine, Complaint)) == len(demo.CASES) + 1
        assert "pending_approval" in _statuses(local.engine, ShadowApplicant)
        assert _statuses(local.engine, ShadowHost) == ["open", "open"]
        assert "offered" in _statuses(local.engine, ShadowPlacement)
        # Everyone in the workspace is a person with their name and Slack account.
        with Session(local.engine) as s:
            accounts = {a.user_id: a for a in s.exec(select(PlatformAccount)).all()}
            names = {p.id: p.display_name for p in s.exec(select(Person)).all()}
        for someone in (*PEOPLE, *EXTRAS):
            account = accounts[someone.id]
            assert (account.workspace, names[account.person_id]) == ("T1", someone.name)
        # Anonymous reporters are not named in the triage channel.
        cards = [c.args for c in fake.of("chat.postMessage") if _triage(c)]
        assert all("UANON" not in str(card) for card in cards)
    finally:
        local.close()
    again = Local(database_url=url, seed_demo=True)
    try:
        assert not again.seeded
        assert len(_statuses(again.engine, Complaint)) == len(demo.CASES) + 1
    finally:
        again.close()


def _triage(call) -> bool:
    return call.args.get("channel") == "CTRIAGE" and not call.args.get("thread_ts")


WORKFLOW_STATES = {
    "received",
    "triaged",
    "investigating",
    "awaiting_authority",
    "awaiting_supplier",
    "resolved",
    "follow_up",
    "closed",
    "out_of_scope",
    "referred",
    "withdrawn",
}


def test_demo_has_a_case_in_every_state_moved_there_by_the_core(tmp_path):
    local = Local(database_url=f"sqlite:///{tmp_path}/states.db", seed_demo=True)
    try:
        with Session(local.engine) as s:
            cases = list(s.exec(select(Complaint).order_by(Complaint.id)))
            events = {
                (e.complaint_id, e.data.get("to"))
                for e in s.exec(select(ComplaintEvent).where(ComplaintEvent.kind == "transition"))
            }
            assigned = {
                e.complaint_id for e in s.exec(select(ComplaintEvent)) if e.kind == "assigned"
            }
            slack_ids = {a.person_id: a.user_id for a in s.exec(select(PlatformAccount))}
    finally:
        local.close()
    by_state = {}
    for case in cases:
        by_state.setdefault(case.status, []).append(case)
    assert set(by_state) == WORKFLOW_STATES
    # Each state was reached by the lifecycle (an audit event says so), not written directly.
    for state, held in by_state.items():
        if state != "received":
            assert all((c.id, state) in events for c in held), state
    # An assigned case waiting to be started, and the unassigned one "Assign to me" is for.
    assert slack_ids[by_state["triaged"][0].assignee_id] == "UINVEST1"
    assert by_state["triaged"][0].id in assigned
    assert by_state["received"][0].assignee_id is None
    resolved = by_state["resolved"][0]
    assert resolved.outcome and resolved.follow_up_due  # its follow-up is still ahead
    assert by_state["follow_up"][0].follow_up_due
    assert by_state["withdrawn"][0].status_reason
    assert by_state["out_of_scope"][0].status_reason and by_state["referred"][0].status_reason
    # The spot check: no supplier, investigated like any case.
    (spot,) = [c for c in cases if c.kind == "spot_check"]
    assert spot.reporter_id is None
    assert (spot.status, slack_ids[spot.assignee_id]) == ("investigating", "UINVEST2")


def test_msbot_local_needs_no_settings_prints_its_url_and_stops_cleanly(tmp_path):
    # Output goes to a file, not a pipe: an unread pipe fills with the demo's log lines and
    # would block the process (and its clean stop) on a write.
    output = tmp_path / "output.txt"
    with output.open("w") as sink:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("msbot")), "local", "--demo", "--port", "0"],
            cwd=tmp_path,
            env=msbot_env({}),
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        first = _url_line(output, process)  # the workspace is up once its URL is printed
        url = first.rsplit(" ", 1)[-1].strip()
        assert first.startswith("msbot local workspace: http://127.0.0.1:"), first
        with urllib.request.urlopen(url, timeout=5) as page:
            assert b"msbot local workspace" in page.read()
        with urllib.request.urlopen(url + "static/app.js", timeout=5) as script:
            assert script.status == 200
        with urllib.request.urlopen(url + "favicon.ico", timeout=5) as icon:
            assert icon.headers["Content-Type"].startswith("image/svg+xml")
        _close_a_tab_mid_answer(url)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert (tmp_path / "msbot-local.db").is_file()
    # What a person sees in their terminal: no traceback from a closed tab, and no warning
    # per demo thread line that waited a moment for its card.
    printed = output.read_text()
    assert "Traceback" not in printed, printed
    assert "BrokenPipe" not in printed, printed
    assert "not posted yet" not in printed, printed


def _close_a_tab_mid_answer(url: str) -> None:
    """A page waiting on /ui/state goes away (its tab is closed) before the answer comes."""
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    with urllib.request.urlopen(url + "ui/state", timeout=5) as first:
        version = json.loads(first.read())["version"]
    tab = socket.create_connection((host, int(port)), timeout=5)
    tab.sendall(f"GET /ui/state?since={version} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    tab.close()
    # Something changes (a person opens App Home), so the workspace answers the closed tab.
    opened = urllib.request.Request(
        url + "ui/home", data=json.dumps({"user": "ULEAD"}).encode(), method="POST"
    )
    with urllib.request.urlopen(opened, timeout=10) as answer:
        assert answer.status == 200
    with urllib.request.urlopen(url + f"ui/state?since={version}", timeout=25) as later:
        assert json.loads(later.read())["version"] != version


def _url_line(path: Path, process: subprocess.Popen, timeout: float = 60.0) -> str:
    """The line where ``process`` printed its URL to ``path`` (polled: a file has no event)."""
    deadline = time.monotonic() + timeout
    while True:
        text = path.read_text()
        for line in text.splitlines(keepends=True):
            if line.startswith("msbot local workspace:") and line.endswith("\n"):
                return line.strip()
        assert process.poll() is None, f"msbot local exited early: {text}"
        assert time.monotonic() < deadline, f"no output from msbot local: {text!r}"
        time.sleep(0.05)
