"""The case state machine as a property: any sequence of attempted actions by anyone leaves a
case in a known state, and replaying its audit trail rebuilds that state."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.complaints import lifecycle
from bot.errors import DomainError
from bot.permissions import Actor
from models import Complaint, ComplaintEvent

ACTORS = [
    Actor("UINV1", frozenset({"investigator"})),
    Actor("ULEAD1", frozenset({"lead", "investigator"})),
    Actor("USUP1", frozenset()),  # the reporter
    Actor("UOUT1", frozenset()),
]
DETAILS = {
    "resolve": {
        "outcome": "partial_change",
        "agreed_actions": "Re-score lot 2.",
        "public_summary": "A council re-scored a lot.",
        "follow_up_due": date(2027, 3, 1),
    },
    "out_of_scope": {"reason": "A grant, not a procurement."},
    "refer": {"note": "Passed to the PCS."},
    "withdraw": {"reason": "Sorted."},
    "close": {"follow_up_result": "partly", "follow_up_note": "Half done."},
}


class Recorder:
    """Stands in for a Session: apply() only adds rows."""

    def __init__(self):
        self.added = []

    def add(self, row):
        self.added.append(row)


def new_case() -> Complaint:
    return Complaint(
        id=1, reference="MS-2026-0001", status="received", reporter_user_id="USUP1",
        anonymous=True, received_on=date(2026, 11, 20), due_date=date(2027, 2, 22),
        card_channel_id="CTRIAGE1", card_ts="1.1",
    )  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(lifecycle.TRANSITIONS)), st.sampled_from(ACTORS)),
        max_size=25,
    )
)
def test_any_sequence_stays_reachable_and_the_audit_trail_replays(steps):
    case, session = new_case(), Recorder()
    now = datetime(2026, 11, 20, 10, tzinfo=UTC)
    for action, actor in steps:
        before = case.status
        try:
            lifecycle.apply(session, case, action, actor, now, **DETAILS.get(action, {}))
        except DomainError as exc:
            assert case.status == before  # a refusal changes nothing
            assert "Nothing was changed" in str(exc) or "Only" in str(exc)
        now += timedelta(days=3)
        assert case.status in lifecycle.STATUSES
    status = "received"
    for event in (r for r in session.added if isinstance(r, ComplaintEvent)):
        assert event.data["from"] == status
        status = event.data["to"]
    assert status == case.status


def test_a_refused_move_names_the_moves_allowed():
    case = new_case()
    try:
        lifecycle.apply(Recorder(), case, "resolve", ACTORS[0], datetime.now(UTC))
    except DomainError as exc:
        assert "triage" in str(exc) and "start" in str(exc) and "out-of-scope" in str(exc)
    else:
        raise AssertionError("resolving a received case must be refused")
