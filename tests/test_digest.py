"""The weekly digest and the daily nudges: figures, what reaches Slack, nothing twice."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from bot import outbox
from bot.bootstrap import job_registry
from bot.clock import today_uk
from bot.jobs import notices, runner
from bot.reports.digest import build_digest
from bot.reports.digest_text import digest_text
from handlers.slack.app import build_services
from models import Complaint, ComplaintEvent, OutboxMessage
from tests.conftest import make_settings, rows
from tests.people_ids import pid, slack_id
from tests.reports_fixture import A_LEAD, add_case

LEADS = "CLEADS01"
# Thursday 4 December 2025, 09:00 UK (GMT)
NOW = datetime(2025, 12, 4, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


def settings_for(engine, stub_url="http://127.0.0.1:9/api/", **env):
    url = engine.url.render_as_string(hide_password=False)
    return make_settings(url, stub_url, LEADS_CHANNEL_ID=LEADS, **env)


def week_of_cases(engine):
    # new this week (1-4 Dec; the digest week is the 7 days to today: 28 Nov - 4 Dec)
    add_case(
        engine,
        received_on=date(2025, 12, 1),
        status="received",
        organisation_type="vcse",
        due_date=date(2026, 2, 2),
    )
    add_case(
        engine,
        received_on=date(2025, 11, 28),
        status="investigating",
        assignee_id=pid("UINV1"),
        due_date=date(2026, 1, 28),
    )
    # overdue, open
    add_case(
        engine,
        received_on=date(2025, 8, 1),
        status="investigating",
        assignee_id=pid("UINV1"),
        due_date=date(2025, 10, 1),
    )
    # awaiting the authority, reply overdue
    add_case(
        engine,
        received_on=date(2025, 10, 1),
        status="awaiting_authority",
        assignee_id=pid("UINV2"),
        due_date=date(2026, 1, 5),
        authority_reply_due=date(2025, 12, 1),
    )
    # resolved this week: positive with money, and not upheld
    add_case(
        engine,
        received_on=date(2025, 9, 1),
        status="resolved",
        due_date=date(2025, 12, 1),
        resolved_on=date(2025, 12, 2),
        outcome="money_released",
        money_released_pence=12_345,
        authority_kind="central",
    )
    add_case(
        engine,
        received_on=date(2025, 9, 2),
        status="closed",
        due_date=date(2025, 12, 2),
        resolved_on=date(2025, 12, 2),
        outcome="not_upheld",
        authority_kind="wider",
        category="evaluation",
    )


def test_digest_figures(engine):
    week_of_cases(engine)
    with Session(engine) as s:
        f = build_digest(s, actor=A_LEAD, today=TODAY, now=NOW, threshold=1)  # nothing withheld
    assert f["new_cases"] == 2
    assert f["open_by_status"] == {
        "investigating": 2,
        "awaiting_authority": 1,
        "received": 1,
        "resolved": 1,
    }
    assert f["overdue"] == 1
    assert f["authority_replies_overdue"] == 1
    assert (f["resolved"], f["outcomes"], f["share_positive"]) == (
        2,
        {"money_released": 1, "not_upheld": 1},
        0.5,
    )
    assert f["money_released_pence"] == {"week": 12_345, "year": 12_345}
    assert f["year_cases_from_suppliers"] == 6
    assert (f["share_voluntary"], f["share_sme"]) == (round(1 / 6, 3), round(5 / 6, 3))
    assert f["top_categories"] == {"late_payment": 5, "evaluation": 1}
    # the money_released case was resolved a day after its target; the other on the day
    assert f["target"]["central"] == {"resolved": 1, "on_time": 0, "share": 0.0}
    assert f["target"]["wider"] == {"resolved": 1, "on_time": 1, "share": 1.0}
    assert f["undeliverable_messages"] == 0
    assert f["shadowing"]["queue"] == 0
    assert sum(f["chart"]["by_month"]["2025-12"].values()) == 1
    json.dumps(f)  # stored on the outbox row as it is


def test_digest_withholds_small_counts_and_what_would_give_them_away(engine):
    week_of_cases(engine)
    with Session(engine) as s:
        f = build_digest(s, actor=A_LEAD, today=TODAY, now=NOW, threshold=3)
    # Two outcomes of one case each: the total of 2 would pin both down.
    assert f["outcomes"] == {"money_released": "withheld", "not_upheld": "withheld"}
    assert f["resolved"] == "withheld" and f["share_positive"] == "withheld"
    # 1 voluntary-sector supplier of 6: its complement (5 SMEs) is withheld with it, so
    # neither share is published; the total of 6 is.
    assert f["year_cases_from_suppliers"] == 6
    assert f["share_voluntary"] == "withheld" and f["share_sme"] == "withheld"
    assert f["top_categories"] == {"late_payment": "withheld", "evaluation": "withheld"}
    assert f["target"]["central"]["share"] == "withheld"
    # The team's own workload is shown as it is.
    assert f["new_cases"] == 2 and f["overdue"] == 1
    text = digest_text(f)
    assert "Resolved: withheld" in text and "Share positive: withheld" in text
    assert "cannot be worked out from the others" in text


def test_weekly_digest_posts_figures_and_a_chart_once(engine, session, stub):
    week_of_cases(engine)
    settings = settings_for(engine, stub.url)
    job = job_registry().get("weekly_digest")
    monday = datetime(2025, 12, 1, 8, 0, 5, tzinfo=UTC)
    assert runner.fire(engine, settings, job, monday) == "done"
    assert runner.fire(engine, settings, job, monday + timedelta(minutes=3)) == "taken"
    services = build_services(settings, engine)
    assert outbox.drain(engine, services.transport) == 2
    [post] = stub.of("chat.postMessage")
    assert post.args["channel"] == LEADS
    assert "Weekly digest" in post.args["text"]
    blocks = json.dumps(post.args["blocks"])
    assert "New cases" in blocks and "could not be delivered" in blocks
    [complete] = stub.of("files.completeUploadExternal")
    assert complete.args["channel_id"] == LEADS
    [url_call] = stub.of("files.getUploadURLExternal")
    assert url_call.args["alt_txt"].startswith("Bar chart of cases received per month")
    [png] = stub.uploads.values()
    assert png.startswith(b"\x89PNG")


def test_no_leads_channel_means_nothing_posted(engine, session):
    settings = make_settings(engine.url.render_as_string(hide_password=False), "http://x/")
    out = runner.run_now(engine, settings, job_registry().get("weekly_digest"), NOW)
    assert out == "done" and rows(session, OutboxMessage) == []


def test_a_teams_only_service_still_gets_its_digest(engine, session):
    """The leads' conversation may be in Teams alone: the job queues the digest to the leads'
    role (the Teams front end posts it; tests/test_teams_digest.py draws the card)."""
    url = engine.url.render_as_string(hide_password=False)
    settings = make_settings(url, "http://x/", TEAMS_LEADS_CONVERSATION_ID="19:leads@thread.tacv2")
    assert settings.leads_destination == "TEAMS_LEADS_CONVERSATION_ID=19:leads@thread.tacv2"
    week_of_cases(engine)
    assert runner.run_now(engine, settings, job_registry().get("weekly_digest"), NOW) == "done"
    queued = rows(session, OutboxMessage)
    assert {m.recipient_role for m in queued} == {outbox.LEADS_ROLE}
    assert notices.DIGEST in {m.kind for m in queued}


def test_investigators_get_one_reminder_a_day_only_when_they_have_cases(engine, session, stub):
    week_of_cases(engine)
    # UINV3's only case is far from due: no DM for them
    add_case(
        engine,
        received_on=date(2025, 12, 1),
        status="investigating",
        assignee_id=pid("UINV3"),
        due_date=date(2026, 2, 2),
    )
    settings = settings_for(engine, stub.url)
    job = job_registry().get("investigator_reminders")
    assert runner.run_now(engine, settings, job, NOW) == "done"
    assert runner.run_now(engine, settings, job, NOW + timedelta(hours=2)) == "done"
    dms = [m for m in rows(session, OutboxMessage) if m.kind == "jobs.investigator_cases"]
    assert [slack_id(m.recipient_person_id) for m in dms] == ["UINV1"]
    assert [ref for ref, _ in dms[0].data["overdue"]] and dms[0].data["due_soon"] == []
    # the next day they are reminded again
    runner.run_now(engine, settings, job, NOW + timedelta(days=1))
    dms = [m for m in rows(session, OutboxMessage) if m.kind == "jobs.investigator_cases"]
    assert len(dms) == 2
    services = build_services(settings, engine)
    outbox.drain(engine, services.transport)
    post = stub.of("chat.postMessage")[0]
    assert "overdue" in post.args["text"] and post.args["channel"] == "DUINV1"


def test_authority_reply_reminder_once_a_day(engine, session, stub):
    week_of_cases(engine)
    settings = settings_for(engine, stub.url)
    job = job_registry().get("case_reminders")
    runner.run_now(engine, settings, job, NOW)
    runner.run_now(engine, settings, job, NOW + timedelta(minutes=5))
    sent = [m for m in rows(session, OutboxMessage) if m.kind == "jobs.case_reminder"]
    assert [(slack_id(m.recipient_person_id), m.data["what"]) for m in sent] == [
        ("UINV2", "authority_reply")
    ]


def test_follow_ups_that_came_due_move_through_the_state_machine(engine, session):
    case_id = add_case(
        engine,
        received_on=date(2025, 9, 1),
        status="resolved",
        resolved_on=date(2025, 10, 1),
        outcome="live_change",
        follow_up_due=TODAY,
        assignee_id=pid("UINV1"),
    )
    later = add_case(
        engine, status="resolved", resolved_on=date(2025, 10, 1), follow_up_due=date(2026, 3, 1)
    )
    settings = settings_for(engine)
    runner.run_now(engine, settings, job_registry().get("follow_ups_due"), NOW)
    runner.run_now(engine, settings, job_registry().get("case_reminders"), NOW)
    with Session(engine) as s:
        moved = s.get(Complaint, case_id)
        assert moved.status == "follow_up" and s.get(Complaint, later).status == "resolved"
        [event] = s.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == case_id)).all()
    assert event.kind == "transition" and event.data["action"] == "follow_up"
    assert slack_id(event.actor_id) is None  # the system, not a person
    reminded = [m for m in rows(session, OutboxMessage) if m.kind == "jobs.case_reminder"]
    assert [(slack_id(m.recipient_person_id), m.data["what"]) for m in reminded] == [
        ("UINV1", "follow_up")
    ]


def test_cli_prints_the_digest_and_queues_it_once_per_run(tmp_path):
    import subprocess
    import sys

    from tests.databases import migrated_engine
    from tests.processes import msbot_env

    url = f"sqlite:///{tmp_path}/m.db"
    db = migrated_engine(url)
    add_case(db, received_on=today_uk(), status="received")

    def msbot(*args, **env):
        return subprocess.run(
            [sys.executable, "-m", "bot", "digest", *args],
            env=msbot_env({"DATABASE_URL": url, "LOG_FORMAT": "console", **env}),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )

    printed = msbot()
    assert printed.returncode == 0, printed.stderr
    assert "New cases: 1" in printed.stdout and "Work shadowing" in printed.stdout
    nowhere = msbot("--send")
    assert nowhere.returncode == 2 and "LEADS_CHANNEL_ID" in nowhere.stderr
    sent = msbot("--send", LEADS_CHANNEL_ID=LEADS)
    assert sent.returncode == 0, sent.stderr
    assert f"digest queued to LEADS_CHANNEL_ID={LEADS}: done" in sent.stdout
    with Session(db) as s:
        kinds = [m.kind for m in s.exec(select(OutboxMessage)).all()]
    db.dispose()
    assert kinds == ["jobs.digest", "jobs.digest_chart"]
