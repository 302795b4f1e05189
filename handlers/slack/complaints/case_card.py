"""The live triage card: drawn from the case's read model (bot.complaints.views.CaseView) as
it is when the message is sent, posted once and then updated in place (chat.update of its ts)
after every change. A pure function of the view: the core decides what is overdue, which
moves the state offers and what is related.

Its buttons fit the current state; their listeners live in card_actions.py.
"""

from __future__ import annotations

from bot.complaints import catalog, delivery_views, related_view
from bot.complaints.views import CaseView
from bot.people import SLACK
from handlers.slack.complaints.messages import raised_by
from handlers.slack.slack_text import (
    OPTION_TEXT_MAX,
    context,
    escape,
    fields_section,
    header,
    mention,
    plain,
    safe,
    section,
)
from handlers.slack.transport import Rendered

SUMMARY_MAX = 600
MENU_OPTIONS_MAX = 100  # Slack's limit on a static_select's options

# Action ids of the card's controls.
ASSIGN_SELF = "complaint_assign_self"
ASSIGN_TO = "complaint_assign_to"
DO = "complaint_do"  # value "REF|action": a move that needs no form
OPEN_FORM = "complaint_open_form"  # value "REF|form": resolve, out_of_scope, follow_up


def _day(d) -> str:
    return f"{d:%-d %b %Y}" if d else "-"


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    out = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        out["style"] = style
    return out


def assign_menu(people, assignee: str | None) -> dict | None:
    """ "Assign to…": only the people who may take the case (``people``: (user id, name),
    from the role directory), not its assignee; None when there is nobody to offer."""
    offered = [(user_id, name) for user_id, name in people if user_id != assignee]
    if not offered:
        return None
    return {
        "type": "static_select",
        "action_id": ASSIGN_TO,
        "placeholder": plain("Assign to…", 150),
        "options": [
            {"text": plain(name, OPTION_TEXT_MAX), "value": user_id}
            for user_id, name in offered[:MENU_OPTIONS_MAX]
        ],
    }


def controls(case: CaseView, people=()) -> list[dict]:
    """The buttons that fit the case's current state."""
    if not case.is_open:
        return []
    ref = case.reference
    elements = []
    if case.assignee is None:
        elements.append(_button("Assign to me", ASSIGN_SELF, ref, "primary"))
    holder = case.person(case.assignee)
    if menu := assign_menu(people, holder.account(SLACK) if holder else None):
        elements.append(menu)
    for offer in case.offered:
        action_id = OPEN_FORM if offer.form else DO
        elements.append(_button(catalog.MOVE_BUTTONS[offer.name], action_id, f"{ref}|{offer.name}"))
    # block_id carries the reference so the user select knows which case it is for.
    return [{"type": "actions", "block_id": f"case|{ref}", "elements": elements[:25]}]


def card(case: CaseView, people=()) -> tuple[str, list[dict]]:
    flag = ""
    if case.any_overdue:
        flag = " :red_circle: *Overdue*"
    elif case.any_due_soon:
        flag = " :large_orange_circle: Due soon"
    category = escape(case.category_label)
    authority = safe(case.authority, 200)
    spot_check = case.kind == "spot_check"
    pairs = [
        ("Status", escape(case.status_label) + flag),
        ("Assignee", mention(case.person(case.assignee)) if case.assignee else "Unassigned"),
        ("Category", category),
        ("Authority", authority),
        ("Response due", _day(case.effective_due)),
        ("Raised by", "Spot check by the team" if spot_check else raised_by(case)),
        ("Procurement", safe(case.title, 300)),
    ]
    if case.authority_reply_due:
        replied = f" (replied {_day(case.authority_replied_on)})"
        pairs.append(
            (
                "Authority reply due",
                _day(case.authority_reply_due) + (replied if case.authority_replied_on else ""),
            )
        )
    if case.follow_up_due:
        pairs.append(("Follow-up due", _day(case.follow_up_due)))
    if case.outcome_label:
        pairs.append(("Outcome", escape(case.outcome_label)))
    if related := related_view.describe(case.related_summary):
        pairs.append(("Related cases", related))
    title = "Spot check" if spot_check else "Complaint"
    blocks = [
        header(f"{title} {case.reference}"),
        # A section holds at most ten fields.
        *(fields_section(pairs[i : i + 8]) for i in range(0, len(pairs), 8)),
        section(f"*What happened*\n{safe(case.what_happened, SUMMARY_MAX)}"),
    ]
    if case.status_reason:
        blocks.append(section(f"*Reason*\n{safe(case.status_reason, SUMMARY_MAX)}"))
    blocks += controls(case, people)
    blocks.append(
        context(f"Received {_day(case.received_on)} · {case.reference} · reply in this thread")
    )
    text = f"{title} {case.reference}: {escape(case.status_label)}: {category} at {authority}"
    return text, blocks


def refreshed_card(refresh: delivery_views.CardRefresh, people=()) -> Rendered:
    """chat.update of the posted card, drawn from the data as it is now."""
    text, blocks = card(refresh.case, people)
    return Rendered(
        text,
        blocks,
        update_ts=refresh.card.message_id,
        channel_id=refresh.card.conversation_id,
    )
