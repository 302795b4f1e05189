"""Every work-shadowing notice (bot.shadowing.notices) as a Teams card in the person's 1:1 chat:
the line manager's approval request, its result, the offer, the offer's news and the feedback
request. Pure functions of the core's read models; shadow_actions.py answers their buttons
with the same cards redrawn, so a card updated in place shows what is true now.

Slack opens a modal from a button for the dates and the feedback; a Teams card can hold the
inputs itself (and the Agents Playground opens no dialog from a card button), so those cards
are the forms, and a refused answer comes back on the same card with the reason under its
field and the answers kept.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.shadowing import delivery_views, notices
from bot.shadowing.catalog import status_label
from bot.shadowing.views import ApplicantView, PlacementView
from bot.shadowing.wording import (
    WORTHWHILE,
    YES_NO,
    approval_outcome,
    day,
    decision_note,
    offer_news,
    offer_state,
    uk_day,
)
from handlers.teams.card_forms import FormField, form_inputs
from handlers.teams.cards import adaptive_card, heading, text_block
from handlers.teams.outgoing import TeamsOut
from handlers.teams.shadow_cards import (
    APPLICANT_KEY,
    APPROVE,
    COMPLETE,
    DECLINE,
    FEEDBACK,
    OFFER_ACCEPT,
    OFFER_DECLINE,
    PLACEMENT_KEY,
    SCHEDULE,
    applicant_facts,
    button,
    host_facts,
    name_of,
    note,
    titled,
    with_whom,
    yes_or_no,
)

SCHEDULE_FIELDS = (
    FormField("start_date", "First day", "date", required=True),
    FormField("end_date", "Last day", "date", required=True),
)
FEEDBACK_FIELDS = (
    FormField("worthwhile", "Was it worthwhile?", "choice", required=True, choices=WORTHWHILE),
    FormField("learned", "What did you learn about the other sector?", "multiline"),
    FormField(
        "would_recommend",
        "Would you recommend it to a colleague?",
        "choice",
        required=True,
        choices=YES_NO,
    ),
)
Answers = Mapping[str, object] | None


def approval_request(a: ApplicantView) -> tuple[str, dict]:
    who = name_of(a.user)
    text = f"{who} asks for your approval to join work-shadowing."
    body = [
        text_block(
            f"{who} would like to join the work-shadowing scheme and needs your approval as "
            "their line manager."
        ),
        applicant_facts(a),
        *titled("What they want to learn", a.learning_goals),
    ]
    actions = []
    if a.status == "pending_approval":
        question = "Decline this sign-up? They will be told you did not approve."
        actions = yes_or_no("Approve", (APPROVE, DECLINE), question, APPLICANT_KEY, a.id)
    else:
        body.append(note(decision_note(a.status)))
    return text, adaptive_card(body, actions)


def approval_result(a: ApplicantView, approved: bool) -> tuple[str, dict]:
    text, detail = approval_outcome(approved, a.status, a.queue_position, '"shadow signup"')
    body = [text_block(f"{text} {detail}")]
    if approved:
        body.append(
            note(
                'We will message you when a round finds you a host. Type "shadow status" any time.'
            )
        )
    return text, adaptive_card(body)


def offer(p: PlacementView, side: str) -> tuple[str, dict]:
    a, h = p.applicant, p.host
    reply_by = ("Reply by", uk_day(p.expires_at))
    if side == "applicant":
        text = f"You have a work-shadowing offer from {h.organisation}."
        body = [heading("A work-shadowing offer"), text_block(text), host_facts(h, reply_by)]
        body += titled("What you would do", h.activities)
    else:
        text = f"A civil servant has been matched to {h.organisation}."
        body = [
            heading("A civil servant matched to your places"),
            text_block(f"{text} If you both accept, you will be put in touch."),
            applicant_facts(a),
            text_block(f"{reply_by[0]}: {reply_by[1]}"),
        ]
        body += titled("What they want to learn", a.learning_goals)
    actions = []
    if p.status == "offered" and p.response(side) is None:
        question = "Decline this offer? It cannot be taken back."
        actions = yes_or_no("Accept", (OFFER_ACCEPT, OFFER_DECLINE), question, PLACEMENT_KEY, p.id)
    else:
        body.append(note(offer_state(p, side)))
    return text, adaptive_card(body, actions)


def _contacts(p: PlacementView, side: str) -> list[dict]:
    if side == "applicant":
        h = p.host
        contact = h.contact_name + (f", {h.contact_email}" if h.contact_email else "")
        return [
            text_block(f"Host: {h.organisation}. Contact: {contact}. In Teams: {name_of(h.user)}.")
        ]
    a = p.applicant
    return [text_block(f"Civil servant: {name_of(a.user)}, {a.role}, {a.department}.")]


def placement_controls(
    p: PlacementView, values: Answers = None, errors: Answers = None
) -> tuple[list[dict], list[dict]]:
    """The confirmed placement's form and buttons: dates while they are not set, "Mark
    completed" until it is (the core refuses completing before the dates are set)."""
    if p.status == "accepted":
        body = form_inputs(SCHEDULE_FIELDS, values=values, errors=errors)
        actions = [
            button("Set dates", SCHEDULE, PLACEMENT_KEY, p.id, style="positive"),
            button("Mark completed", COMPLETE, PLACEMENT_KEY, p.id),
        ]
        return body, actions
    if p.status == "scheduled":
        body = [note(f"Dates: {day(p.start_date)} to {day(p.end_date)}.")]
        if errors:
            body += form_inputs((), errors=errors)
        return body, [button("Mark completed", COMPLETE, PLACEMENT_KEY, p.id, style="positive")]
    if p.status == "completed":
        return [note("This placement is completed.")], []
    return [note(f"This placement is {status_label(p.status)}.")], []


