"""The lines msbot posts in a case's thread in Teams (the triage card's replies): audit lines
and the supplier's relayed answers, drawn from the core's ThreadLine. A pure function of it.

People are named by the display name the core keeps; everything shown goes through
card_text's escaping (names included: a display name is someone's text too). The supplier is
never named: the core's line carries no identity for them, and none is looked up here.
"""

from __future__ import annotations

from bot.complaints.delivery_views import ThreadLine
from bot.outbox import Skip
from bot.people import PersonRef
from handlers.teams.card_text import plain_text
from handlers.teams.cards import adaptive_card, text_block

RELAY_MAX = 3000
REASON_MAX = 1500


def _name(person: PersonRef | None, nobody: str) -> str:
    return (person.name if person is not None and person.name else None) or nobody


def _cases(size) -> str:
    n = size if isinstance(size, int) else 0
    return f"{n} cases" if n != 1 else "1 case"


def wording(line: ThreadLine) -> tuple[str, str | None]:
    """(the line, a quoted text under it or None) for one thread event; Skip for an event
    this version does not know (a newer process queued it)."""
    by = _name(line.actor, "The service")
    match line.event:
        case "transition":
            return f"{by} moved the case from {line.from_label} to {line.to_label}.", line.reason
        case "assigned":
            return f"{by} assigned the case to {_name(line.assigned_to, 'someone')}.", None
        case "linked" | "unlinked" as event:
            return f"{by} {event} this case and {line.other_reference}.", None
        case "grouped":
            return (
                f"{by} found {_cases(line.group_size)} about this procurement: this case "
                f"joins the group first raised as {line.other_reference}."
            ), None
        case "joined":
            return (
                f"{line.other_reference} is about the same procurement: "
                f"{_cases(line.group_size)} in this group now."
            ), None
        case "relayed":
            return f"{by} sent the supplier:", line.text
        case "supplier_replied":
            return "The supplier replied:", line.text
        case "revealed":
            return f"{by} looked up who raised this case. The look-up is recorded.", None
    raise Skip()


def thread_card(line: ThreadLine) -> tuple[str, dict]:
    """(plain summary, card) of one line in the card's replies."""
    said, quoted = wording(line)
    body = [text_block(said, weight="Bolder" if quoted else None)]
    if quoted:
        limit = REASON_MAX if line.event == "transition" else RELAY_MAX
        body.append(text_block(quoted, limit=limit, subtle=True, spacing="None"))
    return plain_text(said, 300), adaptive_card(body)
