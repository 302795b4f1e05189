"""Work shadowing in Teams, over real HTTP against the fake Bot Connector, on both databases:
the whole story (sign up, the manager approves, a host offers places, a coordinator runs a
round, both sides accept, dates, completion, feedback), refusals told only to the person who
pressed, and a retried invoke doing nothing twice."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from handlers.teams import shadow_actions, shadow_conflicts
from models import (
    OutboxMessage,
    ShadowApplicant,
    ShadowConflict,
    ShadowFeedback,
    ShadowHost,
    ShadowPlacement,
)
from tests.conftest import rows
from tests.teams_shadow_support import (
    CARD,
    MESSAGE,
    Story,
    data_of,
    element,
    host_answers,
    is_card,
    is_private_message,
    signup_answers,
    verbs,
    words,
)


@pytest.fixture
def story(engine):
    running = Story(engine)
    yield running
    running.close()


def fresh(engine, model, id_):
    with Session(engine) as s:
        return s.get(model, id_)


def notices_of(engine, kind: str) -> list[OutboxMessage]:
    with Session(engine) as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def signed_up(story: Story) -> dict:
    """The applicant signs up through the form card; returns the manager's approval card."""
    story.say(story.applicant, "shadow signup")
    form = story.card_to(story.applicant, "Work-shadowing sign-up")
    manager = element(form, "manager_id")
    assert story.manager["aadObjectId"] in [c["value"] for c in manager["choices"]]
    assert story.applicant["aadObjectId"] not in [c["value"] for c in manager["choices"]]
    token = data_of(form, "shadow_signup")
    done = is_card(story.press(story.applicant, "shadow_signup", token, **_signup(story)))
    assert "Sign-up received" in words(done) and "Sam Jones" in words(done)
    return story.card_to(story.manager, "asks for your approval")


def _signup(story: Story, **overrides) -> dict:
    return signup_answers(story.manager["aadObjectId"], **overrides)


def approved(story: Story, engine) -> ShadowApplicant:
    request = signed_up(story)
    decided = is_card(story.answer(story.manager, request, "shadow_approve"))
    assert "Approved: they are in the scheme." in words(decided)
    assert verbs(decided) == []
    story.card_to(story.applicant, "approved your work-shadowing sign-up")
    [applicant] = rows(Session(engine), ShadowApplicant)
    return applicant


def offering(story: Story, engine) -> ShadowHost:
    story.say(story.host, "shadow host")
    form = story.card_to(story.host, "Offer shadowing places")
    token = data_of(form, "shadow_host")
    done = is_card(story.press(story.host, "shadow_host", token, **host_answers(capacity="1")))
    assert "Places offered" in words(done)
    [host] = rows(Session(engine), ShadowHost)
    return host


def matched(story: Story, engine) -> ShadowPlacement:
    approved(story, engine)
    offering(story, engine)
    story.say(story.coordinator, "shadow round")
    dry = story.card_to(story.coordinator, "Dry run of matching round")
    committed = is_card(story.answer(story.coordinator, dry, "shadow_round_commit"))
    assert "committed" in words(committed) and verbs(committed) == []
    [placement] = rows(Session(engine), ShadowPlacement)
    return placement


def test_the_whole_story_in_teams(story, engine):
    placement = matched(story, engine)

    # Each side gets the offer in their 1:1 chat, and answers on it; the card updates in place.
    offer = story.card_to(story.applicant, "A work-shadowing offer")
    assert "Ambridge Mind" in words(offer)
    assert verbs(offer) == ["shadow_offer_accept", "shadow_offer_decline"]
    host_offer = story.card_to(story.host, "A civil servant matched")
    accepted = is_card(story.answer(story.applicant, offer, "shadow_offer_accept"))
    assert "You accepted. Waiting for the host to reply." in words(accepted)
    assert verbs(accepted) == []
    is_card(story.answer(story.host, host_offer, "shadow_offer_accept"))
    assert fresh(engine, ShadowPlacement, placement.id).status == "accepted"

    # The confirmation holds the dates form; a wrong order comes back under the field.
    confirmed = story.card_to(story.applicant, "is confirmed")
    assert element(confirmed, "start_date")["type"] == "Input.Date"
    wrong = is_card(
        story.answer(
            story.applicant,
            confirmed,
            "shadow_schedule",
            start_date="2026-12-11",
            end_date="2026-12-07",
        )
    )
    assert element(wrong, "end_date__error") is not None
    assert element(wrong, "start_date")["value"] == "2026-12-11"
    dated = is_card(
        story.answer(
            story.applicant,
            confirmed,
            "shadow_schedule",
            start_date="2026-12-07",
            end_date="2026-12-11",
        )
    )
    assert "7 Dec 2026 to 11 Dec 2026" in words(dated)
    assert verbs(dated) == ["shadow_complete"]
    story.card_to(story.host, "Dates are set")

    # Completing before the last day is refused privately; after it, done.
    too_soon = story.press(story.host, "shadow_complete", {"placement": str(placement.id)})
    assert "starts on 07 December 2026" in is_private_message(too_soon)
    story.bot.services.today = lambda: date(2026, 12, 11)
    completed = is_card(
        story.press(story.host, "shadow_complete", {"placement": str(placement.id)})
    )
    assert "marked completed" in words(completed)
    assert fresh(engine, ShadowPlacement, placement.id).status == "completed"

    # Feedback on the request card itself.
    request = story.card_to(story.applicant, "How did your placement")
    assert element(request, "worthwhile")["type"] == "Input.ChoiceSet"
    thanked = is_card(
        story.answer(
            story.applicant,
            request,
            "shadow_feedback",
            worthwhile="5",
            learned="How thin the margins on a grant are.",
            would_recommend="yes",
        )
    )
    assert "Thank you for your feedback." in words(thanked) and verbs(thanked) == []
    [feedback] = rows(Session(engine), ShadowFeedback)
    assert (feedback.side, feedback.worthwhile, feedback.would_recommend) == ("applicant", 5, True)

    # And "shadow status" tells the applicant where things stand.
    story.say(story.applicant, "shadow status")
    status = story.card_to(story.applicant, "Your work-shadowing")
    assert f"Placement {placement.id}" in words(status) and "completed" in words(status)


