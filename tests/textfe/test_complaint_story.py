"""The whole complaint story through the text front end and the core alone (both databases):
a named and an anonymous supplier file, an investigator takes the anonymous case, notes it,
asks the supplier a question that is answered without their identity, a lead resolves it,
and the follow-up is recorded. What each person sees is asserted, then the rows stored."""

# Gaps: where the core still takes Slack's shapes (none stops the story; each is worked round
# in tests/textfe/ as noted, without the Slack adapter).
# 1. Grouping a new case is the front end's job after the commit (related.group_case, called
#    by handlers/slack/complaints/listeners.py group_new_case and by frontend.file_complaint
#    here; the case_grouping job catches a front end that forgets).
# 2. Closed (views): which moves a case's controls offer is the core's (CaseView.offered, from
#    lifecycle.OFFERED_MOVES), and every renderer here and in the Slack adapter loads its
#    message's read model through bot.complaints.delivery_views. How each status is worded
#    for the supplier stays each front end's own (PLAIN_STATUS in the Slack adapter).
# 3. Not Slack, seen here: intake.submit takes no ``now``, so the "received" event carries
#    the wall clock while every later event carries the caller's ``now``; with an injected
#    clock the timeline lists "received" out of order.
# Closed (policies): a note, its edits and deletion, and a supplier's answer take the actor
# and ask the policy ("note": the team; "supplier_reply": the case's supplier); see
# test_someone_off_the_team_cannot_note_a_case.
# Closed (conversations): notes and the supplier's answers are stored against a case the
# front end finds from the message replied to (bot.conversations, where each front end's
# cards and relays are recorded), and the outbox addresses the triage role, which this front
# end's transport resolves to its room.

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from bot import conversations, outbox
from bot.complaints import investigation
from bot.errors import NotPermitted
from models import CaseNote, Complaint, ComplaintEvent, OutboxMessage, PostedMessage
from tests.textfe.frontend import Person, TextFrontEnd, case_of

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
ANA = Person("ana", "Ana Archer", 101)  # files under her organisation's name
ZED = Person("zed", "Zed Zimmer", 102)  # files anonymously
IVY = Person("ivy", "Ivy Investigator", 103)
LEO = Person("leo", "Leo Lead", 104)

COMPLAINT = (
    "complaint authority_kind=wider stage=tender category=timescales "
    "procurement_date=2026-10-01 organisation_type=vcse "
    'what_happened="Five working days to answer a 90-page tender." '
    'outcome_wanted="A longer response window for the next lot." '
)
NAMED = COMPLAINT + (
    'authority_name="Borsetshire Council" procurement_title="Youth services framework" '
    'organisation_name="Ambridge Youth Trust" anonymous=no'
)
ANONYMOUS = COMPLAINT + (
    'authority_name="Felpersham Trust" procurement_title="Community transport" '
    'organisation_name="Zed Wheels CIC" anonymous=yes'
)
RESOLVE = (
    "do MS-2026-0002 resolve outcome=recommendation_accepted "
    'agreed_actions="The trust will allow 30 days on every lot." '
    'public_summary="The authority agreed to lengthen response windows." '
    "follow_up_due=2027-01-15"
)


def front_end(engine) -> TextFrontEnd:
    return TextFrontEnd(
        engine, [ANA, ZED, IVY, LEO], investigators=("ivy",), leads=("leo",), now=NOW
    )


def card_of(fe: TextFrontEnd, reference: str):
    return next(line for line in fe.conversations.room("triage") if reference in line.text)


