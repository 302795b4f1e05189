"""`/complaint withdraw`, `/complaint spotcheck` and `/complaint timeline`, and the spot-check
form (the complaint form without the supplier's fields)."""

from __future__ import annotations

import dataclasses

import structlog
from slack_bolt import Ack, App, BoltContext

from bot.complaints import investigation, policy
from bot.complaints.intake import IntakePolicy
from bot.db import transaction
from bot.errors import DomainError, StoreUnavailable, ValidationFailed
from bot.permissions import Actor
from handlers.slack.commands import Subcommand
from handlers.slack.complaints import form
from handlers.slack.complaints.listeners import group_new_case
from handlers.slack.complaints.timeline_blocks import timeline_text
from handlers.slack.errors import explain
from handlers.slack.services import Services
from handlers.slack.slack_text import escape, plain, section

log = structlog.get_logger("msbot.complaints")

SPOT_CHECK = "complaint_spot_check"
SUPPLIER_FIELDS = {"organisation_name", "organisation_type", "anonymous"}
FAULTS = (DomainError, StoreUnavailable)


def spot_check_modal() -> dict:
    view = form.complaint_modal()
    blocks = [b for b in view["blocks"] if b.get("block_id") not in SUPPLIER_FIELDS]
    blocks[0] = section(
        "Open a case the team starts itself after reading procurement documents. "
        "It follows the same workflow as a complaint, with no supplier to keep informed."
    )
    return {
        **view,
        "callback_id": SPOT_CHECK,
        "title": plain("Open a spot check", 24),
        "submit": plain("Open case", 24),
        "blocks": blocks,
    }


def _withdraw(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
    if not args:
        ack(text="Say which case: `/complaint withdraw MS-2026-0007 [reason]`.")
        return
    try:
        case = investigation.withdraw(
            services.engine, args[0], actor, " ".join(args[1:]), services.now()
        )
    except FAULTS as exc:
        ack(text=explain(exc))
        return
    reference = getattr(case, "reference", args[0].upper())
    ack(text=f"Your complaint {escape(reference)} is withdrawn. Thank you for raising it.")
    services.send_queued()


def _spotcheck(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
    # Checked before the form opens (the core checks again on submission), in its words.
    try:
        policy.require(actor, "spotcheck")
    except DomainError as exc:
        ack(text=explain(exc))
        return
    ack()
    services.after_ack(
        services.client.views_open, trigger_id=body.get("trigger_id"), view=spot_check_modal()
    )


def _timeline(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
    if not args:
        ack(text="Say which case: `/complaint timeline MS-2026-0007`.")
        return
    try:
        with transaction(services.engine) as s:
            entries = investigation.timeline(s, args[0], actor)
            named = investigation.timeline_people(s, entries)
    except FAULTS as exc:
        ack(text=explain(exc))
        return
    ack(text=timeline_text(escape(args[0].upper()[:20]), entries, named))


def register(app: App, services: Services) -> None:
    @app.view(SPOT_CHECK)
    def spot_check_submitted(ack: Ack, view: dict, context: BoltContext) -> None:
        submitted = dataclasses.replace(
            form.read_form(view), organisation_name="", organisation_type="other", anonymous=False
        )
        policy = IntakePolicy(
            sla_central_months=services.settings.sla_central_months,
            sla_wider_months=services.settings.sla_wider_months,
        )
        try:
            result = investigation.open_spot_check(
                services.engine,
                submitted,
                context["actor"],
                services.today(),
                policy,
                # The modal's view id: a second delivery of the same submission stores nothing.
                submission_key=view.get("id"),
            )
        except ValidationFailed as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        except FAULTS as exc:
            ack(response_action="errors", errors={"authority_name": explain(exc)})
            return
        case = result.complaint
        ack(response_action="update", view=_opened_view(case.reference))
        services.send_queued()
        if result.created:
            services.after_commit(group_new_case, services, case.id)


def _opened_view(reference: str) -> dict:
    return {
        "type": "modal",
        "title": plain("Spot check opened", 24),
        "close": plain("Done", 24),
        "blocks": [section(f"Case *{reference}* is open; its card is in the triage channel.")],
    }


# Its `/complaint` subcommands, in help order; the app factory builds the router from them.
SUBCOMMANDS = (
    Subcommand("withdraw", "withdraw REF [reason]", "withdraw a complaint you raised", _withdraw),
    Subcommand(
        "spotcheck", "spotcheck", "investigators: open a case the team starts itself", _spotcheck
    ),
    Subcommand("timeline", "timeline REF", "investigators: a case's history and notes", _timeline),
)
