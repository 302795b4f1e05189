"""Related cases grouped per procurement (issue 13): the same work for each new case however
large its group, grouping after the commit exactly once (after a crash, with two sweeps at
once, with concurrent submissions), bounded cards and views, and an anonymous filer never
exposed. Both databases."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot import bootstrap, outbox
from bot.bootstrap import job_registry
from bot.complaints import intake, investigation, notices, related, views
from bot.jobs import runner
from bot.permissions import Actor
from handlers.slack.app import make_client, renderers
from handlers.slack.complaints import case_card
from handlers.slack.transport import SlackTransport, role_channels
from models import CaseLink, Complaint, ComplaintEvent, JobRun, OutboxMessage, ProcurementGroup
from models.base import utcnow
from tests import databases, forms
from tests.conftest import TODAY, make_settings, rows
from tests.people_ids import pid
from tests.test_investigation_core import INVESTIGATOR, LEAD, NOW, POLICY, form, new_case

THREAD, REFRESH = notices.THREAD_POST, notices.CARD_REFRESH
ON_RECEIPT = [intake.RECEIVED_DM, intake.TRIAGE_CARD]
ON_JOINING = [THREAD, THREAD, REFRESH, REFRESH]


def stored_only(engine, n: int, **overrides) -> Complaint:
    """A submission committed and acknowledged, its grouping never run: as if the process
    died between the commit and the after-ack work."""
    return intake.submit(
        engine,
        form(**overrides),
        actor=Actor(pid(f"U{n:04d}")),
        submission_key=f"VPEND{n}",
        today=TODAY,
        policy=POLICY,
    ).complaint


def fresh(engine, case_id: int) -> Complaint:
    with Session(engine) as s:
        return s.get(Complaint, case_id)


def of_kind(session, kind: str) -> list[OutboxMessage]:
    return [m for m in rows(session, OutboxMessage) if m.kind == kind]


def events(session, kind: str) -> list[ComplaintEvent]:
    return [e for e in rows(session, ComplaintEvent) if e.kind == kind]


def test_each_new_case_adds_the_same_rows_and_thread_lines_however_large_its_group(engine, session):
    n = 15
    cases: list[Complaint] = []
    for i in range(n):
        before = len(rows(session, OutboxMessage))
        case = new_case(engine, reporter=pid(f"U{i:03d}"), anonymous=i % 2 == 1)
        added = rows(session, OutboxMessage)[before:]
        if not cases:  # the first case starts the group: nothing more than its receipt
            assert sorted(m.kind for m in added) == sorted(ON_RECEIPT)
        else:
            root = cases[0]
            assert sorted(m.kind for m in added) == sorted(ON_RECEIPT + ON_JOINING)
            lines = {
                (m.subject_id, m.data["event"], m.data["size"]) for m in added if m.kind == THREAD
            }
            assert lines == {(case.id, "grouped", i + 1), (root.id, "joined", i + 1)}
            assert {m.subject_id for m in added if m.kind == REFRESH} == {case.id, root.id}
        cases.append(case)
    every = rows(session, OutboxMessage)
    assert len(every) == 2 + 6 * (n - 1)  # linear: 6 rows per case after the first
    assert len(of_kind(session, THREAD)) == 2 * (n - 1)
    assert rows(session, CaseLink) == []
    [group] = rows(session, ProcurementGroup)
    assert group.root_id == cases[0].id
    assert {c.group_id for c in rows(session, Complaint)} == {group.id}
    # The audit trail grows by one event per joining case, on that case: the first case's
    # timeline does not grow with its group.
    assert len(events(session, "grouped")) == n - 1
    assert [e.kind for e in rows(session, ComplaintEvent) if e.complaint_id == cases[0].id] == [
        "received"
    ]
    # Thread lines name references only, never who raised a case.
    for m in of_kind(session, THREAD):
        assert set(m.data) == {"event", "reference", "size"}


def test_a_case_a_crash_left_ungrouped_is_grouped_once_by_the_sweep(engine, session, monkeypatch):
    first = new_case(engine)
    pending = [stored_only(engine, i) for i in range(3)]
    assert all(fresh(engine, c.id).grouped_at is None for c in pending)
    # A crash half way through grouping: its claim rolls back with its effects.
    half = stored_only(engine, 3)

    def crash(*args, **kwargs):
        raise RuntimeError("killed mid-grouping")

    monkeypatch.setattr(related.notices, "refresh_card", crash)
    with pytest.raises(RuntimeError):
        related.group_case(engine, half.id)
    monkeypatch.undo()
    assert fresh(engine, half.id).grouped_at is None and fresh(engine, half.id).group_id is None
    assert len(rows(session, OutboxMessage)) == 2 * 5 and events(session, "grouped") == []

    # The scheduled sweep (a claimed job slot) groups all four, each once.
    settings = make_settings(engine.url.render_as_string(hide_password=False), "http://x/")
    job = job_registry().get("case_grouping")
    slot = datetime(2026, 11, 20, 12, 5, tzinfo=UTC)
    assert runner.run_slot(engine, settings, job, slot, slot) == "done"
    [run] = [r for r in rows(session, JobRun) if r.job == "case_grouping"]
    assert run.result == "cases grouped 4"
    for case in [*pending, half]:
        stored = fresh(engine, case.id)
        assert stored.group_id == first.group_id and stored.grouped_at is not None
    assert len(events(session, "grouped")) == 4
    assert len(rows(session, OutboxMessage)) == 2 * 5 + 4 * 4
    # Nothing more from a second sweep, another slot, or the request's own after-ack work.
    before = (len(rows(session, OutboxMessage)), len(rows(session, ComplaintEvent)))
    assert related.group_pending(engine) == 0
    assert runner.run_slot(engine, settings, job, slot + timedelta(minutes=5), slot) == "done"
    assert not related.group_case(engine, pending[0].id)
    assert (len(rows(session, OutboxMessage)), len(rows(session, ComplaintEvent))) == before


def test_two_sweeps_at_once_group_each_case_once(engine, session):
    first = new_case(engine)
    pending = [stored_only(engine, i) for i in range(12)]
    start = threading.Barrier(2)

    def sweep(_):
        start.wait(10)
        return related.group_pending(engine)

    with ThreadPoolExecutor(2) as pool:
        grouped = list(pool.map(sweep, range(2)))
    assert sum(grouped) == 12
    assert sorted(e.complaint_id for e in events(session, "grouped")) == [c.id for c in pending]
    assert len(of_kind(session, THREAD)) == 24
    assert len(rows(session, OutboxMessage)) == 2 * 13 + 4 * 12
    assert {fresh(engine, c.id).group_id for c in pending} == {first.group_id}
    assert related.group_pending(engine) == 0


@pytest.mark.parametrize(
    "reference, titles",
    [
        ("NF-2026-01", ["National care framework"]),
        # No reference: only the per-authority lock keeps near-identical titles in one group.
        (
            None,
            ["National care framework 2026", "national care framework", "Care framework, national"],
        ),
    ],
)
def test_concurrent_submissions_about_one_procurement_end_in_one_group(
    engine, session, reference, titles
):
    n, workers = 24, 8
    start = threading.Barrier(workers)

    def submit_and_group(i: int) -> int:
        case = stored_only(
            engine, i, procurement_reference=reference, procurement_title=titles[i % len(titles)]
        )
        start.wait(30)  # every worker's case is stored; now all group at once
        related.group_case(engine, case.id)
        return case.id

    with ThreadPoolExecutor(workers) as pool:
        ids = list(pool.map(submit_and_group, range(n)))
    [group] = rows(session, ProcurementGroup)
    members = [c for c in rows(session, Complaint) if c.group_id == group.id]
    assert sorted(c.id for c in members) == sorted(ids)
    grouped = Counter(e.complaint_id for e in events(session, "grouped"))
    assert sorted(grouped) == sorted(set(ids) - {group.root_id}) and set(grouped.values()) == {1}
    joined = [m for m in of_kind(session, THREAD) if m.data["event"] == "joined"]
    assert {m.subject_id for m in joined} == {group.root_id} and len(joined) == n - 1
    assert sorted(m.data["size"] for m in joined) == list(range(2, n + 1))


def related_field(session, case: Complaint) -> str | None:
    _, blocks = case_card.card(views.case_view(session, case.id))
    for block in blocks:
        for field in block.get("fields", []):
            if field["text"].startswith("*Related cases*\n"):
                return field["text"].removeprefix("*Related cases*\n")
    return None


def test_cards_and_views_show_the_groups_size_and_a_few_references(engine, session):
    cases = [new_case(engine, reporter=pid(f"U{i}")) for i in range(6)]
    refs = [c.reference for c in cases]
    other = new_case(engine, authority_name="Another Council")
    assert investigation.link(engine, refs[4], other.reference, INVESTIGATOR, NOW)
    with Session(engine) as s:
        root_text = related_field(s, s.get(Complaint, cases[0].id))
        later_text = related_field(s, s.get(Complaint, cases[4].id))
        other_text = related_field(s, s.get(Complaint, other.id))
        later = views.case_view(s, cases[4].id, INVESTIGATOR)
        home = views.home_view(s, LEAD, TODAY)
    assert root_text == f"Same procurement (6 cases): {refs[1]}, {refs[2]}, {refs[3]} and 2 more"
    assert later_text == (
        f"Same procurement (6 cases): {refs[0]}, {refs[1]}, {refs[2]} and 2 more\n"
        f"Linked: {other.reference}"
    )
    assert other_text == f"Linked: {refs[4]}"
    assert later.group_size == 6 and later.related_more == 2
    assert later.related == (refs[0], refs[1], refs[2], other.reference)
    listed = home.team_by_status["received"]
    assert len(listed) == 7 and all(len(v.related) <= 6 for v in listed)
    assert {v.reference: v.group_size for v in listed}[other.reference] == 1


def test_a_big_group_still_costs_views_a_handful_of_rows(engine, session):
    for i in range(40):
        new_case(engine, reporter=pid(f"U{i}"))
    with Session(engine) as s:
        home = views.home_view(s, LEAD, TODAY)
    listed = home.team_by_status["received"]
    assert len(listed) == 40
    assert all(v.group_size == 40 and v.related_more == 36 for v in listed)
    assert all(len(v.related) == 3 for v in listed)


def test_link_and_unlink_by_hand_still_work_beside_groups(engine, session):
    a, b, c = (new_case(engine, reporter=pid(f"U{i}")) for i in range(3))
    elsewhere = new_case(engine, authority_name="Another Council")
    assert investigation.link(engine, elsewhere.reference, b.reference, INVESTIGATOR, NOW)
    assert not investigation.link(engine, b.reference, c.reference, INVESTIGATOR, NOW)  # grouped
    assert investigation.unlink(engine, b.reference, elsewhere.reference, INVESTIGATOR, NOW)
    assert rows(session, CaseLink) == []
    # c leaves the group (the group's first case, a, never does).
    assert investigation.unlink(engine, c.reference, a.reference, INVESTIGATOR, NOW)
    assert fresh(engine, c.id).group_id is None and fresh(engine, a.id).group_id == a.group_id
    unlinked = [(m.subject_id, m.data["reference"]) for m in of_kind(session, THREAD)][-2:]
    assert sorted(unlinked) == sorted([(c.id, a.reference), (a.id, c.reference)])
    # Now apart, they can be linked by hand like any two cases.
    assert investigation.link(engine, a.reference, c.reference, INVESTIGATOR, NOW)
    with Session(engine) as s:
        assert views.case_view(s, c.id).related == (a.reference,)
        assert views.case_view(s, a.id).group_size == 2


def deliver_everything(engine, stub) -> None:
    url = engine.url.render_as_string(hide_password=False)
    settings = make_settings(url, stub.url)
    transport = SlackTransport(
        make_client(settings),
        renderers(),
        role_channels(settings),
        after_sent=bootstrap.after_sent_hooks(),
        threaded_kinds=bootstrap.threaded_kinds(),
    )
    for hours in range(1, 30):  # messages waiting for their card are retried later
        outbox.drain(engine, transport, pace=0, now=utcnow() + timedelta(hours=hours))
        if all(m.status != "pending" for m in rows_of(engine)):
            return
    raise AssertionError([m for m in rows_of(engine) if m.status == "pending"])


def rows_of(engine) -> list[OutboxMessage]:
    with Session(engine) as s:
        return list(s.exec(select(OutboxMessage)))


def rows_of_groups(engine) -> list[ProcurementGroup]:
    with Session(engine) as s:
        return list(s.exec(select(ProcurementGroup)))


def test_an_anonymous_case_in_a_group_never_exposes_its_filer(engine, session, stub):
    logged: list[dict] = []

    def keep(_logger, _name, event: dict):
        logged.append(dict(event))
        raise structlog.DropEvent

    structlog.configure(processors=[structlog.contextvars.merge_contextvars, keep])
    try:
        # Anonymous as a member of a group, and as the first case of another.
        named = new_case(engine, reporter=pid("UNAMED1"))
        hidden = new_case(
            engine,
            reporter=pid("UHIDDEN1"),
            anonymous=True,
            organisation_name="Secret Supplier Ltd",
        )
        first_hidden = new_case(
            engine,
            reporter=pid("UHIDDEN2"),
            anonymous=True,
            organisation_name="Quiet Trust",
            procurement_reference="OTHER-9",
            procurement_title="Road maintenance",
        )
        joiner = new_case(
            engine,
            reporter=pid("UNAMED2"),
            procurement_reference="OTHER-9",
            procurement_title="Roads",
        )
        deliver_everything(engine, stub)
    finally:
        structlog.reset_defaults()
    assert hidden.group_id == named.group_id and joiner.group_id == first_hidden.group_id
    secrets = {
        "UHIDDEN1": ("Secret Supplier Ltd", hidden.reference),
        "UHIDDEN2": ("Quiet Trust", first_hidden.reference),
    }
    calls = stub.of("chat.postMessage") + stub.of("chat.update")
    assert len(stub.of("chat.postMessage")) == 4 + 4 + 4  # DMs, cards, thread lines
    for call in calls:
        text = json.dumps(call.args)
        for user, (organisation, _) in secrets.items():
            if call.args.get("channel") != f"D{user}":  # their own DM may say anything
                assert user not in text and organisation not in text, text
    lines = [json.dumps(c.args) for c in calls if c.args.get("thread_ts")]
    assert any(hidden.reference in line for line in lines)  # the group is told of the case
    assert any(
        f"{joiner.reference} is about the same procurement: 2 cases in this group now" in line
        for line in lines
    )
    assert any(
        f"joins the group first raised as {first_hidden.reference}" in line for line in lines
    )
    for event in logged:
        line = json.dumps(event, default=str)
        for user, (_, reference) in secrets.items():
            assert not (user in line and reference in line), line


def test_submissions_in_slack_are_grouped_after_the_ack(slack, session):
    replies = [
        slack.view_submission("complaint_form", forms.complaint(), user=user)
        for user in ("U100", "U200", "U300")
    ]
    assert all(r.json()["response_action"] == "update" for r in replies)
    deadline = time.monotonic() + 10
    while not all(c.grouped_at for c in rows(session, Complaint)):  # the after-commit thread
        assert time.monotonic() < deadline, rows(session, Complaint)
        time.sleep(0.02)
    cases = rows(session, Complaint)
    [group] = rows(session, ProcurementGroup)
    assert [c.group_id for c in cases] == [group.id] * 3 and group.root_id == cases[0].id
    kinds = Counter(m.kind for m in rows(session, OutboxMessage))
    assert kinds == Counter({intake.RECEIVED_DM: 3, intake.TRIAGE_CARD: 3, THREAD: 4, REFRESH: 4})


AUTHORITIES = ["Borsetshire Council", "borsetshire  COUNCIL", "Felpersham Council"]
REFERENCES = [None, "BC-1", "bc-1 ", "BC-2"]
TITLES = ["Youth services", "youth services framework", "Roads", "Road maintenance 2026"]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    drawn=st.lists(
        st.tuples(
            st.sampled_from(AUTHORITIES), st.sampled_from(REFERENCES), st.sampled_from(TITLES)
        ),
        min_size=1,
        max_size=8,
    ),
    data=st.data(),
)
def test_any_cases_in_any_grouping_order_are_each_grouped_once_at_constant_cost(
    engine, drawn, data
):
    databases.wipe(engine)
    ids = [
        stored_only(engine, i, authority_name=a, procurement_reference=r, procurement_title=t).id
        for i, (a, r, t) in enumerate(drawn)
    ]
    order = data.draw(st.permutations(ids))  # after-ack work and sweeps finish in any order
    for case_id in order:
        keys = {(g.authority_key, g.reference_key): g.id for g in rows_of_groups(engine)}
        outbox_before = len(rows_of(engine))
        assert related.group_case(engine, case_id)
        assert not related.group_case(engine, case_id)
        case = fresh(engine, case_id)
        authority, reference = related.group_key(case)
        [group] = [g for g in rows_of_groups(engine) if g.id == case.group_id]
        started = group.root_id == case.id
        assert group.authority_key == authority
        if reference and (authority, reference) in keys:
            assert case.group_id == keys[(authority, reference)]
        added = sorted(rows_of(engine), key=lambda m: m.id)[outbox_before:]
        assert sorted(m.kind for m in added) == ([] if started else sorted(ON_JOINING))
    keyed = [(g.authority_key, g.reference_key) for g in rows_of_groups(engine) if g.reference_key]
    assert len(keyed) == len(set(keyed))
    assert related.group_pending(engine) == 0