def run_story(engine) -> TextFrontEnd:
    """The story, asserting what each person sees at each step; returns the front end."""
    fe = front_end(engine)

    # Two suppliers file; each gets a receipt, the team sees a card per case.
    assert fe.say("ana", NAMED) == "Thank you. Your case reference is MS-2026-0001."
    assert fe.say("zed", ANONYMOUS) == "Thank you. Your case reference is MS-2026-0002."
    (receipt,) = fe.direct_messages("ana")
    assert receipt.startswith("We have received your complaint MS-2026-0001 about Borsetshire")
    assert "You did not ask for anonymity." in receipt
    (receipt,) = fe.direct_messages("zed")
    assert "MS-2026-0002 about Felpersham Trust" in receipt
    assert "You asked to stay anonymous" in receipt
    named, anonymous = fe.room("triage")
    assert (
        "Raised by: Ana Archer, Ambridge Youth Trust (Charity / voluntary sector (VCSE))" in named
    )
    assert "Raised by: Anonymous supplier" in anonymous
    assert "Zed Wheels" not in anonymous

    # The investigator takes the anonymous case and starts on it; the card follows.
    assert (
        fe.say("ivy", "assign MS-2026-0002 me") == "MS-2026-0002 is assigned to Ivy Investigator."
    )
    assert fe.say("leo", "assign MS-2026-0002 me") == (
        "Ivy Investigator already has this case; nothing was changed."
    )
    assert fe.say("ivy", "do MS-2026-0002 triage") == "MS-2026-0002 is now Triaged: in scope."
    assert fe.say("ivy", "do MS-2026-0002 start") == "MS-2026-0002 is now Investigating."
    card = card_of(fe, "MS-2026-0002")
    assert card.text.startswith("Complaint MS-2026-0002: Investigating")
    assert "Assignee: Ivy Investigator" in card.text
    assert fe.direct_messages("zed")[-1] == (
        "Update on your complaint MS-2026-0002: it is now Investigating."
    )

    # A reply to the card is a case note; someone outside the room cannot add one.
    assert fe.say("ivy", f'reply {card.id} "Rang the trust: they will check the lots."') == "Noted."
    assert fe.say("ana", f"reply {card.id} sneaking in") == (
        "There is no such message in your conversations."
    )

    # The question reaches the anonymous supplier; nobody learns who they are.
    asked = fe.say("ivy", 'ask MS-2026-0002 "Which lot did you bid for?"')
    assert asked == "Sent to the supplier of MS-2026-0002."
    question = fe.conversations.room(str(ZED.value))[-1]
    assert question.text.startswith(
        "A message from the team about your complaint MS-2026-0002: Which lot did you bid for?"
    )
    assert fe.say("zed", f'reply {question.id} "Lot 2, rural routes."') == "Passed to the team."

    thread = [line.text for line in fe.conversations.thread(card.id)]
    assert thread == [
        "Ivy Investigator assigned the case to Ivy Investigator.",
        "Ivy Investigator moved the case from Received: awaiting triage to Triaged: in scope.",
        "Ivy Investigator moved the case from Triaged: in scope to Investigating.",
        "Rang the trust: they will check the lots.",  # Ivy's own reply, as typed
        "Ivy Investigator sent the supplier: Which lot did you bid for?",
        "Ivy Investigator moved the case from Investigating to Waiting for the supplier.",
        "The supplier replied: Lot 2, rural routes.",
        "The service moved the case from Waiting for the supplier to Investigating.",
    ]

    # A lead resolves it with a follow-up date; the supplier hears the outcome.
    assert fe.say("leo", RESOLVE) == "MS-2026-0002 is now Resolved."
    assert fe.direct_messages("zed")[-1] == (
        "Update on your complaint MS-2026-0002: it is now Resolved.\n"
        "Outcome: Recommendation accepted by the authority\n"
        "Summary: The authority agreed to lengthen response windows."
    )

    # The follow-up comes due (the scheduler's daily job, a core call), then is recorded.
    fe.now = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
    assert investigation.due_follow_ups(engine, fe.today, fe.now) == ["MS-2026-0002"]
    fe.deliver()
    assert "Follow-up due: 15 Jan 2027" in card_of(fe, "MS-2026-0002").text
    recorded = fe.say("ivy", 'follow-up MS-2026-0002 result=yes note="30 days on every lot now."')
    assert recorded == "MS-2026-0002 is now Closed."
    assert fe.direct_messages("zed")[-1] == (
        "Update on your complaint MS-2026-0002: it is now Closed."
    )
    assert card_of(fe, "MS-2026-0002").text.startswith("Complaint MS-2026-0002: Closed")
    return fe


