"""Adaptive Card building blocks for the Teams front end: cards, text, facts, buttons, and a
guard that keeps every card inside Teams' message size limit.

Every builder that takes text treats it as someone's text (see card_text.safe_text) unless the
caller says it is msbot's own Markdown with ``markdown=True``. Buttons carry a verb and data;
the Teams handlers route on the verb, as the Slack ones route on an action id.
"""

from __future__ import annotations

import copy
import json
import secrets
from collections.abc import Iterable, Mapping

from handlers.teams.card_text import (
    BUTTON_TITLE_LIMIT,
    FACT_TITLE_LIMIT,
    FACT_VALUE_LIMIT,
    TEXT_LIMIT,
    plain_text,
    safe_text,
    shorten_rendered,
)

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# Teams' newest fully supported Adaptive Card version on desktop, web and mobile.
CARD_VERSION = "1.5"
# Teams refuses a message over about 28 KB, counting the text, the card and the activity around
# them (ids, service URL, summary, entities). A card may use what is left after an allowance for
# that envelope; sizes are measured as JSON with non-ASCII escaped, the largest encoding.
MESSAGE_LIMIT_BYTES = 28 * 1024
ENVELOPE_ALLOWANCE_BYTES = 4 * 1024
CARD_BUDGET_BYTES = MESSAGE_LIMIT_BYTES - ENVELOPE_ALLOWANCE_BYTES
VERB_KEY = "verb"
TOKEN_KEY = "submission_token"


class CardTooLarge(ValueError):
    """A card that cannot be brought under the limit by dropping or shortening text: its
    buttons or inputs alone are too big, which is a bug in the caller, not in the data."""


def card_bytes(card: Mapping) -> int:
    return len(json.dumps(card, ensure_ascii=True, separators=(",", ":")))


def adaptive_card(body: Iterable[dict], actions: Iterable[dict] = ()) -> dict:
    card = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": list(body),
        # Full width: a triage card's facts and buttons are cramped at Teams' default width.
        "msteams": {"width": "Full"},
    }
    actions = list(actions)
    if actions:
        card["actions"] = actions
    return card


def attachment(card: dict) -> dict:
    return {"contentType": ADAPTIVE_CARD, "content": card}


def text_block(
    text: object,
    *,
    markdown: bool = False,
    limit: int = TEXT_LIMIT,
    size: str | None = None,
    weight: str | None = None,
    color: str | None = None,
    subtle: bool = False,
    spacing: str | None = None,
) -> dict:
    """A wrapping TextBlock. ``markdown=True`` is for msbot's own fixed wording only."""
    shown = plain_text(text, limit) if markdown else safe_text(text, limit)
    block: dict = {"type": "TextBlock", "text": shown, "wrap": True}
    for key, value in (("size", size), ("weight", weight), ("color", color), ("spacing", spacing)):
        if value:
            block[key] = value
    if subtle:
        block["isSubtle"] = True
    return block


def heading(text: object) -> dict:
    return text_block(text, size="Large", weight="Bolder", limit=200)


def fact_set(facts: Iterable[tuple[object, object]]) -> dict:
    """Label/value pairs (a case's supplier, state, owner...); both sides are escaped."""
    return {
        "type": "FactSet",
        "facts": [
            {
                "title": safe_text(title, FACT_TITLE_LIMIT),
                "value": safe_text(value, FACT_VALUE_LIMIT),
            }
            for title, value in facts
        ],
    }


def _button_data(verb: str, data: Mapping | None) -> dict:
    if not verb or not isinstance(verb, str):
        raise ValueError("a button needs a verb")
    data = dict(data or {})
    if VERB_KEY in data:
        raise ValueError(f"button data must not set {VERB_KEY!r}: it is the verb")
    return {VERB_KEY: verb, **data}


def submit_action(title: object, verb: str, data: Mapping | None = None, **extra) -> dict:
    """Action.Submit: Teams sends ``data`` back (with the form's inputs, if any) as the value
    of a message or, inside a dialog, of the dialog's submit."""
    action = {
        "type": "Action.Submit",
        "title": plain_text(title, BUTTON_TITLE_LIMIT),
        "data": _button_data(verb, data),
    }
    action.update(extra)
    return action


def execute_action(title: object, verb: str, data: Mapping | None = None, **extra) -> dict:
    """Action.Execute (Universal Actions): an ``adaptiveCard/action`` invoke whose answer can
    replace the card for everyone, or for the person who pressed it only."""
    action = {
        "type": "Action.Execute",
        "title": plain_text(title, BUTTON_TITLE_LIMIT),
        "verb": verb,
        "data": _button_data(verb, data),
    }
    action.update(extra)
    return action


