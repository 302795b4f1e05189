"""Placements once both sides accept: `/shadow end`, the dates and feedback forms, and "Mark
completed" (placement_blocks.py draws the messages)."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, App, BoltContext

from bot.db import transaction
from bot.errors import NotPermitted, StoreUnavailable
from bot.outbox import PermanentDeliveryError
from bot.permissions import Actor
from bot.shadowing import placements, policy, views
from bot.shadowing.catalog import status_label
from bot.shadowing.views import PlacementView
from bot.shadowing.wording import day
from handlers.slack.commands import Subcommand
from handlers.slack.services import Services
from handlers.slack.shadowing import forms
from handlers.slack.shadowing.common import (
    UNAVAILABLE,
    Numbered,
    clicked_value,
    on_click,
    save_form,
    submitter,
    tell_clicker,
    unanswered,
)
from handlers.slack.shadowing.placement_blocks import (
    COMPLETE,
    FEEDBACK_OPEN,
    RENDERERS,
    SCHEDULE_OPEN,
    offer_update,
)
from handlers.slack.slack_text import escape

__all__ = ["COMPLETE", "FEEDBACK_OPEN", "RENDERERS", "SCHEDULE_OPEN", "cannot_open", "register"]


def cannot_open(p: PlacementView | None, actor: Actor, *, feedback: bool) -> str | None:
    """Why the feedback (or dates) form would be refused on submission, said before it is
    opened (the policy's refusal, if it is not theirs); the core checks again when it is
    submitted."""
    if p is None:
        return policy.NOT_YOUR_PLACEMENT_TEXT
    try:
        policy.sides_of(actor, p.applicant.user.id, p.host.user.id)
    except NotPermitted as exc:
        return str(exc)
    user_id = actor.person_id
    placement = p
    if feedback:
        if placement.status != "completed":
            return "Feedback opens once the placement is complete."
        if p.side_of(user_id) in p.feedback_from:
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


# --- /shadow end, buttons and forms ---------------------------------------------------------


END = Numbered(
    "placement",
    "Say which placement, for example `/shadow end 7 our staff member is ill`. "
    "`/shadow status` lists your placement numbers.",
)


def _end(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
    reason, now = " ".join(args[1:]), services.now()
    withdraw = placements.withdraw_placement
    placement_id = END.change(services, ack, args, withdraw, actor=actor, reason=reason, now=now)
    if placement_id is None:
        return
    services.send_queued()
    ack(text=f"Placement {placement_id} is withdrawn; the other side has been told.")


def _complete(services: Services, placement_id: int, actor: Actor):
    placements.complete(services.engine, placement_id, actor=actor, today=services.today())
    with transaction(services.engine) as s:
        p = views.placement_view(s, placement_id)
    if p is None:
        raise PermanentDeliveryError(f"placement {placement_id} no longer exists")
    return offer_update(p, "completed", p.side_of(actor.person_id))


def open_placement_modal(
    services: Services, body: dict, actor: Actor, view_for: Callable, feedback: bool
):
    """Open the schedule or feedback modal for the placement on the clicked button."""
    placement_id = clicked_value(body)
    try:
        with transaction(services.engine) as s:
            p = views.placement_view(s, placement_id)
        problem = cannot_open(p, actor, feedback=feedback)
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


# A placement's forms: the fields the core's refusals are shown beside, and the core call that
# stores the answers, (engine, placement id, *, actor, message, **answers).
_SCHEDULE = (forms.SCHEDULE_FIELDS, placements.schedule)
_FEEDBACK = (forms.FEEDBACK_FIELDS, placements.give_feedback)


def _save_answers(
    services: Services,
    ack: Ack,
    view: dict,
    context: BoltContext,
    form: tuple[tuple[str, ...], Callable],
    done: dict,
    **answers,
) -> None:
    """Store a placement form's ``answers``: the placement, who submits it and the DM whose
    button opened the form come from the modal, which then shows ``done``."""
    fields, store = form
    save_form(
        services,
        ack,
        fields,
        lambda: store(
            services.engine,
            forms.placement_id(view),
            actor=context["actor"],
            message=forms.origin(view),
            **answers,
        ),
        lambda _: done,
    )


def register(app: App, services: Services) -> None:
    on_click(app, services, COMPLETE, _complete)

    @app.action(SCHEDULE_OPEN)
    def schedule_clicked(ack: Ack, body: dict, context: BoltContext) -> None:
        ack()
        services.after_ack(
            open_placement_modal, services, body, context["actor"], forms.schedule_modal, False
        )

    @app.action(FEEDBACK_OPEN)
    def feedback_clicked(ack: Ack, body: dict, context: BoltContext) -> None:
        ack()
        services.after_ack(
            open_placement_modal, services, body, context["actor"], forms.feedback_modal, True
        )

    @app.view(forms.SCHEDULE_CALLBACK)
    def schedule_submitted(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
        submitter(body)
        start, end = forms.read_schedule(view)
        chosen = dict(zip(forms.SCHEDULE_FIELDS, (start, end), strict=True))
        if unanswered(ack, {field: (d, "Choose a date.") for field, d in chosen.items()}):
            return
        text = f"The placement runs from *{day(start)}* to *{day(end)}*. Both sides have been told."
        done = forms.done_view("Dates saved", text)
        answers = {"start_date": start, "end_date": end, "today": services.today()}
        _save_answers(services, ack, view, context, _SCHEDULE, done, **answers)

    @app.view(forms.FEEDBACK_CALLBACK)
    def feedback_submitted(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
        submitter(body)
        worthwhile, learned, recommend = forms.read_feedback(view)
        asked = {
            "worthwhile": (worthwhile, "Choose a number from 1 to 5."),
            "would_recommend": (recommend, "Choose yes or no."),
        }
        if unanswered(ack, asked):
            return
        thanks = "Your feedback is saved. Thank you for taking part."
        done = forms.done_view("Thank you", thanks)
        answers = {"worthwhile": worthwhile, "learned": learned, "would_recommend": recommend}
        _save_answers(services, ack, view, context, _FEEDBACK, done, **answers)


# Its `/shadow` subcommands, in help order; the app factory builds the router from them.
SUBCOMMANDS = (
    Subcommand("end", "end <placement> [reason]", "withdraw from one offer or placement", _end),
)
