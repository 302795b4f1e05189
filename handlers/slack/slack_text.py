"""Making user text safe to show in Slack, and keeping within Block Kit's limits."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.people import SLACK, PersonRef
from bot.text import shorten

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

# Block Kit limits (https://api.slack.com/reference/block-kit): checked here so no renderer
# can post a block Slack would reject.
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
HEADER_TEXT_MAX = 150
OPTION_TEXT_MAX = 75
MODAL_TITLE_MAX = 24
MESSAGE_TEXT_MAX = 4000


def escape(text: str | None) -> str:
    """Escape the three characters Slack's mrkdwn gives meaning to.

    With ``<`` and ``>`` escaped, ``<!channel>``, ``<!here>``, ``<@U123>`` and
    ``<https://evil.example|gov.uk>`` show literally and notify or link nothing.
    """
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe(text: str | None, limit: int) -> str:
    """Shorten, then escape, keeping the result within ``limit`` characters."""
    value = shorten(text or "", limit)
    out = escape(value)
    while len(out) > limit:  # escaping can lengthen the text; trim until it fits
        value = shorten(value, len(value) - (len(out) - limit))
        out = escape(value)
    return out


def mention(person: PersonRef | str | None) -> str:
    """How a renderer shows a person: a mention of their Slack account, else their name,
    escaped (someone who uses only Teams cannot be mentioned in Slack).

    A plain string is a Slack user id from code that has no ``PersonRef`` yet: mentioned if it
    is one we validated ourselves, else shown as text.
    """
    if isinstance(person, PersonRef):
        slack_id = person.account(SLACK)
        if slack_id and _USER_ID.match(slack_id):
            return f"<@{slack_id}>"
        return escape(person.name or "someone")
    if person and _USER_ID.match(person):
        return f"<@{person}>"
    return escape(person or "someone")


def mention_of(people: Mapping[int, PersonRef], person: int | str | None) -> str:
    """``mention`` of a person id, with the people looked up beforehand (in one batch)."""
    if isinstance(person, int) and not isinstance(person, bool):
        return mention(people.get(person))
    return mention(person)


def plain(text: str, limit: int) -> dict:
    return {"type": "plain_text", "text": shorten(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def section(text: str) -> dict:
    return {"type": "section", "text": mrkdwn(text[:SECTION_TEXT_MAX])}


def fields_section(pairs: list[tuple[str, str]]) -> dict:
    """Up to ten label/value fields; values must already be escaped."""
    fields = [mrkdwn(f"*{label}*\n{value}"[:FIELD_TEXT_MAX]) for label, value in pairs[:10]]
    return {"type": "section", "fields": fields}


def header(text: str) -> dict:
    return {"type": "header", "text": plain(text, HEADER_TEXT_MAX)}


def context(text: str) -> dict:
    return {"type": "context", "elements": [mrkdwn(text[:SECTION_TEXT_MAX])]}


def options(pairs: tuple[tuple[str, str], ...]) -> list[dict]:
    return [{"text": plain(lbl, OPTION_TEXT_MAX), "value": val} for val, lbl in pairs]
