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
from handlers.slack.commands import Subcommand, record_id, whole_number
from handlers.slack.services import Services
from handlers.slack.shadowing import forms
from handlers.slack.shadowing.common import (
    UNAVAILABLE,
    attempt,
    clicked_value,
    explain,
    no_such,
    on_click,
    refused,
    submitter,
    tell_clicker,
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


def _end(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
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
            actor=actor,
            reason=" ".join(args[1:]),
            now=services.now(),
        )
    )
    if problem:
        ack(text=explain(problem, "Nothing changed. "))
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
        missing = {f: "Choose a date." for f, d in chosen.items() if d is None}
        if missing:
            ack(response_action="errors", errors=missing)
            return
        _, problem = attempt(
            lambda: placements.schedule(
                services.engine,
                forms.placement_id(view),
                actor=context["actor"],
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
    def feedback_submitted(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
        submitter(body)
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
                actor=context["actor"],
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
