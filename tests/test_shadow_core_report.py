"""Coordinator figures (bot.shadowing.report) and the `msbot match` / `shadow-report` commands."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.clock import today_uk
from bot.db import make_engine
from bot.permissions import Actor
from bot.shadowing import placements, report, rounds
from models import ShadowPlacement, ShadowRound
from tests.test_config_and_cli import _msbot
from tests.test_shadow_core_support import (
    DWP,
    NOW,
    TODAY,
    applicant,
    host,
    reading,
)


def _known_dataset(engine) -> None:
    """U1 completed at Shelter Together after a 2-day wait, U2 offered after 4 days,
    U3 still queued, U4 awaiting approval; one piece of feedback from each side."""
    applicant(engine, "U1", queued_at=NOW)
    applicant(engine, "U2", queued_at=NOW, department=DWP, region="north_west")
    applicant(engine, "U3", queued_at=NOW + timedelta(days=1), interests=("digital",))
    applicant(engine, "U4", approve=False)
    host(engine, "UH1", organisation="Shelter Together", capacity=1)
    rounds.run_round(engine, commit=True, now=NOW + timedelta(days=2), expiry_days=7)
    host(engine, "UH2", organisation="North Hub", region="north_west", capacity=1)
    rounds.run_round(engine, commit=True, now=NOW + timedelta(days=4), expiry_days=7)
    with reading(engine) as s:
        [p] = placements.placements_for_user(s, "U1")
    for user in ("U1", "UH1"):
        placements.respond(
            engine, p.id, actor=Actor(user), accept=True, now=NOW + timedelta(days=2)
        )
    placements.schedule(
        engine,
        p.id,
        actor=Actor("U1"),
        start_date=TODAY + timedelta(days=10),
        end_date=TODAY + timedelta(days=14),
        today=TODAY + timedelta(days=3),
    )
    placements.complete(engine, p.id, actor=Actor("UH1"), today=TODAY + timedelta(days=14))
    for user, score, recommend in (("U1", 5, True), ("UH1", 3, False)):
        placements.give_feedback(
            engine,
            p.id,
            actor=Actor(user),
            worthwhile=score,
            learned="Lots",
            would_recommend=recommend,
        )


def test_report_figures_on_a_known_dataset(engine):
    _known_dataset(engine)
    with reading(engine) as s:
        r = report.build_report(s, now=NOW + timedelta(days=20))
    assert (r.queue_size, r.pending_approval, r.offered, r.matched, r.completed) == (1, 1, 1, 1, 1)
    assert r.median_wait_days == 3.0  # waits of 2 and 4 days
    assert r.by_department == {"Home Office": 3, DWP: 1}
    assert r.by_region == {"london": 3, "north_west": 1}
    assert r.by_host == {"Shelter Together": 1}
    assert r.feedback == {
        "applicant": {"count": 1, "worthwhile": 5.0, "would_recommend": 1.0},
        "host": {"count": 1, "worthwhile": 3.0, "would_recommend": 0.0},
    }
    text = report.format_report(r)
    for line in (
        "Queue: 1 waiting for an offer",
        "Awaiting line-manager approval: 1",
        "Offers open: 1",
        "Matched: 1 (completed: 1)",
        "Median wait to first offer: 3.0 days",
        "  Home Office: 3",
        "  London: 3",
        "  North West: 1",
        "  Shelter Together: 1",
        "  Civil servants: 1 response, worthwhile 5.0/5 on average, 100% would recommend",
        "  Hosts: 1 response, worthwhile 3.0/5 on average, 0% would recommend",
    ):
        assert line in text.splitlines(), (line, text)
    assert "*" not in text and "<" not in text  # plain text, no Slack markup


def test_an_empty_report(engine):
    with reading(engine) as s:
        r = report.build_report(s, now=NOW)
    assert (r.queue_size, r.matched, r.median_wait_days, r.by_host) == (0, 0, None, {})
    text = report.format_report(r)
    assert "Median wait to first offer: none yet" in text
    assert "Hosts: no responses yet" in text


def test_match_and_shadow_report_commands(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.db"
    env = {"DATABASE_URL": url, "LOG_FORMAT": "console", "SHADOW_OFFER_EXPIRY_DAYS": "5"}
    assert _msbot(["migrate"], env, tmp_path).returncode == 0
    engine = make_engine(url)
    today = today_uk()  # the commands use the real clock
    window = {"available_from": today + timedelta(days=7), "today": today}
    applicant(engine, "U1", queued_at=NOW, **window)
    applicant(engine, "U2", queued_at=NOW + timedelta(minutes=1), **window)
    host(engine, "UH1", capacity=1, available_from=today + timedelta(days=1), today=today)

    dry = _msbot(["match"], env, tmp_path)
    assert dry.returncode == 0, dry.stderr
    out = dry.stdout.splitlines()
    assert "(dry run)" in out[0]
    for line in (
        "queued: 2",
        "would match: 1",
        "unmatched: no acceptable host 0, conflict 0, capacity 1",
    ):
        assert line in out, dry.stdout
    assert not any(line.startswith("offers written") for line in out)

    done = _msbot(["match", "--commit"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "offers written: 1 (they lapse in 5 days)" in done.stdout.splitlines()

    shown = _msbot(["shadow-report"], env, tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "Offers open: 1" in shown.stdout and "Queue: 1 waiting for an offer" in shown.stdout

    with Session(engine) as s:
        statuses = s.exec(select(ShadowRound.status).order_by(ShadowRound.id)).all()
        assert statuses == ["dry_run", "committed"]
        assert len(s.exec(select(ShadowPlacement)).all()) == 1
    engine.dispose()