def new_submission_token() -> str:
    """A token a dialog carries in its data: Teams has no view id, so a second submission of
    the same dialog (a double click, a retry) is recognised by this token and stored once."""
    return secrets.token_urlsafe(16)


def submitted(value: object) -> tuple[str | None, str | None, dict]:
    """(verb, submission token, the other fields as strings) from a submit's value, whatever
    shape arrived; anything not a string is dropped, as a forged request may send anything."""
    if not isinstance(value, Mapping):
        return None, None, {}
    strings = {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}
    verb = strings.pop(VERB_KEY, None)
    token = strings.pop(TOKEN_KEY, None)
    return verb, token, strings


def see_more_block(text: object) -> dict:
    return text_block(text, subtle=True, spacing="Medium")


def _longest_text(card: dict, inputs: bool) -> tuple[dict, str] | None:
    """The longest shortenable string in the body: a TextBlock's text or a fact's value (and,
    with ``inputs``, a text input's kept answer), looking inside containers and columns too."""
    candidates: list[tuple[dict, str]] = []
    stack = list(card.get("body", []))
    while stack:
        element = stack.pop()
        if not isinstance(element, dict):
            continue
        if element.get("type") == "TextBlock" and isinstance(element.get("text"), str):
            candidates.append((element, "text"))
        if element.get("type") == "FactSet":
            candidates.extend((fact, "value") for fact in element.get("facts", []))
        if inputs and element.get("type") == "Input.Text" and isinstance(element.get("value"), str):
            candidates.append((element, "value"))
        for key in ("items", "columns"):
            stack.extend(element.get(key) or [])
    if not candidates:
        return None
    holder, key = max(candidates, key=lambda found: len(found[0][found[1]]))
    return (holder, key) if len(holder[key]) > 1 else None


def shorten_texts(card: dict, budget: int = CARD_BUDGET_BYTES, *, inputs: bool = False) -> None:
    """Shorten the card's longest texts, in place, until it fits (never dropping an element)."""
    while card_bytes(card) > budget:
        found = _longest_text(card, inputs)
        if found is None:
            raise CardTooLarge(f"card is {card_bytes(card)} bytes with no text left to shorten")
        holder, key = found
        # Each character is at least one byte and the ellipsis at most six, so cutting this
        # much from one text is enough if that text holds the whole excess.
        excess = card_bytes(card) - budget + 6
        holder[key] = shorten_rendered(holder[key], max(1, len(holder[key]) - excess))


def shrink_to_fit(card: dict, see_more: object, *, budget: int = CARD_BUDGET_BYTES) -> dict:
    """The card if it fits; otherwise a copy with trailing body elements dropped (the first is
    kept: it is the title) and a line saying how many were left out and where to see them
    (``see_more``, e.g. 'Type "status MS-2026-0012" in your chat with msbot for the rest.');
    if one element alone is too big, its text is shortened too."""
    if card_bytes(card) <= budget:
        return card
    card = copy.deepcopy(card)
    kept = list(card.get("body", []))
    dropped = 0

    def with_note() -> list[dict]:
        if not dropped:
            return kept
        return [*kept, see_more_block(_see_more_text(dropped, see_more))]

    while len(kept) > 1 and card_bytes({**card, "body": with_note()}) > budget:
        kept.pop()
        dropped += 1
    card["body"] = with_note()
    shorten_texts(card, budget)
    return card


def _see_more_text(dropped: int, see_more: object) -> str:
    items = "item" if dropped == 1 else "items"
    return f"{dropped} more {items} did not fit in this card. {plain_text(see_more, 300)}".strip()


def split_to_fit(
    header: Iterable[dict],
    elements: Iterable[dict],
    *,
    actions: Iterable[dict] = (),
    budget: int = CARD_BUDGET_BYTES,
) -> list[dict]:
    """Cards that together show every element: each starts with ``header``, the last carries
    ``actions``, and each but the last ends with a line saying more follows, so a long list
    (a digest, a timeline) arrives as several messages rather than not at all."""
    header, actions = list(header), list(actions)
    pages: list[list[dict]] = [[]]
    for element in elements:
        trial = adaptive_card([*header, *pages[-1], element, _continued(1, 2)], actions)
        if pages[-1] and card_bytes(trial) > budget:
            pages.append([])
        pages[-1].append(element)
    total = len(pages)
    cards = []
    for number, page in enumerate(pages, start=1):
        last = number == total
        body = [*header, *page] + ([] if last else [_continued(number, total)])
        # A copy: shortening works in place, and the header is shared by every page.
        card = copy.deepcopy(adaptive_card(body, actions if last else ()))
        shorten_texts(card, budget)
        cards.append(card)
    return cards


def _continued(number: int, total: int) -> dict:
    return see_more_block(f"Continued in the next message ({number} of {total}).")
