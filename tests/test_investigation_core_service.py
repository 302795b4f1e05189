"""The case service: assignment races, thread notes, the supplier relay, privacy, deadlines,
related cases, spot checks, follow-ups and faults (core only, both databases)."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import event, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select
from structlog.testing import capture_logs

from bot import bootstrap, conversations, outbox
from bot.complaints import deadlines, intake, investigation, related_view
from bot.complaints.investigation import AlreadyAssigned
from bot.db import make_engine, transaction
from bot.errors import InvalidTransition, NotFound, NotPermitted, StoreUnavailable
from bot.permissions import Actor
from models import CaseLink, CaseNote, Complaint, ComplaintEvent, OutboxMessage, PostedMessage
from tests import databases, people_ids
from tests.conftest import TODAY, TRIAGE, rows
from tests.people_ids import pid
from tests.test_investigation_core import (
    DETAILS,
    INVESTIGATOR,
    INVESTIGATOR_2,
    LEAD,
    NOW,
    OWNER,
    POLICY,
    REPORTER,
    STRANGER,
    form,
    new_case,
)

PLATFORM = "test"


class Transport:
    """Stands in for a front end at the outbox boundary: every message 'posts', a role's to
    TRIAGE, DMs into one DM channel per user, with increasing ids (a card update too)."""

    platform = PLATFORM

    def __init__(self):
        self.sent: list[OutboxMessage] = []
        self._ts = 1700000000
        # What the core records once a row is sent, from the composition root.
        self.after_sent = bootstrap.after_sent_hooks()
        self.threaded_kinds = bootstrap.threaded_kinds()

    def render(self, session, msg):
        return None

    def deliver(self, msg, rendered):
        self.sent.append(msg)
        self._ts += 1
        channel = TRIAGE if msg.recipient_role else f"D{msg.recipient_person_id}"
        return outbox.Sent(PLATFORM, channel, f"{self._ts}.000100")


def deliver_all(engine) -> Transport:
    transport = Transport()
    while outbox.drain(engine, transport, now=datetime.now(UTC) + timedelta(days=1)):
        pass
    return transport


def card_of(engine, case_id: int) -> tuple[str, str]:
    with Session(engine) as s:
        card = conversations.message_of(s, PLATFORM, conversations.CASE_CARD, case_id)
        return card.conversation_id, card.message_id


def thread(channel: str, ts: str):
    """The case whose card starts this thread, as a front end asks for it."""
    return conversations.subject_of(PLATFORM, channel, ts, conversations.CASE_CARD)


def relay_thread(channel: str, ts: str):
    return conversations.subject_of(PLATFORM, channel, ts, conversations.SUPPLIER_RELAY)


def relays_of(session) -> dict[int, PostedMessage]:
    """Each case's relayed DM (the last one), as recorded when posted."""
    found = rows(session, PostedMessage)
    return {p.subject_id: p for p in found if p.about == conversations.SUPPLIER_RELAY}


def do(engine, ref: str, action: str, actor: Actor = INVESTIGATOR, **details):
    return investigation.perform(
        engine, ref, action, actor, NOW, **{**DETAILS.get(action, {}), **details}
    )


def to_investigating(engine, ref: str) -> None:
    do(engine, ref, "triage")
    do(engine, ref, "start")


# --- assignment ------------------------------------------------------------------------------