def test_a_bad_signup_comes_back_on_the_card_with_the_answers_kept(story, engine):
    story.say(story.applicant, "shadow signup")
    form = story.card_to(story.applicant, "Work-shadowing sign-up")
    token = data_of(form, "shadow_signup")
    answers = _signup(story, available_from="2026-12-10", available_to="2026-12-01", role="")
    again = is_card(story.press(story.applicant, "shadow_signup", token, **answers))
    assert element(again, "available_to__error") is not None
    assert element(again, "role__error") is not None
    assert element(again, "department")["value"] == "Home Office"
    assert element(again, "interests")["value"] == "health,housing"
    assert rows(Session(engine), ShadowApplicant) == []
    # The corrected card carries the same token, and is stored once however often it comes.
    fixed = _signup(story)
    for _ in range(2):
        done = is_card(story.answer(story.applicant, again, "shadow_signup", **fixed))
        assert "Sign-up received" in words(done)
    assert len(rows(Session(engine), ShadowApplicant)) == 1
    assert len(notices_of(engine, "shadow.approval_request")) == 1


def test_only_the_named_manager_decides_and_is_told_privately(story, engine):
    request = signed_up(story)
    before = len(story.bot.connector.sent())
    refused = story.answer(story.stranger, request, "shadow_approve")
    assert "Only the line manager named on this sign-up" in is_private_message(refused)
    [applicant] = rows(Session(engine), ShadowApplicant)
    assert applicant.status == "pending_approval"
    # Nothing was posted anywhere: the refusal is the invoke's own answer, to the stranger.
    assert len(story.bot.connector.sent()) == before


def test_a_retried_approval_does_nothing_twice(story, engine):
    request = signed_up(story)
    data = data_of(request, "shadow_approve")
    first = is_card(story.press(story.manager, "shadow_approve", data))
    assert "Approved" in words(first)
    again = story.press(story.manager, "shadow_approve", data)
    assert "already been approved" in is_private_message(again)
    assert len(notices_of(engine, "shadow.approval_result")) == 1
    story.card_to(story.applicant, "approved your work-shadowing sign-up")


def test_coordinator_commands_are_refused_to_others_in_their_own_chat(story, engine):
    for text in ("shadow round", "shadow conflicts", "shadow report"):
        story.say(story.applicant, text)
    said = story.texts_to(story.applicant)
    assert sum("Only work-shadowing coordinators can" in s for s in said) == 3
    # Nothing reached the coordinator, nor any other chat than the asker's.
    assert not any("coordinators" in s for s in story.texts_to(story.coordinator))


def test_hosts_change_close_and_reopen_their_places(story, engine):
    host = offering(story, engine)
    story.say(story.host, f"shadow places {host.id} 3")
    story.say(story.host, f"shadow close {host.id}")
    assert fresh(engine, ShadowHost, host.id).status == "closed"
    story.say(story.host, f"shadow reopen {host.id}")
    assert fresh(engine, ShadowHost, host.id).capacity == 3
    assert fresh(engine, ShadowHost, host.id).status == "open"
    story.say(story.stranger, f"shadow close {host.id}")
    assert any(
        "Nothing changed. Only the person who offered" in s for s in story.texts_to(story.stranger)
    )
    assert fresh(engine, ShadowHost, host.id).status == "open"


