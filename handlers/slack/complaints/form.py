"""The complaint modal: building it, and reading a submission back into a ComplaintForm."""

from __future__ import annotations

from datetime import date

from bot.complaints import catalog
from bot.complaints.intake import (
    MAX_NAME,
    MAX_OUTCOME,
    MAX_REFERENCE,
    MAX_WHAT_HAPPENED,
    ComplaintForm,
)
from handlers.slack import view_state as state
from handlers.slack.slack_text import context, options, plain, section

CALLBACK_ID = "complaint_form"


def _select(field: str, label: str, choices, placeholder: str):
    element = {
        "type": "static_select",
        "placeholder": plain(placeholder, 150),
        "options": options(choices),
    }
    return state.input_block(field, label, element)


def _date(field: str, label: str, *, optional=False):
    return state.input_block(field, label, {"type": "datepicker"}, optional=optional)


def complaint_modal() -> dict:
    blocks = [
        section(
            "Tell us about a procurement that made it hard for you to bid or to be paid. "
            "The team will look into it with the contracting authority."
        ),
        state.text_input("authority_name", "Contracting authority", MAX_NAME),
        _select("authority_kind", "Kind of authority", catalog.AUTHORITY_KINDS, "Choose a kind"),
        state.text_input("procurement_title", "Procurement title", MAX_NAME),
        state.text_input(
            "procurement_reference",
            "Procurement reference or notice id",
            MAX_REFERENCE,
            optional=True,
        ),
        _select("stage", "Stage", catalog.STAGES, "Choose a stage"),
        _select("category", "What went wrong", catalog.CATEGORIES, "Choose a category"),
        _date("procurement_date", "Date of the procurement (or of the event)"),
        state.text_input("what_happened", "What happened", MAX_WHAT_HAPPENED, multiline=True),
        state.text_input(
            "outcome_wanted", "What outcome would you like", MAX_OUTCOME, multiline=True
        ),
        state.text_input("organisation_name", "Your organisation", MAX_NAME),
        _select(
            "organisation_type",
            "Type of organisation",
            catalog.ORGANISATION_TYPES,
            "Choose a type",
        ),
        state.input_block(
            "anonymous",
            "Anonymity",
            {
                "type": "checkboxes",
                "options": [
                    {
                        "text": plain("Keep me anonymous", 75),
                        "description": plain(
                            "The authority and published results will never learn who raised "
                            "this. The team will still be able to message you here.",
                            150,
                        ),
                        "value": "yes",
                    }
                ],
            },
            optional=True,
        ),
        context("*Late payment only:* the amount still owed and the invoice date."),
        state.text_input(
            "invoice_amount", "Amount owed (£)", 20, optional=True, hint="For example 1250.00"
        ),
        _date("invoice_date", "Invoice date", optional=True),
    ]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain("Raise a complaint", 24),
        "submit": plain("Submit", 24),
        "close": plain("Cancel", 24),
        "blocks": blocks,
    }


def read_form(view: dict) -> ComplaintForm:
    values = state.values(view)
    checked = state.choices(values, "anonymous")
    return ComplaintForm(
        authority_name=state.text(values, "authority_name"),
        authority_kind=state.choice(values, "authority_kind"),
        procurement_title=state.text(values, "procurement_title"),
        procurement_reference=state.text(values, "procurement_reference"),
        stage=state.choice(values, "stage"),
        category=state.choice(values, "category"),
        procurement_date=state.day(values, "procurement_date"),
        what_happened=state.text(values, "what_happened"),
        outcome_wanted=state.text(values, "outcome_wanted"),
        organisation_name=state.text(values, "organisation_name"),
        organisation_type=state.choice(values, "organisation_type"),
        anonymous="yes" in checked,
        invoice_amount=state.text(values, "invoice_amount"),
        invoice_date=state.day(values, "invoice_date"),
    )


def confirmation_view(reference: str, due: date) -> dict:
    return {
        "type": "modal",
        "title": plain("Complaint received", 24),
        "close": plain("Done", 24),
        "blocks": [
            section(
                f"Thank you. Your case reference is *{reference}*.\n\n"
                f"We have sent you a direct message with what happens next. We aim to give you "
                f"a full response by *{due:%-d %B %Y}*. Check progress any time with "
                f"`/complaint status {reference}`."
            )
        ],
    }


def error_for_form(message: str) -> dict:
    """A failure that belongs to no single field is shown on the first one."""
    return {"authority_name": message}