def test_two_concurrent_assign_to_me_on_postgresql_have_one_winner(pg_url):
    engine = make_engine(pg_url)
    people_ids.use(engine)  # the people the test names, in this database of its own
    try:
        refs = [new_case(engine, procurement_title=f"Lot {n}").reference for n in range(8)]
        contenders = [Actor(pid(f"UINV{n}"), frozenset({"investigator"})) for n in range(4)]
        for ref in refs:
            barrier = threading.Barrier(len(contenders))
            results: dict[str, object] = {}

            def press(actor: Actor, ref=ref, barrier=barrier, results=results) -> None:
                barrier.wait()
                try:
                    view = investigation.assign(
                        engine, ref, actor.person_id, actor, NOW, only_if_unassigned=True
                    )
                    results[actor.person_id] = view.assignee
                except AlreadyAssigned as lost:
                    results[actor.person_id] = lost

            threads = [threading.Thread(target=press, args=(a,)) for a in contenders]
            for t in threads:
                t.start()
            for t in threads:
                t.join(10)
            winners = [u for u, r in results.items() if r == u]
            assert len(winners) == 1, results
            losers = [r for r in results.values() if isinstance(r, AlreadyAssigned)]
            assert len(losers) == len(contenders) - 1
            assert all(r.holder_user_id == winners[0] for r in losers)
            # Structured: the holder is named by id for the front end to render, not in the text.
            assert all(r.people == (winners[0],) and r.code == "already_assigned" for r in losers)
        with Session(engine) as s:
            assigned = s.exec(select(ComplaintEvent).where(ComplaintEvent.kind == "assigned"))
            assert len(assigned.all()) == len(refs)
    finally:
        engine.dispose()


def test_reassign_is_for_leads_and_a_repeat_is_not_a_change(engine, session):
    ref = new_case(engine).reference
    view = investigation.assign(
        engine, ref, pid("UINV1"), INVESTIGATOR, NOW, only_if_unassigned=True
    )
    assert view.assignee == pid("UINV1") and view.can_reassign is False
    investigation.assign(engine, ref, pid("UINV1"), INVESTIGATOR, NOW, only_if_unassigned=True)
    with pytest.raises(AlreadyAssigned) as lost:
        investigation.assign(
            engine, ref, pid("UINV2"), INVESTIGATOR_2, NOW, only_if_unassigned=True
        )
    assert lost.value.holder_user_id == pid("UINV1")
    with pytest.raises(NotPermitted, match="Only leads can reassign"):
        investigation.assign(engine, ref, pid("UINV2"), INVESTIGATOR, NOW, only_if_unassigned=False)
    with pytest.raises(Exception, match="not an investigator"):
        investigation.assign(engine, ref, Actor(pid("UOUT")), LEAD, NOW, only_if_unassigned=False)
    view = investigation.assign(engine, ref, INVESTIGATOR_2, LEAD, NOW, only_if_unassigned=False)
    assert view.assignee == pid("UINV2")
    events = [e.data for e in rows(session, ComplaintEvent) if e.kind == "assigned"]
    assert events == [
        {"from": None, "to": pid("UINV1")},
        {"from": pid("UINV1"), "to": pid("UINV2")},
    ]


# --- thread notes ----------------------------------------------------------------------------


def test_thread_replies_become_notes_once_with_edits_and_deletes(engine, session):
    case = new_case(engine)
    deliver_all(engine)
    channel, card_ts = card_of(engine, case.id)
    assert channel == TRIAGE and card_ts
    later = NOW + timedelta(minutes=5)
    case_thread = thread(channel, card_ts)
    inv1 = INVESTIGATOR
    for _ in range(2):  # a retried delivery
        investigation.record_note(engine, case_thread, "T/1.1", "Called them", NOW, actor=inv1)
    for elsewhere in (thread(channel, "999.9"), thread("COTHER", card_ts), 10_000):
        assert investigation.record_note(engine, elsewhere, "T/1.2", "x", NOW, actor=inv1) is None
    for _ in range(2):
        investigation.edit_note(
            engine, case_thread, "T/1.1", "Called them twice", later, actor=inv1
        )
    investigation.edit_note(engine, case_thread, "T/1.4", "Edited first seen", later, actor=inv1)
    elsewhere = thread("COTHER", card_ts)
    assert investigation.edit_note(engine, elsewhere, "T/1.5", "x", NOW, actor=inv1) is None
    for _ in range(2):
        investigation.delete_note(engine, "T/1.4", later, actor=inv1)
    notes = rows(session, CaseNote)
    assert [(n.text, n.complaint_id) for n in notes] == [
        ("Called them twice", case.id),
        ("Edited first seen", case.id),
    ]
    assert notes[0].history == [{"text": "Called them", "until": later.isoformat()}]
    assert notes[0].edited_at is not None and notes[0].deleted_at is None
    assert notes[1].deleted_at is not None
    with Session(engine) as s:
        assert investigation.case_for(s, case_thread).id == case.id
        assert investigation.case_for(s, case.id).id == case.id


