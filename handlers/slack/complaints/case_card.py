"""The live triage card: drawn from the case as it is when the message is sent, posted once
and then updated in place (chat.update of its ts) after every change.

Its buttons fit the current state; their listeners live in
card_actions.py.
"""

from __future__ import annotations

from sqlmodel import Session, select

from bot import conversations
from bot.clock import today_uk
from bot.complaints import catalog, deadlines, lifecycle, related_view
from bot.complaints.intake import TRIAGE_CARD
from bot.complaints.notices import CARD_REFRESH
from bot.outbox import NotReady, PermanentDeliveryError, Skip
from handlers.slack.complaints.messages import raised_by
from handlers.slack.posted_lookup import PLATFORM
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
from models import Complaint, OutboxMessage

SUMMARY_MAX = 600
MENU_OPTIONS_MAX = 100  # Slack's limit on a static_select's options

# Action ids of the card's controls.
ASSIGN_SELF = "complaint_assign_self"
ASSIGN_TO = "complaint_assign_to"
DO = "complaint_do"  # value "REF|action": a move that needs no form
OPEN_FORM = "complaint_open_form"  # value "REF|form": resolve, out_of_scope, follow_up

# Moves offered as plain buttons, by current status (anything needing details opens a form).
SIMPLE_BUTTONS: dict[str, tuple[tuple[str, str], ...]] = {
    "received": (("triage", "Triage"),),
    "triaged": (("start", "Start investigating"),),
    "investigating": (("contact_authority", "Contacted authority"),),
    "awaiting_authority": (("authority_replied", "Authority replied"),),
    "awaiting_supplier": (("supplier_replied", "Supplier replied"),),
}
FORM_BUTTONS: dict[str, tuple[tuple[str, str], ...]] = {
    "received": (("out_of_scope", "Out of scope"),),
    "triaged": (("out_of_scope", "Out of scope"),),
    "investigating": (("resolve", "Resolve"),),
    "awaiting_authority": (("resolve", "Resolve"),),
    "follow_up": (("follow_up", "Record follow-up"),),
}


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


def related_text(rel: related_view.Related) -> str | None:
    """A few references, never every one: the group as in "Same procurement (68 cases):
    MS-2026-0001, MS-2026-0002, MS-2026-0003 and 65 more", then the cases linked by hand."""

    def named(refs: tuple[str, ...], more: int) -> str:
        return ", ".join(refs) + (f" and {more} more" if more else "")

    lines = []
    if rel.group_size > 1:
        lines.append(
            f"Same procurement ({rel.group_size} cases): " + named(rel.group_refs, rel.group_more)
        )
    if rel.linked_count:
        lines.append("Linked: " + named(rel.linked_refs, rel.linked_more))
    return "\n".join(lines) or None


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


def controls(case: Complaint, people=()) -> list[dict]:
    """The buttons that fit the case's current state."""
    if case.status in lifecycle.CLOSED_STATUSES:
        return []
    ref = case.reference
    elements = []
    if case.assignee_user_id is None:
        elements.append(_button("Assign to me", ASSIGN_SELF, ref, "primary"))
    if menu := assign_menu(people, case.assignee_user_id):
        elements.append(menu)
    for action, label in SIMPLE_BUTTONS.get(case.status, ()):
        elements.append(_button(label, DO, f"{ref}|{action}"))
    for form, label in FORM_BUTTONS.get(case.status, ()):
        elements.append(_button(label, OPEN_FORM, f"{ref}|{form}"))
    if case.status == "resolved":
        if case.follow_up_due:  # recorded early: the form moves it through follow-up
            elements.append(_button("Record follow-up", OPEN_FORM, f"{ref}|follow_up"))
        else:
            elements.append(_button("Close", DO, f"{ref}|close"))
    # block_id carries the reference so the user select knows which case it is for.
    return [{"type": "actions", "block_id": f"case|{ref}", "elements": elements[:25]}]


def card(session: Session, case: Complaint, today=None, people=()) -> tuple[str, list[dict]]:
    today = today or today_uk()
    status = catalog.STATUS_LABELS.get(case.status, case.status)
    due = deadlines.effective_due(case, today)
    flag = ""
    if deadlines.service_overdue(case, today) or deadlines.authority_overdue(case, today):
        flag = " :red_circle: *Overdue*"
    elif deadlines.service_due_soon(case, today) or deadlines.authority_due_soon(case, today):
        flag = " :large_orange_circle: Due soon"
    category = escape(catalog.label(catalog.CATEGORIES, case.category))
    authority = safe(case.authority_name, 200)
    pairs = [
        ("Status", escape(status) + flag),
        ("Assignee", mention(case.assignee_user_id) if case.assignee_user_id else "Unassigned"),
        ("Category", category),
        ("Authority", authority),
        ("Response due", _day(due)),
        ("Raised by", "Spot check by the team" if case.kind == "spot_check" else raised_by(case)),
        ("Procurement", safe(case.procurement_title, 300)),
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
    if case.outcome:
        pairs.append(("Outcome", escape(catalog.label(catalog.OUTCOMES, case.outcome))))
    if related := related_text(related_view.summary(session, case)):
        pairs.append(("Related cases", related))
    title = "Spot check" if case.kind == "spot_check" else "Complaint"
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
    text = f"{title} {case.reference}: {escape(status)}: {category} at {authority}"
    return text, blocks


def _case(session: Session, msg: OutboxMessage) -> Complaint:
    case = session.get(Complaint, msg.subject_id)
    if case is None:
        raise PermanentDeliveryError(f"case {msg.subject_id} no longer exists")
    return case


def render_first_card(session: Session, msg: OutboxMessage, people=()) -> tuple[str, list[dict]]:
    return card(session, _case(session, msg), people=people)


def render_refresh(session: Session, msg: OutboxMessage, people=()) -> Rendered:
    """chat.update of the posted card, drawn from the data as it is now."""
    case = _case(session, msg)
    posted = conversations.message_of(session, PLATFORM, conversations.CASE_CARD, case.id)
    if posted is None:
        first = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.kind == TRIAGE_CARD,
                OutboxMessage.subject_id == case.id,
                OutboxMessage.status == "pending",
            )
        ).first()
        if first is not None and first.claimed_until is not None:
            # The first card is being posted right now, perhaps drawn before this change:
            # update it once its ts is known.
            raise NotReady("the triage card is being posted")
        # Not posted yet (it will be drawn from current data when it is), or never will be.
        raise Skip()
    text, blocks = card(session, case, people=people)
    return Rendered(text, blocks, update_ts=posted.message_id, channel_id=posted.conversation_id)


def renderers(assignable=None) -> dict:
    """The card's renderers; ``assignable()`` lists who "Assign to…" offers, asked each time a
    card is drawn (it caches)."""

    def people():
        return assignable() if assignable is not None else []

    return {
        TRIAGE_CARD: lambda s, msg: render_first_card(s, msg, people()),
        CARD_REFRESH: lambda s, msg: render_refresh(s, msg, people()),
    }


RENDERERS = renderers()
