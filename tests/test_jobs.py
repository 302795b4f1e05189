"""Scheduled jobs: each slot runs exactly once, misses are caught up or skipped, with time
driven by the test (no sleeps)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.bootstrap import job_registry
from bot.jobs import registry, runner
from bot.jobs.registry import Job, cron_trigger
from bot.outbox import LEADS_ROLE, enqueue
from models import JobRun, OutboxMessage
from tests.conftest import make_settings, rows

MONDAY_8AM_UK = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # GMT in November: 08:00 UK


@pytest.fixture
def posting_job():
    """A weekly job whose effect is one outbox row, registered for the test only."""

    def post(ctx, s):
        enqueue(s, "test.post", role=LEADS_ROLE, data={"slot": ctx.slot.isoformat()})
        return "posted"

    return Job("test_weekly", "0 8 * * 1", post, "test job")


@pytest.fixture
def failing_job():
    calls = []

    def boom(ctx, s):
        enqueue(s, "test.post", role=LEADS_ROLE)
        calls.append(ctx.slot)
        if len(calls) == 1:
            raise RuntimeError("first attempt fails")
        return "ok"

    return Job("test_flaky", "0 8 * * 1", boom, "flaky")


def settings_for(engine, jobs=(), **env):
    """Settings that also accept JOB_<NAME>_CRON for the test's own ``jobs``."""
    names = job_registry().names() | {j.name for j in jobs}
    url = engine.url.render_as_string(hide_password=False)
    return make_settings(url, "http://x/", job_names=names, **env)


def test_a_slot_fired_twice_posts_once(engine, session, posting_job):
    settings = settings_for(engine)
    now = MONDAY_8AM_UK + timedelta(seconds=2)
    assert runner.fire(engine, settings, posting_job, now) == "done"
    assert runner.fire(engine, settings, posting_job, now + timedelta(minutes=1)) == "taken"
    posts = rows(session, OutboxMessage)
    assert [p.data["slot"] for p in posts] == [MONDAY_8AM_UK.isoformat()]
    run = [r for r in rows(session, JobRun) if r.job == "test_weekly"]
    assert [(r.status, r.result) for r in run] == [("done", "posted")]


def test_cron_is_read_in_london_time(engine, posting_job):
    settings = settings_for(engine)
    summer = datetime(2026, 7, 6, 7, 0, 30, tzinfo=UTC)  # 08:00:30 BST on a Monday
    assert runner.latest_slot(registry.trigger_for(posting_job, settings), summer) == datetime(
        2026, 7, 6, 7, 0, tzinfo=UTC
    )


def test_schedule_overridden_by_env(engine, posting_job):
    settings = settings_for(engine, [posting_job], JOB_TEST_WEEKLY_CRON="30 9 * * *")
    assert registry.cron_for(posting_job, settings) == "30 9 * * *"
    trig = registry.trigger_for(posting_job, settings)
    assert trig.get_next_fire_time(None, MONDAY_8AM_UK) == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def test_missed_within_grace_runs_once_at_start(engine, session, posting_job):
    settings = settings_for(engine, JOB_GRACE_MINUTES="120")
    started = MONDAY_8AM_UK + timedelta(minutes=90)  # down at 08:00, back at 09:30
    assert runner.catch_up(engine, settings, started, jobs=[posting_job])["test_weekly"] == "done"
    # every other worker starting now finds it taken
    assert runner.catch_up(engine, settings, started, jobs=[posting_job]).get("test_weekly") is None
    assert len(rows(session, OutboxMessage)) == 1


def test_missed_beyond_grace_is_recorded_as_skipped(engine, session, posting_job):
    settings = settings_for(engine, JOB_GRACE_MINUTES="60")
    runner.fire(engine, settings, posting_job, MONDAY_8AM_UK)  # ran on the 23rd
    back = MONDAY_8AM_UK + timedelta(days=14, hours=3)  # down over two Mondays
    assert runner.catch_up(engine, settings, back, jobs=[posting_job])["test_weekly"] == "skipped"
    runs = [(r.slot, r.status) for r in rows(session, JobRun) if r.job == "test_weekly"]
    assert runs == [
        (MONDAY_8AM_UK, "done"),
        (MONDAY_8AM_UK + timedelta(days=7), "skipped"),
        (MONDAY_8AM_UK + timedelta(days=14), "skipped"),
    ]
    assert len(rows(session, OutboxMessage)) == 1