def test_only_the_team_may_note_edit_or_delete_in_a_case_thread(engine, session):
    case = new_case(engine)
    deliver_all(engine)
    case_thread = thread(*card_of(engine, case.id))
    investigation.record_note(engine, case_thread, "T/2.1", "Ours", NOW, actor=INVESTIGATOR)
    attempts = (
        lambda who: investigation.record_note(engine, case_thread, "T/2.2", "x", NOW, actor=who),
        lambda who: investigation.edit_note(engine, case_thread, "T/2.1", "x", NOW, actor=who),
        lambda who: investigation.edit_note(engine, case_thread, "T/2.3", "x", NOW, actor=who),
        lambda who: investigation.delete_note(engine, "T/2.1", NOW, actor=who),
    )
    for attempt in attempts:
        with pytest.raises(NotPermitted) as refused:
            attempt(STRANGER)
        assert refused.value.code == "not_staff" and refused.value.cases == (case.reference,)
        assert "Only investigators and leads can add case notes" in str(refused.value)
    # Outside a case's thread nothing is a note, so nobody is refused there either.
    elsewhere = thread("COTHER", "1.1")
    assert investigation.record_note(engine, elsewhere, "T/2.4", "x", NOW, actor=STRANGER) is None
    [note] = rows(session, CaseNote)
    assert (note.text, note.author_id, note.deleted_at) == ("Ours", INVESTIGATOR.person_id, None)


# --- supplier relay and privacy ----------------------------------------------------------------


def test_relay_reply_lands_in_the_right_case_of_a_supplier_with_several(engine, session):
    first = new_case(engine, anonymous=True)
    second = new_case(engine, anonymous=True, authority_name="Other Council")
    for c in (first, second):
        to_investigating(engine, c.reference)
    do(engine, second.reference, "ask_supplier")
    investigation.tell_supplier(engine, first.reference, INVESTIGATOR, "Which lot?", NOW)
    investigation.tell_supplier(engine, second.reference, INVESTIGATOR, "Invoice date?", NOW)
    deliver_all(engine)
    relays = relays_of(session)
    assert set(relays) == {first.id, second.id}
    relayed = relay_thread(relays[second.id].conversation_id, relays[second.id].message_id)
    elsewhere = relay_thread(relays[second.id].conversation_id, "0.0")
    for _ in range(2):  # Slack retries the event
        note = investigation.supplier_reply(engine, relayed, "D/5.1", "1 Sept", NOW, actor=OWNER)
    assert note.complaint_id == second.id and note.from_supplier and note.author_id is None
    someone = Actor(pid("USOMEONE"))
    with pytest.raises(NotPermitted) as refused:
        investigation.supplier_reply(engine, relayed, "D/5.2", "hi", NOW, actor=someone)
    # Told without the case: whoever it is must not learn which case the supplier raised.
    assert refused.value.cases == () and refused.value.code == "reporter_only"
    assert investigation.supplier_reply(engine, elsewhere, "D/5.3", "hi", NOW, actor=OWNER) is None
    assert len(rows(session, CaseNote)) == 1
    stored = {c.id: c for c in rows(session, Complaint)}
    assert stored[second.id].status == "investigating"  # the answer ends the wait
    assert stored[first.id].status == "investigating"
    posts = [
        m
        for m in rows(session, OutboxMessage)
        if m.kind == "complaint.thread.post" and m.data["event"] == "supplier_replied"
    ]
    assert len(posts) == 1 and posts[0].subject_id == second.id
    assert posts[0].data == {"event": "supplier_replied", "text": "1 Sept"}


def _names_reporter(value) -> bool:
    """Whether ``value`` (JSON-able) holds the reporter: their person id or Slack id."""
    text = json.dumps(value, default=str)
    return bool(re.search(rf"\b{REPORTER}\b", text)) or "UREPORTER" in text


