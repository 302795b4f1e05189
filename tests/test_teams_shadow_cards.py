"""The Teams cards of every work-shadowing notice, drawn from read models: each kind and each
offer event on both sides, people's text shown as typed (never a link or a mention), every
card inside the size limit, and a card's buttons only while there is something to decide."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.people import PersonRef
from bot.shadowing import notices
from bot.shadowing.views import ApplicantView, HostView, PlacementView
from handlers.teams.cards import CARD_BUDGET_BYTES, card_bytes
from handlers.teams.shadow_notices import (
    approval_request,
    approval_result,
    feedback_request,
    offer,
    offer_update,
)
from tests.teams_shadow_support import verbs
from tests.test_teams_cards import RENDERER

NASTY = "[click](https://evil.example/x) <at>Head of Commercial</at> # URGENT @channel"


def applicant(text: str = NASTY, status: str = "pending_approval") -> ApplicantView:
    return ApplicantView(
        id=7,
        user=PersonRef(1, "Priya Shah"),
        manager=PersonRef(2, "Sam Jones"),
        status=status,
        department=text[:200],
        grade="HEO",
        role=text[:200],
        region="london",
        mode="either",
        available_from=date(2026, 12, 1),
        available_to=date(2027, 1, 31),
        length="week",
        interests=("health",),
        learning_goals=text,
        queue_position=3,
    )


def host(text: str = NASTY) -> HostView:
    return HostView(
        id=4,
        user=PersonRef(3, "Jo Archer"),
        organisation=text[:200],
        contact_name=text[:200],
        contact_email="jo@ambridgemind.org.uk",
        areas=("health",),
        region="london",
        mode="either",
        available_from=date(2026, 12, 1),
        available_to=date(2027, 3, 31),
        activities=text,
    )


def placement(text: str = NASTY, **overrides) -> PlacementView:
    values = dict(
        id=9,
        status="offered",
        applicant_response=None,
        host_response=None,
        expires_at=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
        start_date=None,
        end_date=None,
        applicant=applicant(text, "offered"),
        host=host(text),
    )
    values.update(overrides)
    return PlacementView(**values)


def every_card(text: str = NASTY):
    yield approval_request(applicant(text))
    yield approval_result(applicant(text, "queued"), True)
    yield approval_result(applicant(text, "declined"), False)
    for side in ("applicant", "host"):
        yield offer(placement(text), side)
        for event in sorted(notices.OFFER_EVENTS):
            status = {"confirmed": "accepted", "scheduled": "scheduled"}.get(event, event)
            if event == "accepted":
                status = "offered"
            yield offer_update(placement(text, status=status), event, side)
        yield feedback_request(placement(text, status="completed"), side)


def shown_texts(card: dict) -> list[str]:
    """Every text a card client renders as Markdown: text blocks and facts."""
    found, stack = [], list(card.get("body", []))
    for action in card.get("actions", []):
        stack.extend((action.get("card") or {}).get("body", []))
    while stack:
        element = stack.pop()
        if element.get("type") == "TextBlock":
            found.append(element["text"])
        for fact in element.get("facts", []):
            found.extend((fact["title"], fact["value"]))
        stack.extend(element.get("items", []))
    return found


def assert_safe(summary: str, card: dict) -> None:
    """Rendered as permissively as any card client could (raw HTML, linkify): nothing but
    paragraphs and line breaks, so no link, mention, heading or list came from anyone's text."""
    for text in shown_texts(card):
        rendered = RENDERER.render(text)
        assert set(re.findall(r"</?([a-zA-Z0-9]+)", rendered)) <= {"p", "br"}, rendered
        assert "<at>" not in text
    assert card_bytes(card) <= CARD_BUDGET_BYTES
    assert summary


def test_every_notice_shows_peoples_text_as_typed_and_fits():
    for text, card in every_card():
        assert_safe(text, card)


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=3000))
def test_no_text_makes_a_link_a_mention_or_an_oversized_card(text):
    for summary, card in every_card(text or "x"):
        assert_safe(summary, card)


@pytest.mark.parametrize(
    ("status", "buttons"),
    [
        ("pending_approval", ["shadow_approve", "shadow_decline"]),
        ("queued", []),
        ("declined", []),
        ("withdrawn", []),
    ],
)
def test_the_manager_has_buttons_only_while_there_is_a_decision(status, buttons):
    _, card = approval_request(applicant(status=status))
    assert verbs(card) == buttons


def test_an_answered_offer_has_no_buttons_and_says_where_it_stands():
    answered = placement(applicant_response="accepted")
    _, card = offer(answered, "applicant")
    assert verbs(card) == []
    assert "Waiting for the host to reply" in json.dumps(card)
    _, theirs = offer(answered, "host")
    assert verbs(theirs) == ["shadow_offer_accept", "shadow_offer_decline"]


def test_a_confirmed_placement_asks_for_dates_then_offers_completion():
    _, accepted = offer_update(placement(status="accepted"), "confirmed", "applicant")
    assert verbs(accepted) == ["shadow_schedule", "shadow_complete"]
    scheduled = placement(
        status="scheduled", start_date=date(2026, 12, 7), end_date=date(2026, 12, 11)
    )
    _, dated = offer_update(scheduled, "scheduled", "host")
    assert verbs(dated) == ["shadow_complete"]
    assert "7 Dec 2026 to 11 Dec 2026" in json.dumps(dated)


def test_feedback_given_leaves_a_thank_you_instead_of_the_form():
    given_ = placement(status="completed", feedback_from=frozenset({"applicant"}))
    _, thanked = feedback_request(given_, "applicant")
    assert verbs(thanked) == [] and "Thank you for your feedback." in json.dumps(thanked)
    _, form = feedback_request(given_, "host")
    assert verbs(form) == ["shadow_feedback"]
