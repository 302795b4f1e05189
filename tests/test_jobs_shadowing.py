"""Shadowing jobs: placements whose dates ended ask both sides for feedback once; scheduled
rounds by setting."""

from __future__ import annotations

from datetime import timedelta

from bot.bootstrap import job_registry
from bot.jobs import runner
from bot.outbox import drain
from bot.permissions import Actor
from bot.shadowing import notices, placements, rounds
from handlers.slack.app import build_services
from models import ShadowPlacement, ShadowRound
from tests.conftest import make_settings, rows
from tests.people_ids import pid
from tests.test_shadow_core_support import NOW, TODAY, applicant, host, outbox, reading


def _settings(engine, api_url="http://127.0.0.1:9/api/", **env):
    return make_settings(engine.url.render_as_string(hide_password=False), api_url, **env)


def _scheduled(engine) -> ShadowPlacement:
    applicant(engine, pid("U1"), queued_at=NOW)
    host(engine, pid("UH1"))
    rounds.run_round(engine, commit=True, now=NOW, expiry_days=7)
    with reading(engine) as s:
        [p] = placements.placements_for_user(s, pid("U1"))
    placements.respond(engine, p.id, actor=Actor(pid("U1")), accept=True, now=NOW)
    placements.respond(engine, p.id, actor=Actor(pid("UH1")), accept=True, now=NOW)
    return placements.schedule(
        engine,
        p.id,
        actor=Actor(pid("UH1")),
        start_date=TODAY + timedelta(days=10),
        end_date=TODAY + timedelta(days=14),
        today=TODAY,
    )


def test_a_placement_past_its_end_date_asks_both_sides_for_feedback_once(engine, session):
    p = _scheduled(engine)
    settings = _settings(engine)
    job = job_registry().get("placement_feedback")
    on_last_day = NOW + timedelta(days=14)
    runner.run_now(engine, settings, job, on_last_day)
    assert outbox(engine, notices.FEEDBACK_REQUEST) == []  # not over yet
    after = NOW + timedelta(days=15)
    runner.run_now(engine, settings, job, after)
    runner.run_now(engine, settings, job, after + timedelta(days=1))
    asked = outbox(engine, notices.FEEDBACK_REQUEST)
    assert sorted((m.recipient_person_id, m.data["side"]) for m in asked) == [
        (pid("U1"), "applicant"),
        (pid("UH1"), "host"),
    ]
    [done] = rows(session, ShadowPlacement)
    assert done.id == p.id and done.status == "completed"
    # feedback is now open to them
    placements.give_feedback(
        engine, p.id, actor=Actor(pid("U1")), worthwhile=5, learned="lots", would_recommend=True
    )


def test_scheduled_rounds_follow_the_setting(engine, session, stub):
    applicant(engine, pid("U1"), queued_at=NOW)
    host(engine, pid("UH1"))
    job = job_registry().get("shadow_round")
    off = _settings(engine)
    runner.run_now(engine, off, job, NOW)
    assert rows(session, ShadowRound) == []
    dry = _settings(engine, SHADOW_ROUND_MODE="dry_run", SHADOW_COORDINATOR_IDS="UCOORD1")
    runner.run_now(engine, dry, job, NOW + timedelta(seconds=1))
    [rnd] = rows(session, ShadowRound)
    assert rnd.status == "dry_run"
    assert [
        (m.recipient_person_id, m.subject_id) for m in outbox(engine, "jobs.round_summary")
    ] == [(pid("UCOORD1"), rnd.id)]
    # the coordinator gets the dry run's figures, with the button to commit it
    settings = _settings(engine, stub.url, SHADOW_COORDINATOR_IDS="UCOORD1")
    drain(engine, build_services(settings, engine).transport)
    [dm] = [c for c in stub.of("chat.postMessage") if c.args["channel"] == "DUCOORD1"]
    assert "Dry run of matching round" in dm.args["text"]
    commit = _settings(engine, SHADOW_ROUND_MODE="commit", SHADOW_COORDINATOR_IDS="UCOORD1")
    runner.run_now(engine, commit, job, NOW + timedelta(seconds=2))
    assert len(outbox(engine, notices.OFFER)) == 2