def test_a_declined_offer_is_confirmed_first_and_updates_in_place(story, engine):
    placement = matched(story, engine)
    offer = story.card_to(story.applicant, "A work-shadowing offer")
    # Decline sits behind a ShowCard that asks again.
    [show] = [a for a in offer["actions"] if a["type"] == "Action.ShowCard"]
    assert "cannot be taken back" in words(show["card"])
    declined = is_card(story.answer(story.applicant, offer, "shadow_offer_decline"))
    assert "This offer was declined." in words(declined)
    assert fresh(engine, ShadowPlacement, placement.id).status == "declined"
    story.card_to(story.host, "was declined")


def test_a_conflict_is_recorded_by_a_coordinator_and_its_reason_stays_with_them(story, engine):
    applicant = approved(story, engine)
    host = offering(story, engine)
    story.say(story.applicant, "shadow conflict")
    assert any("Only work-shadowing coordinators can" in s for s in story.texts_to(story.applicant))

    story.say(story.coordinator, "shadow conflict")
    form = story.card_to(story.coordinator, "Conflict of interest")
    assert [c["value"] for c in element(form, "applicant_id")["choices"]] == [str(applicant.id)]
    assert "Priya Shah" in words(element(form, "applicant_id"))
    token = data_of(form, "shadow_conflict")
    reason = "Sits on the board of Ambridge Mind"
    missing = is_card(story.press(story.coordinator, "shadow_conflict", token, reason=reason))
    assert element(missing, "host_id__error") is not None
    answers = {"applicant_id": str(applicant.id), "host_id": str(host.id), "reason": reason}
    for _ in range(2):  # a retried submission records one conflict
        done = is_card(story.press(story.coordinator, "shadow_conflict", token, **answers))
        assert "Conflict recorded" in words(done)
    assert len(rows(Session(engine), ShadowConflict)) == 1

    story.say(story.coordinator, "shadow conflicts")
    listed = story.card_to(story.coordinator, "Active conflicts of interest")
    assert "Sits on the board" in words(listed)
    # The round matches nobody, and the reason reaches nobody but the coordinator.
    story.say(story.coordinator, "shadow round")
    dry = story.card_to(story.coordinator, "Dry run of matching round")
    assert verbs(dry) == [] and "conflict of interest: 1" in words(dry)
    for who in (story.applicant, story.host, story.manager, story.stranger):
        assert not any("Sits on the board" in s for s in story.texts_to(who))


def test_a_manager_from_the_directory_who_never_added_msbot_is_named_honestly(story, engine):
    story.say(story.applicant, "shadow signup")
    form = story.card_to(story.applicant, "Work-shadowing sign-up")
    picker = element(form, "manager_id")
    assert picker["choices.data"] == {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
    # Teams' people picker answers with the person's directory object id.
    directory_id = "0f3b2a10-1111-4222-8333-444455556666"
    answers = signup_answers(directory_id)
    done = is_card(story.answer(story.applicant, form, "shadow_signup", **answers))
    assert "has not added msbot in Teams" in words(done)
    [applicant] = rows(Session(engine), ShadowApplicant)
    assert applicant.manager_id is not None and applicant.status == "pending_approval"
    # A value that is neither a known account nor a directory id names nobody.
    story.say(story.stranger, "shadow signup")
    other = story.card_to(story.stranger, "Work-shadowing sign-up")
    again = is_card(
        story.answer(
            story.stranger,
            other,
            "shadow_signup",
            **signup_answers("someone@example.org"),
        )
    )
    assert "Choose your line manager." in words(element(again, "manager_id__error"))


SHADOW_VERBS = sorted(shadow_actions.ROUTES.actions) + sorted(shadow_conflicts.ROUTES.actions)
FIELDS = ("applicant", "placement", "round", "submission_token", "manager_id", "start_date")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.sampled_from(SHADOW_VERBS),
    st.dictionaries(
        st.sampled_from(FIELDS),
        st.one_of(
            st.text(max_size=40),
            st.integers(-(2**70), 2**70).map(str),
            st.integers(),
            st.none(),
            st.lists(st.text(max_size=5), max_size=3),
        ),
        max_size=4,
    ),
)
def test_no_button_data_makes_a_failure(story, engine, verb, data):
    """Whatever a forged or stale button sends: an answer (never a 5xx, never "something went
    wrong", which would be a bug), to the presser alone, and nothing stored."""
    answer = story.press(story.stranger, verb, data)
    assert answer["type"] in (CARD, MESSAGE)
    if answer["type"] == MESSAGE:
        assert "went wrong" not in answer["value"]
    for model in (ShadowApplicant, ShadowHost, ShadowConflict, ShadowPlacement):
        assert rows(Session(engine), model) == []


def test_help_leads_to_shadowing_and_shadow_help_lists_its_words(story):
    story.say(story.applicant, "help")
    assert "shadow help lists it all" in words(story.card_to(story.applicant, "this list"))
    story.say(story.applicant, "shadow help")
    story.say(story.applicant, "shadow dance")
    said = story.texts_to(story.applicant)
    assert sum("shadow signup: sign up to shadow" in s for s in said) == 2
    assert any("dance" in s and "is not a shadow command" in s for s in said)
