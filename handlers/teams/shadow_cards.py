"""Pieces every work-shadowing card in Teams is drawn with: dates, the facts of a sign-up and of
a host, names, buttons and the small note that replaces spent buttons. Pure functions of the
core's read models (bot.shadowing.views).

Everyone's text (a department, an organisation, what someone wants to learn) goes through
``cards`` / ``card_text``, so it shows as typed: never a link, a heading or a mention. The
buttons are ``Action.Execute`` (the answer replaces the card for whoever pressed it), each
carrying the record it acts on; a decline asks again first, on a card shown under it.

Privacy: conflicts of interest (and their reasons) appear only on the coordinators' list
(shadow_coordinators.py); nothing here mentions them.
"""

from __future__ import annotations

from bot.people import PersonRef
from bot.shadowing import catalog
from bot.shadowing.views import ApplicantView, HostView, PlacementView
from bot.shadowing.wording import day
from handlers.teams.cards import adaptive_card, execute_action, fact_set, text_block

LONG_TEXT = 1500
NAME = 200
NOTE_COLOUR = "Accent"

# The verbs of every work-shadowing button, and the key of the record each acts on.
APPROVE = "shadow_approve"
DECLINE = "shadow_decline"
OFFER_ACCEPT = "shadow_offer_accept"
OFFER_DECLINE = "shadow_offer_decline"
SCHEDULE = "shadow_schedule"
COMPLETE = "shadow_complete"
FEEDBACK = "shadow_feedback"
ROUND_COMMIT = "shadow_round_commit"
SIGNUP = "shadow_signup"
HOST = "shadow_host"
APPLICANT_KEY = "applicant"
PLACEMENT_KEY = "placement"
ROUND_KEY = "round"


def name_of(person: PersonRef | None) -> str:
    """What a card calls someone: their display name, or a neutral phrase (never an id)."""
    if person is None or not person.name:
        return "someone"
    return person.name


def labels(choices, values) -> str:
    return ", ".join(catalog.label(choices, v) for v in values or ()) or "none given"


def applicant_facts(a: ApplicantView) -> dict:
    return fact_set(
        [
            ("Department", a.department),
            ("Grade", catalog.label(catalog.GRADES, a.grade)),
            ("Role", a.role),
            ("Region", catalog.label(catalog.REGIONS, a.region)),
            ("Way of working", catalog.label(catalog.MODES, a.mode)),
            ("Available", f"{day(a.available_from)} to {day(a.available_to)}"),
            ("Length", catalog.label(catalog.LENGTHS, a.length)),
            ("Interests", labels(catalog.INTEREST_AREAS, a.interests)),
        ]
    )


def host_facts(h: HostView, *extra: tuple[str, str]) -> dict:
    return fact_set(
        [
            ("Organisation", h.organisation),
            ("Areas", labels(catalog.INTEREST_AREAS, h.areas)),
            ("Region", catalog.label(catalog.REGIONS, h.region)),
            ("Way of working", catalog.label(catalog.MODES, h.mode)),
            ("Available", f"{day(h.available_from)} to {day(h.available_to)}"),
            *extra,
        ]
    )


def titled(title: str, text: object) -> list[dict]:
    """A bold label (msbot's words) over someone's text (escaped)."""
    return [text_block(title, weight="Bolder", spacing="Medium"), text_block(text, limit=LONG_TEXT)]


def note(text: object) -> dict:
    """The line that stands where spent buttons were (a decision made, an offer answered)."""
    return text_block(text, subtle=True, spacing="Medium")


def button(title: str, verb: str, key: str, record_id: int, **extra) -> dict:
    return execute_action(title, verb, {key: str(record_id)}, **extra)


def confirm_first(title: str, question: str, verb: str, key: str, record_id: int) -> dict:
    """A button that shows a question and the real button under the card: Adaptive Cards have
    no confirmation dialog, and a decline cannot be taken back."""
    return {
        "type": "Action.ShowCard",
        "title": title,
        "card": adaptive_card(
            [text_block(question)],
            [button(f"Yes, {title.lower()}", verb, key, record_id, style="destructive")],
        ),
    }


def yes_or_no(yes: str, verbs: tuple[str, str], question: str, key: str, record_id: int):
    """The two buttons of a decision: ``yes`` at once, Decline after ``question``."""
    accept, decline = verbs
    return [
        button(yes, accept, key, record_id, style="positive"),
        confirm_first("Decline", question, decline, key, record_id),
    ]


def with_whom(p: PlacementView, side: str) -> str:
    """The other party, as the person on ``side`` reads it (plain text: escape it to show)."""
    if side == "applicant":
        return p.host.organisation
    return f"a civil servant from {p.applicant.department}"