def test_the_complaint_story_in_plain_text(engine):
    fe = run_story(engine)

    # What the team can read of the anonymous case never says who raised it.
    team_sees = "\n".join(
        [*fe.room("triage"), *fe.direct_messages("ivy"), *fe.direct_messages("leo")]
    )
    timeline = fe.say("leo", "timeline MS-2026-0002")
    for secret in (ZED.name, str(ZED.value), "Zed Wheels"):
        assert secret not in team_sees and secret not in timeline
    assert "The supplier: Lot 2, rural routes." in timeline
    assert "Ivy Investigator: Rang the trust: they will check the lots." in timeline
    assert (
        fe.say("ana", "timeline MS-2026-0002")
        == "Only investigators and leads can see a case's timeline."
    )
    # The named supplier's case was untouched by all this, and she heard nothing more.
    assert len(fe.direct_messages("ana")) == 1

    with Session(engine) as s:
        case = s.exec(select(Complaint).where(Complaint.reference == "MS-2026-0002")).one()
        assert (case.status, case.anonymous, case.assignee_id) == ("closed", True, IVY.value)
        assert (case.follow_up_result, case.outcome) == ("yes", "recommendation_accepted")
        # The outbox's after-sent hook kept where the text transport put the card (gap 4).
        card = conversations.message_of(s, "text", conversations.CASE_CARD, case.id)
        assert (card.conversation_id, card.message_id) == ("triage", card_of(fe, case.reference).id)
        events = s.exec(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == case.id)
            .order_by(ComplaintEvent.id)
        ).all()
        assert [e.kind for e in events] == [
            "received",
            "assigned",
            "transition",  # triage
            "transition",  # start
            "relayed_to_supplier",
            "transition",  # ask_supplier
            "supplier_replied",
            "transition",  # supplier_replied
            "transition",  # resolve
            "transition",  # follow_up
            "transition",  # close
        ]
        assert ZED.value not in {e.actor_id for e in events}
        notes = s.exec(select(CaseNote).where(CaseNote.complaint_id == case.id)).all()
        assert [(n.author_id, n.from_supplier, n.text) for n in notes] == [
            (IVY.value, False, "Rang the trust: they will check the lots."),
            (None, True, "Lot 2, rural routes."),
        ]
        relay = s.exec(
            select(PostedMessage).where(
                PostedMessage.about == conversations.SUPPLIER_RELAY,
                PostedMessage.subject_id == case.id,
            )
        ).one()
        # The text front end's conversation with Zed (named by Zed's person id), recorded as
        # this front end's.
        assert (relay.platform, relay.conversation_id) == ("text", str(ZED.value))
        # Every queued message was delivered, and none addressed to the room carries Zed.
        rows = s.exec(select(OutboxMessage)).all()
        assert {r.status for r in rows} == {"sent"}
        to_room = [r for r in rows if r.recipient_role == outbox.TRIAGE_ROLE]
        assert all(str(ZED.value) not in str(r.data) for r in to_room)
        assert {r.recipient_person_id for r in rows if r.recipient_person_id} == {
            ANA.value,
            ZED.value,
        }


def test_someone_off_the_team_cannot_note_a_case(engine):
    """Being in the room is not enough: the core's policy refuses a note by someone who is
    not an investigator or lead, and only they are told; a supplier's answer is refused to
    anyone but the case's supplier, without saying which case it is."""
    fe = front_end(engine)
    fe.say("zed", ANONYMOUS)
    card = card_of(fe, "MS-2026-0001")
    fe.rooms["triage"].add(ANA.value)  # let in by mistake, as a channel member can be
    assert fe.say("ana", f"reply {card.id} sneaking in") == (
        "Only investigators and leads can add case notes."
    )
    fe.say("ivy", "do MS-2026-0001 triage")
    fe.say("ivy", "do MS-2026-0001 start")
    fe.say("ivy", 'ask MS-2026-0001 "Which lot?"')
    question = fe.conversations.room(str(ZED.value))[-1]
    with pytest.raises(NotPermitted) as refused:
        investigation.supplier_reply(
            engine,
            case_of(question, relayed=True),
            "text:forged",
            "mine now",
            NOW,
            actor=fe.actor_of(ANA.value),
        )
    assert refused.value.cases == ()  # Ana learns nothing of whose case it is
    assert (
        str(refused.value)
        == "Only the person who raised this case can answer the team's questions about it."
    )
    with Session(engine) as s:
        assert s.exec(select(CaseNote)).all() == []
