"""Raising a complaint in Teams: the dialog (the Teams form of Slack's /complaint modal), with
the same fields and the core's own validation (bot.complaints.intake).

It opens from the welcome card's button (task/fetch) or the message extension's "Raise a
complaint" command (composeExtension/fetchTask). When the core refuses an answer, the dialog
comes back with every answer kept and the reason under its field. Each dialog carries a
submission token made when it opened: a second submission of the same dialog (a double click,
Teams sending it again) stores nothing new, as Slack's view id ensures there.
"""

from __future__ import annotations

import re
from datetime import date

import structlog

from bot.complaints import catalog, intake, related
from bot.db import CommitUncertain, deadline
from bot.errors import StoreUnavailable, ValidationFailed
from handlers.teams.card_forms import FormField, dialog_form
from handlers.teams.cards import new_submission_token, submitted
from handlers.teams.keys import SUBMISSION_KEY_MAX, bounded_key
from handlers.teams.package import RAISE_COMPLAINT_COMMAND
from handlers.teams.requests import TeamsRequest
from handlers.teams.routes import InvokeAnswer, Routes

log = structlog.get_logger("msbot.teams.complaints")

DIALOG = "complaint"
TITLE = "Raise a complaint"
INTRO = (
    "Tell us about a procurement that made it hard for you to bid or to be paid. The team "
    "will look into it with the contracting authority."
)
# What new_submission_token makes (URL-safe base64), with room to spare.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
# A refusal that belongs to no field is shown at the top of the form.
WHOLE_FORM = "form"
UNAVAILABLE = (
    "Sorry, we could not save your complaint because our database is unavailable. Nothing "
    "was saved. Please press Submit again in a few minutes."
)
UNCONFIRMED = (
    "Sorry, our database did not confirm that your complaint was saved. Please press Submit "
    "again: if it was saved you will see its reference, and it will never be stored twice."
)


def _choice(field_id: str, label: str, choices) -> FormField:
    return FormField(field_id, label, "choice", required=True, choices=tuple(choices))


FIELDS = (
    FormField("authority_name", "Contracting authority", required=True, max_length=intake.MAX_NAME),
    _choice("authority_kind", "Kind of authority", catalog.AUTHORITY_KINDS),
    FormField("procurement_title", "Procurement title", required=True, max_length=intake.MAX_NAME),
    FormField(
        "procurement_reference",
        "Procurement reference or notice id (optional)",
        max_length=intake.MAX_REFERENCE,
    ),
    _choice("stage", "Stage", catalog.STAGES),
    _choice("category", "What went wrong", catalog.CATEGORIES),
    FormField(
        "procurement_date", "Date of the procurement (or of the event)", "date", required=True
    ),
    FormField(
        "what_happened",
        "What happened",
        "multiline",
        required=True,
        max_length=intake.MAX_WHAT_HAPPENED,
    ),
    FormField(
        "outcome_wanted",
        "What outcome would you like",
        "multiline",
        required=True,
        max_length=intake.MAX_OUTCOME,
    ),
    FormField("organisation_name", "Your organisation", required=True, max_length=intake.MAX_NAME),
    _choice("organisation_type", "Type of organisation", catalog.ORGANISATION_TYPES),
    FormField(
        "anonymous",
        "Keep me anonymous: the authority and published results will never learn who raised "
        "this. The team can still message you here.",
        "toggle",
    ),
    FormField(
        "invoice_amount",
        "Late payment only: amount owed (£)",
        max_length=20,
        placeholder="For example 1250.00",
    ),
    FormField("invoice_date", "Late payment only: invoice date", "date"),
)


def form_card(values=None, errors=None, token: str | None = None) -> dict:
    return dialog_form(
        FIELDS,
        verb=DIALOG,
        submission_token=token or new_submission_token(),
        intro=INTRO,
        values=values,
        errors=errors,
    )


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None  # the core then says the date is missing


def read_form(answers: dict[str, str]) -> intake.ComplaintForm:
    def text(name: str) -> str:
        return answers.get(name, "")

    def picked(name: str) -> str | None:
        return answers.get(name) or None

    return intake.ComplaintForm(
        authority_name=text("authority_name"),
        authority_kind=picked("authority_kind"),
        procurement_title=text("procurement_title"),
        procurement_reference=text("procurement_reference"),
        stage=picked("stage"),
        category=picked("category"),
        procurement_date=_day(answers.get("procurement_date")),
        what_happened=text("what_happened"),
        outcome_wanted=text("outcome_wanted"),
        organisation_name=text("organisation_name"),
        organisation_type=picked("organisation_type"),
        anonymous=answers.get("anonymous") == "true",
        invoice_amount=text("invoice_amount"),
        invoice_date=_day(answers.get("invoice_date")),
    )


def open_dialog(req: TeamsRequest) -> dict:
    """A fresh form with a token of its own (no database work: it opens at once)."""
    return form_card()


def receipt(reference: str, due: date) -> str:
    return (
        f"Thank you. Your case reference is {reference}. We have sent you a message in this "
        f"chat with what happens next, and aim to give you a full response by {due:%-d %B %Y}. "
        f'Type "status {reference}" here to check on it.'
    )


def submit_dialog(req: TeamsRequest) -> InvokeAnswer:
    _, token, answers = submitted(req.value)
    if not token or not TOKEN_PATTERN.fullmatch(token):
        # A submission without the token its form carried (or with one our forms never make)
        # is not from our dialog: a new form.
        return InvokeAnswer.show(form_card(answers), TITLE)

    def again(errors: dict) -> InvokeAnswer:
        # The same token: submitting the corrected form still stores one case at most.
        return InvokeAnswer.show(form_card(answers, errors, token), TITLE)

    services = req.services
    try:
        with deadline():
            actor = req.actor()
            result = intake.submit(
                services.engine,
                read_form(answers),
                actor=actor,
                # The person's own: a token replayed by someone else (it is only as secret as
                # the card that carried it) stores their own case, never shows this one.
                submission_key=bounded_key(actor.person_id, token, limit=SUBMISSION_KEY_MAX),
                today=services.today(),
                policy=intake.IntakePolicy(
                    sla_central_months=services.settings.sla_central_months,
                    sla_wider_months=services.settings.sla_wider_months,
                ),
            )
    except ValidationFailed as exc:
        return again(dict(exc.errors))
    except CommitUncertain:
        log.error("complaint.commit_uncertain")
        return again({WHOLE_FORM: UNCONFIRMED})
    except StoreUnavailable:
        log.error("complaint.store_unavailable")
        return again({WHOLE_FORM: UNAVAILABLE})
    case = result.complaint
    if result.created:
        services.send_queued()
        services.after_commit(group_new_case, services, case.id)
    return InvokeAnswer.tell(receipt(case.reference, case.due_date))


def group_new_case(services, case_id: int) -> None:
    """After the answer: put a new case in its procurement group (the case_grouping job does
    it instead if this process dies first)."""
    if related.group_case(services.engine, case_id, now=services.clock()) == related.JOINED:
        services.send_queued()  # its thread lines and card refreshes


DIALOG_ROUTE = (open_dialog, submit_dialog)
# The welcome card's button and the dialog's own submit carry DIALOG; the message extension's
# command opens the same dialog.
ROUTES = Routes(dialogs={DIALOG: DIALOG_ROUTE, RAISE_COMPLAINT_COMMAND: DIALOG_ROUTE})