def test_anonymous_supplier_is_never_tied_to_the_case_outside_their_dm(engine, session):
    case = new_case(engine, anonymous=True)
    ref = case.reference
    with capture_logs() as logs:
        to_investigating(engine, ref)
        investigation.assign(engine, ref, pid("UINV1"), INVESTIGATOR, NOW, only_if_unassigned=True)
        do(engine, ref, "ask_supplier")
        investigation.tell_supplier(engine, ref, INVESTIGATOR, "Can you send the tender?", NOW)
        deliver_all(engine)
        relay = relays_of(session)[case.id]
        relayed = relay_thread(relay.conversation_id, relay.message_id)
        investigation.supplier_reply(engine, relayed, "D/7.1", "Attached", NOW, actor=OWNER)
        with pytest.raises(NotPermitted):
            investigation.reveal(engine, ref, INVESTIGATOR, NOW)
        assert investigation.reveal(engine, ref, LEAD, NOW) == REPORTER
        do(engine, ref, "resolve")
        do(engine, ref, "close")
        deliver_all(engine)
    for msg in rows(session, OutboxMessage):
        if msg.recipient_person_id == REPORTER:
            assert msg.kind in (
                "complaint.received.dm",
                "complaint.supplier.update",
                "complaint.supplier.relay",
            )
            continue
        assert not _names_reporter(msg.data), msg
    revealed = [e for e in rows(session, ComplaintEvent) if e.kind == "revealed"]
    assert len(revealed) == 1 and revealed[0].data == {} and revealed[0].actor_id == pid("ULEAD1")
    second = new_case(engine, anonymous=True, authority_name="Elsewhere")
    investigation.withdraw(engine, second.reference, Actor(REPORTER), "Sorted", NOW)
    for msg in rows(session, OutboxMessage):
        if msg.recipient_role:
            assert not _names_reporter(msg.data), msg
    for e in rows(session, ComplaintEvent):  # "received" too: the case row alone knows
        assert e.actor_id != REPORTER and not _names_reporter(e.data)
    for line in logs:
        assert not (_names_reporter(line) and ref in json.dumps(line, default=str))
    with Session(engine) as s:
        entries = investigation.timeline(s, ref, INVESTIGATOR)
    assert all(e.actor_id != REPORTER for e in entries)
    assert any(e.kind == "supplier_note" and e.text == "Attached" for e in entries)


def test_no_relay_or_reveal_for_a_spot_check_and_timeline_is_staff_only(engine):
    spot = investigation.open_spot_check(engine, form(), INVESTIGATOR, TODAY, POLICY).complaint
    with pytest.raises(InvalidTransition, match="spot check"):
        investigation.tell_supplier(engine, spot.reference, INVESTIGATOR, "Hi", NOW)
    with pytest.raises(InvalidTransition, match="spot check"):
        investigation.reveal(engine, spot.reference, LEAD, NOW)
    with Session(engine) as s, pytest.raises(NotPermitted):
        investigation.timeline(s, spot.reference, Actor(REPORTER))


# --- withdraw --------------------------------------------------------------------------------


def test_withdraw_only_own_case_and_others_look_missing(engine, session):
    mine = new_case(engine)
    theirs = new_case(engine, reporter=pid("UOTHER"))
    with Session(engine) as s, pytest.raises(NotFound) as expected:
        intake.case_for_reporter(s, REPORTER, theirs.reference)
    with pytest.raises(NotFound) as refused:
        investigation.withdraw(engine, theirs.reference, Actor(REPORTER), "no", NOW)
    assert str(refused.value) == str(expected.value)
    view = investigation.withdraw(engine, mine.reference, Actor(REPORTER), "Paid now", NOW)
    assert view.status == "withdrawn"
    with pytest.raises(InvalidTransition, match="Moves allowed from here: reopen"):
        investigation.withdraw(engine, mine.reference, Actor(REPORTER), "again", NOW)


# --- deadlines -------------------------------------------------------------------------------