def offer_update(
    p: PlacementView, event: str, side: str, values: Answers = None, errors: Answers = None
) -> tuple[str, dict]:
    news = offer_news(p, event, side, with_whom(p, side), p.applicant.department)
    text = news.text
    body = [text_block(f"{text} {news.more}".strip())]
    if event == "confirmed":
        body += _contacts(p, side)
    if news.aside:
        body.append(note(news.aside))
    actions: list[dict] = []
    if event in ("confirmed", "scheduled"):
        more, actions = placement_controls(p, values, errors)
        body += more
    return text, adaptive_card(body, actions)


def feedback_request(
    p: PlacementView, side: str, values: Answers = None, errors: Answers = None
) -> tuple[str, dict]:
    text = f"How did your placement with {with_whom(p, side)} go?"
    body = [text_block(f"{text} Three quick questions help us improve the scheme.")]
    actions = []
    if side in p.feedback_from:
        body.append(note("Thank you for your feedback."))
    else:
        body += form_inputs(FEEDBACK_FIELDS, values=values, errors=errors)
        actions = [button("Send feedback", FEEDBACK, PLACEMENT_KEY, p.id, style="positive")]
    return text, adaptive_card(body, actions)


# --- the outbox's renderers ------------------------------------------------------------------


def _out(drawn: tuple[str, dict], message=None) -> TeamsOut:
    text, card = drawn
    if message is not None and message.update_ts:
        # A re-render of a card sent earlier (bot.shadowing.notices.refresh): update it.
        return TeamsOut(
            text, card, conversation_id=message.update_conversation, update_id=message.update_ts
        )
    return TeamsOut(text, card)


def _approval_request(session, msg) -> TeamsOut:
    return _out(approval_request(delivery_views.applicant_message(session, msg).applicant))


def _approval_result(session, msg) -> TeamsOut:
    loaded = delivery_views.applicant_message(session, msg)
    return _out(approval_result(loaded.applicant, loaded.approved))


def _offer(session, msg) -> TeamsOut:
    m = delivery_views.placement_message(session, msg)
    return _out(offer(m.placement, m.side), m)


def _offer_update(session, msg) -> TeamsOut:
    m = delivery_views.placement_message(session, msg)
    return _out(offer_update(m.placement, m.event, m.side), m)


def _feedback_request(session, msg) -> TeamsOut:
    m = delivery_views.placement_message(session, msg)
    return _out(feedback_request(m.placement, m.side), m)


RENDERERS = {
    notices.APPROVAL_REQUEST: _approval_request,
    notices.APPROVAL_RESULT: _approval_result,
    notices.OFFER: _offer,
    notices.OFFER_UPDATE: _offer_update,
    notices.FEEDBACK_REQUEST: _feedback_request,
}
