"""Placements once both sides accept: the news each side gets, `/shadow end`, the dates and
feedback forms, and "Mark completed"."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, App
from sqlmodel import Session, select

from bot.db import transaction
from bot.errors import StoreUnavailable
from bot.shadowing import notices, placements
from bot.shadowing.catalog import status_label
from handlers.slack.commands import Subcommand, record_id, whole_number
from handlers.slack.services import Services
from handlers.slack.shadowing import forms
from handlers.slack.shadowing.blocks import (
    NAME,
    Parties,
    actions,
    button,
    day,
    find_parties,
    parties,
    placement_renderer,
    side_of,
    with_whom,
)
from handlers.slack.shadowing.common import (
    UNAVAILABLE,
    attempt,
    clicked_value,
    clicker,
    explain,
    no_such,
    on_click,
    refused,
    submitter,
    tell_clicker,
)
from handlers.slack.slack_text import context, escape, fields_section, mention, safe, section
from models import ShadowFeedback

SCHEDULE_OPEN = "shadow_schedule_open"
COMPLETE = "shadow_complete"
FEEDBACK_OPEN = "shadow_feedback_open"


# --- messages -------------------------------------------------------------------------------


def _contacts(p: Parties, side: str) -> dict:
    if side == "applicant":
        h = p.host
        contact = safe(h.contact_name, NAME)
        if h.contact_email:
            contact += f"\n{safe(h.contact_email, NAME)}"
        return fields_section(
            [("Host", p.organisation), ("Contact", contact), ("On Slack", mention(h.user_id))]
        )
    a = p.applicant
    return fields_section(
        [
            ("Civil servant", mention(a.user_id)),
            ("Department", safe(a.department, NAME)),
            ("Role", safe(a.role, NAME)),
        ]
    )


def _placement_buttons(p: Parties) -> dict | None:
    """The confirmed placement's controls. Both stay on the confirmation: it is the message
    people come back to once the dates are set (the core refuses completing before then)."""
    status, pid = p.placement.status, p.placement.id
    if status == "accepted":
        return actions(
            "shadow_placement",
            button("Set dates", SCHEDULE_OPEN, pid, style="primary"),
            button("Mark completed", COMPLETE, pid),
        )
    if status == "scheduled":
        return actions("shadow_placement", button("Mark completed", COMPLETE, pid, style="primary"))
    return None


def offer_update(p: Parties, event: str, side: str) -> tuple[str, list[dict]]:
    whom = with_whom(p, side)
    placement = p.placement
    if event == "accepted":
        if side == "applicant":
            text = f"{whom} accepted the offer of a placement with you."
        else:
            text = f"The civil servant from *{safe(p.applicant.department, NAME)}* accepted."
        if placement.status == "offered" and p.response(side) is None:
            text += " Reply using the buttons on the offer."
        blocks = [section(text)]
    elif event == "confirmed":
        text = f"Both sides accepted: your placement with {whom} is confirmed."
        blocks = [
            section(f"{text} Get in touch to agree dates, then record them here."),
            _contacts(p, side),
        ]
    elif event in ("declined", "expired"):
        what = "was declined" if event == "declined" else "expired before both sides accepted"
        text = f"The offer of a placement with {whom} {what}."
        if side == "applicant":
            after = "You keep your place in the queue for the next round."
        else:
            after = "The place is free again for the next round."
        blocks = [section(f"{text} {after}")]
    elif event == "withdrawn":
        confirmed = placement.applicant_response == placement.host_response == "accepted"
        what = "placement" if confirmed else "offer of a placement"
        text = f"The {what} with {whom} was withdrawn."
        blocks = [section(text)]
        if side == "applicant" and p.applicant.status == "queued":
            blocks.append(context("You keep your place in the queue for the next round."))
    elif event == "scheduled":
        text = (
            f"Dates are set for the placement with {whom}: "
            f"{day(placement.start_date)} to {day(placement.end_date)}."
        )
        blocks = [section(text)]
    elif event == "completed":
        text = f"The placement with {whom} is marked completed. Thank you for taking part."
        blocks = [section(text)]
    else:
        state = status_label(placement.status)
        text = f"Your placement with {whom} is now {escape(state)}."
        blocks = [section(text)]
    if event in ("confirmed", "scheduled"):
        buttons = _placement_buttons(p)
        if buttons:
            blocks.append(buttons)
        elif placement.status == "completed":
            blocks.append(context("This placement is completed."))
    return text, blocks


def feedback_given(session: Session, placement_id: int, side: str) -> bool:
    found = session.exec(
        select(ShadowFeedback.id).where(
            ShadowFeedback.placement_id == placement_id, ShadowFeedback.side == side
        )
    ).first()
    return found is not None


def feedback_request(session: Session, p: Parties, side: str) -> tuple[str, list[dict]]:
    text = f"How did your placement with {with_whom(p, side)} go?"
    blocks = [section(f"{text} Three quick questions help us improve the scheme.")]
    if feedback_given(session, p.placement.id, side):
        blocks.append(context("Thank you for your feedback."))
    else:
        blocks.append(
            actions(
                "shadow_feedback",
                button("Give feedback", FEEDBACK_OPEN, p.placement.id, style="primary"),
            )
        )
    return text, blocks


def cannot_open(session: Session, p: Parties | None, user_id: str, *, feedback: bool) -> str | None:
    """Why the feedback (or dates) form would be refused on submission, said before it is
    opened; the core checks again when it is submitted."""
    if p is None or user_id not in (p.applicant.user_id, p.host.user_id):
        return "This placement isn't one of yours."
    placement = p.placement
    if feedback:
        if placement.status != "completed":
            return "Feedback opens once the placement is complete."
        if feedback_given(session, placement.id, side_of(p, user_id)):
            return "You have already given feedback on this placement. Thank you!"
        return None
    if placement.status == "scheduled":
        return (
            f"The dates are already set: {day(placement.start_date)} to {day(placement.end_date)}."
        )
    if placement.status != "accepted":
        state = status_label(placement.status)
        return f"Dates can't be set: this placement is {escape(state)}."
    return None


RENDERERS = {
    notices.OFFER_UPDATE: placement_renderer(
        lambda s, p, d, side: offer_update(p, str(d.get("event") or ""), side)
    ),
    notices.FEEDBACK_REQUEST: placement_renderer(
        lambda s, p, d, side: feedback_request(s, p, side)
    ),
}


# --- /shadow end, buttons and forms ---------------------------------------------------------


def _end(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    placement_id = whole_number(args[0]) if args else None
    if placement_id is None:
        ack(
            text="Say which placement, for example `/shadow end 7 our staff member is ill`. "
            "`/shadow status` lists your placement numbers."
        )
        return
    placement_id = record_id(args[0])
    if placement_id is None:
        ack(text=no_such("placement", args[0], "`/shadow status`"))
        return
    _, problem = attempt(
        lambda: placements.withdraw_placement(
            services.engine,
            placement_id,
            user_id=body.get("user_id", ""),
            reason=" ".join(args[1:]),
            now=services.now(),
        )
    )
    if problem:
        ack(text=explain(problem, "Nothing changed. "))
        return
    services.send_queued()
    ack(text=f"Placement {placement_id} is withdrawn; the other side has been told.")


def _complete(services: Services, placement_id: int, user: str):
    placements.complete(services.engine, placement_id, user_id=user, today=services.today())
    with transaction(services.engine) as s:
        p = parties(s, placement_id)
        return offer_update(p, "completed", side_of(p, user))


def open_placement_modal(services: Services, body: dict, view_for: Callable, feedback: bool):
    """Open the schedule or feedback modal for the placement on the clicked button."""
    user = clicker(body)
    placement_id = clicked_value(body)
    try:
        with transaction(services.engine) as s:
            p = find_parties(s, placement_id)
            problem = cannot_open(s, p, user, feedback=feedback)
    except StoreUnavailable:
        problem = UNAVAILABLE
    if problem:
        tell_clicker(services, body, problem)
        return
    # The form remembers the DM it was opened from, so saving it can take the button away.
    # (An ephemeral message can't be updated that way, and has no ts Slack would accept.)
    container = body.get("container") or {}
    origin = None
    if not container.get("is_ephemeral"):
        origin = forms.message_ref(container.get("channel_id"), container.get("message_ts"))
    services.client.views_open(
        trigger_id=body.get("trigger_id"), view=view_for(placement_id, origin)
    )


def register(app: App, services: Services) -> None:
    on_click(app, services, COMPLETE, _complete)

    @app.action(SCHEDULE_OPEN)
    def schedule_clicked(ack: Ack, body: dict) -> None:
        ack()
        services.after_ack(open_placement_modal, services, body, forms.schedule_modal, False)

    @app.action(FEEDBACK_OPEN)
    def feedback_clicked(ack: Ack, body: dict) -> None:
        ack()
        services.after_ack(open_placement_modal, services, body, forms.feedback_modal, True)

    @app.view(forms.SCHEDULE_CALLBACK)
    def schedule_submitted(ack: Ack, body: dict, view: dict) -> None:
        user = submitter(body)
        start, end = forms.read_schedule(view)
        chosen = dict(zip(forms.SCHEDULE_FIELDS, (start, end), strict=True))
        missing = {f: "Choose a date." for f, d in chosen.items() if d is None}
        if missing:
            ack(response_action="errors", errors=missing)
            return
        _, problem = attempt(
            lambda: placements.schedule(
                services.engine,
                forms.placement_id(view),
                user_id=user,
                start_date=start,
                end_date=end,
                today=services.today(),
                message=forms.origin(view),
            )
        )
        if problem:
            refused(ack, forms.SCHEDULE_FIELDS, problem)
            return
        text = f"The placement runs from *{day(start)}* to *{day(end)}*. Both sides have been told."
        ack(response_action="update", view=forms.done_view("Dates saved", text))
        services.send_queued()

    @app.view(forms.FEEDBACK_CALLBACK)
    def feedback_submitted(ack: Ack, body: dict, view: dict) -> None:
        user = submitter(body)
        worthwhile, learned, recommend = forms.read_feedback(view)
        missing = {}
        if worthwhile is None:
            missing["worthwhile"] = "Choose a number from 1 to 5."
        if recommend is None:
            missing["would_recommend"] = "Choose yes or no."
        if missing:
            ack(response_action="errors", errors=missing)
            return
        _, problem = attempt(
            lambda: placements.give_feedback(
                services.engine,
                forms.placement_id(view),
                user_id=user,
                worthwhile=worthwhile,
                learned=learned,
                would_recommend=recommend,
                message=forms.origin(view),
            )
        )
        if problem:
            refused(ack, forms.FEEDBACK_FIELDS, problem)
            return
        ack(
            response_action="update",
            view=forms.done_view("Thank you", "Your feedback is saved. Thank you for taking part."),
        )
        services.send_queued()


# Its `/shadow` subcommands, in help order; the app factory builds the router from them.
SUBCOMMANDS = (
    Subcommand("end", "end <placement> [reason]", "withdraw from one offer or placement", _end),
)