def test_deadline_rules():
    assert deadlines.authority_reply_due(date(2026, 11, 20)) == date(2026, 12, 20)
    assert not deadlines.is_due_soon(date(2026, 1, 1), date(2026, 1, 21), date(2026, 1, 15))
    assert deadlines.is_due_soon(date(2026, 1, 1), date(2026, 1, 21), date(2026, 1, 16))
    assert not deadlines.is_due_soon(date(2026, 1, 1), date(2026, 1, 21), date(2026, 1, 22))
    assert deadlines.is_overdue(date(2026, 1, 21), date(2026, 1, 22))
    assert not deadlines.is_overdue(date(2026, 1, 21), date(2026, 1, 21))
    case = Complaint(status="investigating", due_date=date(2026, 12, 15), supplier_wait_days=10)
    # 15 Dec + 10 days = Christmas Day; Boxing Day falls on a Saturday, so the substitute bank
    # holiday is Monday 28th: the first working day is the 29th.
    assert deadlines.effective_due(case) == date(2026, 12, 29)
    waiting = Complaint(
        status="awaiting_supplier",
        due_date=date(2026, 12, 1),
        awaiting_supplier_since=date(2026, 11, 20),
        supplier_wait_days=0,
    )
    assert deadlines.effective_due(waiting, date(2026, 11, 27)) == date(2026, 12, 8)
    assert deadlines.format_uk(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == "1 Jul 2026, 13:00"
    assert deadlines.format_uk(datetime(2026, 12, 1, 12, 0, tzinfo=UTC)) == "1 Dec 2026, 12:00"


def test_time_waiting_for_the_supplier_does_not_count(engine, session):
    ref = new_case(engine, authority_kind="central").reference
    to_investigating(engine, ref)
    investigation.perform(engine, ref, "ask_supplier", INVESTIGATOR, NOW)
    later = NOW + timedelta(days=14)
    investigation.perform(engine, ref, "supplier_replied", INVESTIGATOR, later)
    stored = rows(session, Complaint)[0]
    assert stored.supplier_wait_days == 14 and stored.awaiting_supplier_since is None
    assert stored.due_date == date(2027, 1, 20)
    assert deadlines.effective_due(stored) == date(2027, 2, 3)
    view = investigation.perform(engine, ref, "contact_authority", INVESTIGATOR, later)
    assert view.authority_reply_due == later.date() + timedelta(days=30)
    assert view.effective_due == date(2027, 2, 3)


# --- related cases ---------------------------------------------------------------------------


def test_related_cases_are_grouped_at_intake_and_linked_by_hand(engine, session):
    """Changed with issue 13: cases about one procurement form a group (no pairwise
    automatic links); links by hand are pairs as before."""
    a = new_case(engine, procurement_reference="BC-17", procurement_title="Youth services")
    b = new_case(engine, procurement_reference="bc-17", procurement_title="Something else")
    c = new_case(
        engine, procurement_reference=None, procurement_title="Youth Services Framework 2026"
    )
    d = new_case(engine, procurement_reference=None, procurement_title="youth services framework")
    e = new_case(engine, authority_name="Other Council", procurement_reference="BC-17")
    assert rows(session, CaseLink) == []
    assert a.group_id == b.group_id and c.group_id == d.group_id
    assert len({a.group_id, c.group_id, e.group_id}) == 3
    with Session(engine) as s:
        cases = [s.get(Complaint, x.id) for x in (a, b, c, e)]
        refs = {i: r.refs for i, r in related_view.summaries(s, cases).items()}
    assert refs == {a.id: (b.reference,), b.id: (a.reference,), c.id: (d.reference,), e.id: ()}
    assert investigation.link(engine, a.reference, e.reference, INVESTIGATOR, NOW)
    assert not investigation.link(engine, e.reference, a.reference, INVESTIGATOR, NOW)
    assert not investigation.link(engine, b.reference, a.reference, INVESTIGATOR, NOW)  # grouped
    with pytest.raises(NotPermitted):
        investigation.unlink(engine, a.reference, e.reference, Actor(REPORTER), NOW)
    assert investigation.unlink(engine, e.reference, a.reference, INVESTIGATOR, NOW)
    assert not investigation.unlink(engine, e.reference, a.reference, INVESTIGATOR, NOW)
    # Unlinking two cases of one group takes the one that is not the first out of it.
    assert investigation.unlink(engine, a.reference, b.reference, INVESTIGATOR, NOW)
    assert not investigation.unlink(engine, a.reference, b.reference, INVESTIGATOR, NOW)
    with Session(engine) as s:
        assert s.get(Complaint, b.id).group_id is None
        assert s.get(Complaint, a.id).group_id == a.group_id
        assert related_view.summary(s, s.get(Complaint, a.id)).refs == ()
    kinds = [
        (x.complaint_id, x.kind)
        for x in rows(session, ComplaintEvent)
        if x.kind in ("linked", "unlinked") and x.actor_id
    ]
    assert sorted(kinds) == [
        (a.id, "linked"),
        (a.id, "unlinked"),
        (a.id, "unlinked"),
        (b.id, "unlinked"),
        (e.id, "linked"),
        (e.id, "unlinked"),
    ]


# --- spot checks and follow-ups --------------------------------------------------------------


def test_spot_check_runs_the_same_workflow_without_a_supplier(engine, session):
    with pytest.raises(NotPermitted):
        investigation.open_spot_check(engine, form(), Actor(REPORTER), TODAY, POLICY)
    spot = investigation.open_spot_check(
        engine,
        form(organisation_name="", organisation_type=None),
        INVESTIGATOR,
        TODAY,
        POLICY,
        submission_key="V1",
    ).complaint
    again = investigation.open_spot_check(
        engine, form(), INVESTIGATOR, TODAY, POLICY, submission_key="V1"
    )
    assert not again.created and again.complaint.id == spot.id
    assert (spot.kind, spot.reporter_id, spot.organisation_name) == ("spot_check", None, "")
    for action in ("triage", "start", "contact_authority", "authority_replied", "resolve"):
        do(engine, spot.reference, action)
    view = do(engine, spot.reference, "close")
    assert view.status == "closed" and view.raised_by_label == "Spot check by the service"
    kinds = {m.kind for m in rows(session, OutboxMessage)}
    assert "complaint.supplier.update" not in kinds and "complaint.received.dm" not in kinds


def test_follow_ups_come_due_and_close_with_a_result(engine, session):
    ref = new_case(engine).reference
    other = new_case(engine, authority_name="Elsewhere").reference
    for r, when in ((ref, date(2027, 1, 5)), (other, date(2027, 3, 1))):
        to_investigating(engine, r)
        do(engine, r, "resolve", follow_up_due=when)
    assert investigation.due_follow_ups(engine, date(2027, 1, 4)) == []
    assert investigation.due_follow_ups(engine, date(2027, 1, 5)) == [ref]
    assert investigation.due_follow_ups(engine, date(2027, 1, 6)) == []
    view = do(engine, ref, "close", follow_up_result="no", follow_up_note="Still 5 days")
    assert (view.status, view.follow_up_result) == ("closed", "no")
    event = next(e for e in rows(session, ComplaintEvent) if e.data.get("action") == "follow_up")
    assert event.actor_id is None


# --- faults ----------------------------------------------------------------------------------


def test_database_outage_during_a_transition_writes_nothing(engine, session, backend):
    ref = new_case(engine).reference
    before = (len(rows(session, ComplaintEvent)), len(rows(session, OutboxMessage)))
    url = engine.url.render_as_string(hide_password=False)
    faulty = make_engine(url) if backend[0] == "postgresql" else engine

    def die(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO COMPLAINT_EVENT"):
            if backend[0] == "postgresql":
                pid = conn.connection.dbapi_connection.info.backend_pid
                with psycopg.connect(databases.PG_ADMIN_URL, autocommit=True) as admin:
                    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            else:
                raise OperationalError(statement, parameters, Exception("disk I/O error"))

    event.listen(faulty, "before_cursor_execute", die)
    try:
        with pytest.raises(StoreUnavailable):
            investigation.perform(faulty, ref, "triage", INVESTIGATOR, NOW)
    finally:
        event.remove(faulty, "before_cursor_execute", die)
        if faulty is not engine:
            faulty.dispose()
    assert rows(session, Complaint)[0].status == "received"
    assert (len(rows(session, ComplaintEvent)), len(rows(session, OutboxMessage))) == before


def test_unknown_reference_is_a_clear_not_found(engine):
    with pytest.raises(NotFound, match="There is no case MS-2026-0999"):
        investigation.perform(engine, "ms-2026-0999", "triage", INVESTIGATOR, NOW)
    with pytest.raises(NotFound, match="references look like"):
        investigation.perform(engine, "banana", "triage", INVESTIGATOR, NOW)
    with transaction(engine) as s:
        assert s.exec(select(Complaint)).first() is None


def test_a_card_refresh_that_posts_the_first_card_is_remembered(engine, session):
    case = new_case(engine)
    do(engine, case.reference, "triage")
    refresh = next(m for m in rows(session, OutboxMessage) if m.kind == "complaint.card.refresh")
    # The outbox sends each channel's messages in order, so a refresh posts the first card only
    # when the original card could not be posted (here it failed for good).
    with transaction(engine) as s:
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.kind == intake.TRIAGE_CARD)
            .values(status="dead")
        )
    outbox.drain(engine, Transport(), ids=[refresh.id])
    channel, ts = card_of(engine, case.id)
    (card,) = rows(session, PostedMessage)
    assert (card.outbox_message_id, card.conversation_id, card.message_id) == (
        refresh.id,
        TRIAGE,
        ts,
    )
    deliver_all(engine)  # the original card message and later refreshes keep that card
    assert card_of(engine, case.id) == (channel, ts)