def test_after_downtime_only_the_newest_missed_slot_runs_even_within_grace(engine, session):
    # Down from 05:00 to 08:30 for an hourly job with a day's grace: four slots were missed,
    # all within grace. People get one up-to-date post (the 08:00 one), not four in a row;
    # the three older slots are recorded as skipped.
    def post(ctx, s):
        enqueue(s, "test.post", role=LEADS_ROLE, data={"slot": ctx.slot.isoformat()})
        return "posted"

    job = Job("test_hourly", "0 * * * *", post, "test job")
    settings = settings_for(engine, JOB_GRACE_MINUTES=str(24 * 60))
    four_am = MONDAY_8AM_UK - timedelta(hours=4)
    runner.fire(engine, settings, job, four_am)
    back = MONDAY_8AM_UK + timedelta(minutes=30)
    assert runner.catch_up(engine, settings, back, jobs=[job])["test_hourly"] == "done"
    runs = sorted((r.slot, r.status) for r in rows(session, JobRun) if r.job == "test_hourly")
    assert runs == [
        (four_am, "done"),
        *((four_am + timedelta(hours=h), "skipped") for h in (1, 2, 3)),
        (MONDAY_8AM_UK, "done"),
    ]
    posts = [p.data["slot"] for p in rows(session, OutboxMessage)]
    assert posts == [four_am.isoformat(), MONDAY_8AM_UK.isoformat()]


def test_a_failed_run_leaves_no_effect_and_is_retried(engine, session, failing_job):
    settings = settings_for(engine)
    assert runner.fire(engine, settings, failing_job, MONDAY_8AM_UK) == "failed"
    assert rows(session, OutboxMessage) == []  # the effect rolled back with the claim
    [run] = [r for r in rows(session, JobRun) if r.job == "test_flaky"]
    assert run.status == "failed" and "first attempt fails" in run.result
    assert runner.fire(engine, settings, failing_job, MONDAY_8AM_UK) == "done"
    assert len(rows(session, OutboxMessage)) == 1


def test_run_now_takes_a_slot_of_its_own(engine, session, posting_job):
    settings = settings_for(engine)
    runner.fire(engine, settings, posting_job, MONDAY_8AM_UK)
    later = MONDAY_8AM_UK + timedelta(hours=1, microseconds=5)
    assert runner.run_now(engine, settings, posting_job, later) == "done"
    runs = [r for r in rows(session, JobRun) if r.job == "test_weekly"]
    assert [(r.manual, r.status) for r in runs] == [(False, "done"), (True, "done")]
    statuses = runner.status(engine, settings, later, jobs=[posting_job])
    status = {j.name: j for j in statuses}["test_weekly"]
    assert status.last_status == "done" and status.next_run.date().isoformat() == "2026-11-30"


