"""The work-shadowing story through the text front end and the core alone (both databases): a
civil servant signs up, their manager approves, a host offers places, a coordinator runs a
round, and the offer is accepted. What each person sees is asserted, then the rows stored."""

# Gaps (none stops the story; worked round in tests/textfe/ without the Slack adapter):
# 1. Shadowing roles are not on the Actor: rounds.dry_run / commit / run_round and
#    hosts.change_capacity / set_open take ``coordinators`` as a set of ids, managers, hosts
#    and applicants are checked by comparing user ids inside each function, and the Slack
#    adapter checks again before calling (handlers/slack/shadowing/common.py is_coordinator).
#    The text front end hands the core its own coordinator set. (policies)
# 2. Closed (views): render.py draws from bot/shadowing/views.py's read models, loaded by
#    bot.shadowing.delivery_views as the Slack adapter's renderers are.
# 3. A front end's message reference enters the core, opaque: placements.schedule(
#    message=MessageRef(conversation_id, message_id)) queues notices.refresh to the person
#    with data "update_message"/"update_conversation", to redraw the clicked message. Not in
#    this story (no dates are set).
# 4. Settings: bot/config.py load_settings (the core's, no Slack token since the bootstrap
#    change) still checks people against ^[UW]... and rooms against ^[CGD]..., so the
#    text front end builds RoleDirectory from its own values and takes the departments from
#    bot.config.DEFAULT_DEPARTMENTS. Person columns are 30 characters. (bootstrap, people)

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from models import OutboxMessage, ShadowApplicant, ShadowEvent, ShadowPlacement, ShadowRound
from tests.textfe.frontend import Person, TextFrontEnd

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CAI = Person("cai", "Cai Civil", 111)  # the civil servant
MIA = Person("mia", "Mia Manager", 112)  # Cai's line manager
HAL = Person("hal", "Hal Host", 113)  # offers places at a charity
CORA = Person("cora", "Cora Coordinator", 114)

SIGNUP = (
    'signup department="Home Office" grade=HEO role="Policy adviser" region=london '
    "mode=either interests=housing,homelessness length=week "
    'learning_goals="How frontline homelessness services work." '
    "available_from=2026-11-27 available_to=2027-03-20 manager_id=@mia"
)
HOST = (
    'host organisation="Shelter Together" contact_name="Hal Host" '
    "contact_email=hal@example.org areas=housing,homelessness region=london mode=in_person "
    "capacity=2 available_from=2026-11-21 available_to=2027-06-01 "
    'activities="Shadow our outreach team and sit in on casework."'
)


def front_end(engine) -> TextFrontEnd:
    return TextFrontEnd(engine, [CAI, MIA, HAL, CORA], coordinators=("cora",), now=NOW)


def run_story(engine) -> TextFrontEnd:
    fe = front_end(engine)

    # Cai signs up; only the manager Cai named may decide, and Mia is asked.
    assert fe.say("cai", SIGNUP) == "Thank you: sign-up 1 is waiting for Mia Manager's approval."
    (request,) = fe.direct_messages("mia")
    assert request.startswith(
        "Cai Civil (Policy adviser, Home Office) asks for your approval to join work-shadowing."
    )
    assert request.endswith("Answer with: approve 1   or: refuse 1")
    assert fe.say("hal", "approve 1") == (
        "Only the line manager named on this sign-up can decide on it."
    )
    assert fe.say("mia", "approve 1") == "Sign-up 1 is now queued."
    assert fe.direct_messages("cai") == [
        "Your line manager approved your work-shadowing sign-up. You are number 1 in the queue."
    ]

    # Hal offers places; only a coordinator may run a round, and Cora does.
    assert fe.say("hal", HOST) == "Thank you: host 1 (Shelter Together) offers 2 places."
    assert fe.say("cai", "round") == "Only work-shadowing coordinators can run matching rounds."
    assert fe.say("cora", "round") == (
        "Round 1 (dry run): 1 queued, 1 would be matched. Send the offers with: commit 1"
    )
    assert fe.direct_messages("cai")[1:] == []  # a dry run offers nothing
    assert fe.say("cora", "commit 1") == "Round 1 committed: 1 offers sent."

    # Both sides get the offer, each from their side.
    offer = fe.direct_messages("cai")[-1]
    assert offer.startswith("You have a work-shadowing offer (offer 1) from Shelter Together")
    assert offer.endswith("Reply by 27 Nov 2026 with: accept 1   or: decline 1")
    (to_host,) = fe.direct_messages("hal")
    assert to_host.startswith(
        "A civil servant from Home Office (Policy adviser) has been matched to Shelter Together"
    )

    # Cai accepts; Hal hears, accepts too, and both are told the placement is confirmed.
    assert fe.say("cai", "accept 1") == "You accepted offer 1."
    assert fe.direct_messages("hal")[-1] == (
        "The civil servant accepted offer 1; it is confirmed once you accept too."
    )
    assert fe.say("cai", "accept 1") == "You have already accepted this offer."
    assert fe.say("hal", "accept 1") == "You accepted offer 1."
    confirmed = "Both sides accepted: placement 1 at Shelter Together is confirmed."
    assert fe.direct_messages("cai")[-1] == fe.direct_messages("hal")[-1] == confirmed
    return fe


def test_the_shadowing_story_in_plain_text(engine):
    fe = run_story(engine)
    # The coordinator ran the round from the text front end and was sent nothing.
    assert fe.direct_messages("cora") == []

    with Session(engine) as s:
        applicant = s.exec(select(ShadowApplicant)).one()
        assert (applicant.person_id, applicant.manager_id) == (CAI.value, MIA.value)
        assert applicant.status == "placed"
        placement = s.exec(select(ShadowPlacement)).one()
        assert (placement.status, placement.applicant_response, placement.host_response) == (
            "accepted",
            "accepted",
            "accepted",
        )
        assert s.exec(select(ShadowRound.status, ShadowRound.started_by_id)).all() == [
            ("committed", CORA.value)
        ]
        events = s.exec(select(ShadowEvent.kind, ShadowEvent.actor_id).order_by(ShadowEvent.id))
        assert list(events) == [
            ("signed_up", CAI.value),
            ("approved", MIA.value),
            ("host_registered", HAL.value),
            ("round_dry_run", CORA.value),
            ("offered", CORA.value),
            ("round_committed", CORA.value),
            ("offer_accepted", CAI.value),
            ("offer_accepted", HAL.value),
            ("placement_confirmed", HAL.value),
        ]
        rows = s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(r.kind, r.recipient_person_id, r.status) for r in rows] == [
            ("shadow.approval_request", MIA.value, "sent"),
            ("shadow.approval_result", CAI.value, "sent"),
            ("shadow.offer", CAI.value, "sent"),
            ("shadow.offer", HAL.value, "sent"),
            ("shadow.offer_update", HAL.value, "sent"),
            ("shadow.offer_update", CAI.value, "sent"),
            ("shadow.offer_update", HAL.value, "sent"),
        ]
