"""Slack listeners for `/complaint` and its modal: parse, call the core, render."""

from __future__ import annotations

import structlog
from slack_bolt import Ack, App, BoltContext

from bot.complaints import intake, related, views
from bot.db import CommitUncertain, deadline, transaction
from bot.errors import NotFound, StoreUnavailable, ValidationFailed
from handlers.slack.commands import HELP, CommandRouter, Subcommand
from handlers.slack.complaints import form, messages
from handlers.slack.complaints.team import sender
from handlers.slack.services import Services
from handlers.slack.slack_text import escape

log = structlog.get_logger("msbot.complaints")

# The top of `/complaint help`.
INTRO = (
    "*Raise a concern about how a public body ran a procurement.*\n"
    "You can stay anonymous: the authority will never learn who raised it."
)

UNAVAILABLE = (
    "Sorry, we could not save your complaint because our database is unavailable. "
    "Nothing was saved. Please press Submit again in a few minutes."
)
UNCONFIRMED = (
    "Sorry, our database did not confirm that your complaint was saved. Please press Submit "
    "again: if it was saved you will see its reference, and it will never be stored twice."
)

# (command, first word) that only open a form: opening one needs no database, and must not
# wait on one, as trigger_id lives 3 seconds (handlers/slack/middleware.py).
FORM_OPENERS = frozenset({("/complaint", ""), ("/complaint", "new")})


def _new(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    # trigger_id expires after 3 seconds: acknowledge, then open the modal before anything else.
    ack()
    services.after_ack(
        services.client.views_open, trigger_id=body.get("trigger_id"), view=form.complaint_modal()
    )


def _status(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    try:
        with deadline():
            user = sender(services, body)
        with deadline(), transaction(services.engine) as s:
            if args:
                case = views.my_complaint(intake.case_for_reporter(s, user, args[0]))
                ack(text=f"Complaint {case.reference}", blocks=messages.status_detail(case))
            else:
                mine = [views.my_complaint(c) for c in intake.cases_for_reporter(s, user)]
                ack(text=messages.status_list(mine))
    except NotFound as exc:
        ack(text=escape(str(exc)))
    except StoreUnavailable:
        ack(text="Sorry, case status is unavailable right now. Please try again shortly.")


def register(app: App, services: Services, router: CommandRouter) -> None:
    """``router``: `/complaint` with every use's subcommands (handlers/slack/app.py)."""

    @app.command("/complaint")
    def complaint_command(ack: Ack, body: dict, context: BoltContext) -> None:
        router.dispatch(services, ack, body, context)

    @app.view(form.CALLBACK_ID)
    def complaint_submitted(ack: Ack, view: dict, context: BoltContext) -> None:
        actor = context["actor"]
        structlog.contextvars.bind_contextvars(person=actor.person_id)
        try:
            with deadline():
                result = intake.submit(
                    services.engine,
                    form.read_form(view),
                    actor=actor,
                    submission_key=view.get("id"),
                    today=services.today(),
                    policy=intake.IntakePolicy(
                        sla_central_months=services.settings.sla_central_months,
                        sla_wider_months=services.settings.sla_wider_months,
                    ),
                )
        except ValidationFailed as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        except CommitUncertain:
            log.error("complaint.commit_uncertain")
            ack(response_action="errors", errors=form.error_for_form(UNCONFIRMED))
            return
        except StoreUnavailable:
            log.error("complaint.store_unavailable")
            ack(response_action="errors", errors=form.error_for_form(UNAVAILABLE))
            return
        case = result.complaint
        if case.anonymous:
            # Privacy: this request's log context holds the filer; never add their case to it.
            structlog.contextvars.unbind_contextvars("user")
        else:
            structlog.contextvars.bind_contextvars(case_ref=case.reference)
        # Shown only now, after the commit: a reference the user sees always exists.
        ack(response_action="update", view=form.confirmation_view(case.reference, case.due_date))
        if result.created:
            services.send_queued()
            services.after_commit(group_new_case, services, case.id)


def group_new_case(services: Services, case_id: int) -> None:
    """After the ack: put a new case in its procurement group (once; the case_grouping job
    does it instead if this process dies first)."""
    if related.group_case(services.engine, case_id, now=services.now()) == related.JOINED:
        services.send_queued()  # its thread lines and card refreshes


# Its `/complaint` subcommands, in help order; the app factory builds the router from them.
SUBCOMMANDS = (
    Subcommand("new", "", "open the form to raise a new complaint", _new),
    Subcommand(
        "status", "status [reference]", "list your complaints, or show one in detail", _status
    ),
    HELP,
)