def test_racing_threads_claim_a_slot_once(engine, session, posting_job):
    settings = settings_for(engine)
    start = threading.Barrier(6)
    outcomes = []

    def race():
        start.wait()
        outcomes.append(runner.fire(engine, settings, posting_job, MONDAY_8AM_UK))

    threads = [threading.Thread(target=race) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["done"] + ["taken"] * 5
    with session.get_bind().connect() as conn:
        n = conn.execute(select(OutboxMessage.id)).all()
    assert len(n) == 1


def test_every_registered_job_has_a_valid_schedule(engine):
    settings = settings_for(engine)
    jobs = job_registry().all()
    assert {"pruning", "shadow_offer_expiry"} <= {j.name for j in jobs}
    for job in jobs:
        assert registry.trigger_for(job, settings).get_next_fire_time(None, MONDAY_8AM_UK)


def test_bad_cron_override_is_refused():
    from bot.config import ConfigError

    with pytest.raises(ConfigError) as err:
        make_settings("sqlite://", "http://x/", JOB_PRUNING_CRON="every tuesday")
    assert "JOB_PRUNING_CRON" in str(err.value)


def test_a_misspelled_job_schedule_is_a_settings_error_naming_the_jobs():
    from bot.config import ConfigError

    with pytest.raises(ConfigError) as err:
        make_settings("sqlite://", "http://x/", JOB_WEEKLYDIGEST_CRON="0 9 * * 1")
    [problem] = err.value.problems
    assert problem.startswith("JOB_WEEKLYDIGEST_CRON names no job.")
    assert "JOB_WEEKLY_DIGEST_CRON" in problem and "JOB_PRUNING_CRON" in problem


@pytest.mark.parametrize(
    ("cron", "why"),
    [
        ("0 8 * * 1-9", "'9' is not a weekday"),  # was an IndexError: the bot did not start
        ("0 8 * * 9", "'9' is not a weekday"),  # was read as Monday
        ("0 8 * * 1-5/0", "a step must be"),  # the step was dropped
        ("0 8 31 2 *", "never fires"),  # would silently never run
        ("0 8 * * 5-1", "from the lower day"),
    ],
)
def test_a_malformed_schedule_is_a_settings_error_naming_the_variable(cron, why):
    from bot.config import ConfigError

    with pytest.raises(ConfigError) as err:
        make_settings("sqlite://", "http://x/", JOB_WEEKLY_DIGEST_CRON=cron)
    [problem] = err.value.problems
    assert problem.startswith(f"JOB_WEEKLY_DIGEST_CRON={cron!r} is not a cron schedule")
    assert why in problem


def test_msbot_refuses_to_start_with_an_unknown_job_schedule(tmp_path):
    import subprocess
    import sys

    from tests.processes import msbot_env

    env = msbot_env(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/m.db", "JOB_WEEKLYDIGEST_CRON": "0 9 * * 1"}
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "jobs"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "JOB_WEEKLYDIGEST_CRON names no job" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_lists_jobs_and_runs_one(tmp_path):
    import subprocess
    import sys

    from tests.processes import msbot_env

    env = msbot_env({"DATABASE_URL": f"sqlite:///{tmp_path}/m.db", "LOG_FORMAT": "console"})

    def msbot(*args):
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert msbot("migrate").returncode == 0
    ran = msbot("run-job", "pruning")
    assert ran.returncode == 0 and "pruning: done" in ran.stdout, ran.stderr
    listed = msbot("jobs")
    assert listed.returncode == 0, listed.stderr
    assert "weekly_digest" in listed.stdout and "schedule: 0 8 * * 1" in listed.stdout
    pruning = listed.stdout.split("pruning:")[1].split("\n\n")[0]
    assert "last: " in pruning and " done (delivery keys 0" in pruning
    unknown = msbot("run-job", "nope")
    assert unknown.returncode == 2 and "No job called 'nope'" in unknown.stderr


# --- properties of the schedules ----------------------------------------------------------


CRONS = ["0 8 * * 1", "*/5 * * * *", "17 * * * *", "30 8 * * 1-5", "0 0 1 * *", "0 9 * * 3"]


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(0, 7), min_size=1, max_size=8))
def test_weekday_numbers_mean_what_cron_means(days):
    trig = cron_trigger(f"0 12 * * {','.join(map(str, sorted(days)))}")
    fires, t = set(), datetime(2026, 11, 23, tzinfo=UTC)  # a Monday
    for _ in range(7):
        t = trig.get_next_fire_time(None, t)
        fires.add((t.weekday() + 1) % 7)  # cron numbering: Sunday 0
        t += timedelta(hours=1)
    assert fires == {d % 7 for d in days}


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.integers(0, 7), st.integers(0, 7), st.integers(1, 7))
def test_weekday_ranges_and_steps_mean_what_cron_means(lo, hi, step):
    lo, hi = min(lo, hi), max(lo, hi)
    trig = cron_trigger(f"0 12 * * {lo}-{hi}/{step}")
    fires, t = set(), datetime(2026, 11, 23, tzinfo=UTC)  # a Monday
    for _ in range(7):
        t = trig.get_next_fire_time(None, t)
        fires.add((t.weekday() + 1) % 7)  # cron numbering: Sunday 0
        t += timedelta(hours=1)
    assert fires == {d % 7 for d in range(lo, hi + 1, step)}


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(CRONS),
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
)
def test_the_latest_slot_is_the_last_fire_time_not_after_now(cron, naive):
    now = naive.replace(tzinfo=UTC)
    trig = cron_trigger(cron)
    slot = runner.latest_slot(trig, now)
    assert slot is not None and slot <= now
    assert trig.get_next_fire_time(None, slot + timedelta(seconds=1)) > now


def test_the_scheduler_fires_each_job_on_its_trigger_and_catches_up_at_start(engine, session):
    from bot.scheduler import start_scheduler

    settings = settings_for(engine, JOB_PRUNING_CRON="0 3 * * *")
    kicked = threading.Event()
    scheduler = start_scheduler(
        engine, settings, kick=kicked.set, clock=lambda: MONDAY_8AM_UK, jobs=job_registry()
    )
    try:
        jobs = {j.id: j for j in scheduler.get_jobs()}
        assert {j.name for j in job_registry().all()} <= set(jobs)
        assert "hour='3'" in str(jobs["pruning"].trigger)
        # The catch-up runs at once on the scheduler's thread, with the injected clock, and
        # wakes the outbox worker when it has run something.
        assert kicked.wait(10)
    finally:
        scheduler.shutdown(wait=True)
    runs = {r.job: r for r in rows(session, JobRun)}
    # 03:00 today is within the default 6-hour grace at 08:00: it ran, as that slot
    assert runs["pruning"].slot == datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    assert runs["pruning"].status == "done"