def test_move_to_a_status_finds_the_action_or_names_the_reachable_statuses(engine, session):
    ref = new_case(engine).reference
    assert investigation.move_to(engine, ref, "triaged", INVESTIGATOR, NOW).status == "triaged"
    assert investigation.move_to(engine, ref, "Investigating", INVESTIGATOR, NOW).status == (
        "investigating"
    )
    with pytest.raises(InvalidTransition, match="can't become Follow-up due") as refused:
        investigation.move_to(engine, ref, "follow-up", INVESTIGATOR, NOW)
    assert "awaiting_authority, awaiting_supplier, resolved, referred" in str(refused.value)
    with pytest.raises(InvalidTransition, match="'banana' is not a case status"):
        investigation.move_to(engine, ref, "banana", INVESTIGATOR, NOW)
    investigation.tell_supplier(engine, ref, INVESTIGATOR, "Dates?", NOW, await_reply=True)
    assert rows(session, Complaint)[0].status == "awaiting_supplier"


def test_database_outage_while_storing_a_note_is_store_unavailable(engine, session, backend):
    case = new_case(engine)
    deliver_all(engine)
    channel, card_ts = card_of(engine, case.id)
    url = engine.url.render_as_string(hide_password=False)
    faulty = make_engine(url) if backend[0] == "postgresql" else engine

    def die(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO CASE_NOTE"):
            if backend[0] == "postgresql":
                pid = conn.connection.dbapi_connection.info.backend_pid
                with psycopg.connect(databases.PG_ADMIN_URL, autocommit=True) as admin:
                    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            else:
                raise OperationalError(statement, parameters, Exception("disk I/O error"))

    event.listen(faulty, "before_cursor_execute", die)
    try:
        with pytest.raises(StoreUnavailable):
            investigation.record_note(
                faulty, thread(channel, card_ts), "T/1.1", "x", NOW, actor=INVESTIGATOR
            )
    finally:
        event.remove(faulty, "before_cursor_execute", die)
        if faulty is not engine:
            faulty.dispose()
    assert rows(session, CaseNote) == []
    stored = investigation.record_note(
        engine, thread(channel, card_ts), "T/1.1", "x", NOW, actor=INVESTIGATOR
    )
    assert stored.complaint_id == case.id and rows(session, CaseNote)[0].id == stored.id
