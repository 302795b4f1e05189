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
from handlers.slack_text import context, options, plain, section

CALLBACK_ID = "complaint_form"
ACTION = "value"  # every input's action_id; the block_id names the field


def _text_input(field: str, label: str, limit: int, *, optional=False, multiline=False, hint=None):
    element = {"type": "plain_text_input", "action_id": ACTION, "max_length": limit}
    if multiline:
        element["multiline"] = True
    block = {"type": "input", "block_id": field, "label": plain(label, 2000), "element": element}
    if optional:
        block["optional"] = True
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _select(field: str, label: str, choices, placeholder: str):
    return {
        "type": "input",
        "block_id": field,
        "label": plain(label, 2000),
        "element": {
            "type": "static_select",
            "action_id": ACTION,
            "placeholder": plain(placeholder, 150),
            "options": options(choices),
        },
    }


def _date(field: str, label: str, *, optional=False):
    block = {
        "type": "input",
        "block_id": field,
        "label": plain(label, 2000),
        "element": {"type": "datepicker", "action_id": ACTION},
    }
    if optional:
        block["optional"] = True
    return block


def complaint_modal() -> dict:
    blocks = [
        section(
            "Tell us about a procurement that made it hard for you to bid or to be paid. "
            "The team will look into it with the contracting authority."
        ),
        _text_input("authority_name", "Contracting authority", MAX_NAME),
        _select("authority_kind", "Kind of authority", catalog.AUTHORITY_KINDS, "Choose a kind"),
        _text_input("procurement_title", "Procurement title", MAX_NAME),
        _text_input(
            "procurement_reference",
            "Procurement reference or notice id",
            MAX_REFERENCE,
            optional=True,
        ),
        _select("stage", "Stage", catalog.STAGES, "Choose a stage"),
        _select("category", "What went wrong", catalog.CATEGORIES, "Choose a category"),
        _date("procurement_date", "Date of the procurement (or of the event)"),
        _text_input("what_happened", "What happened", MAX_WHAT_HAPPENED, multiline=True),
        _text_input("outcome_wanted", "What outcome would you like", MAX_OUTCOME, multiline=True),
        _text_input("organisation_name", "Your organisation", MAX_NAME),
        _select(
            "organisation_type",
            "Type of organisation",
            catalog.ORGANISATION_TYPES,
            "Choose a type",
        ),
        {
            "type": "input",
            "block_id": "anonymous",
            "optional": True,
            "label": plain("Anonymity", 2000),
            "element": {
                "type": "checkboxes",
                "action_id": ACTION,
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
        },
        context("*Late payment only:* the amount still owed and the invoice date."),
        _text_input(
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


def _element(values: dict, field: str) -> dict:
    block = values.get(field)
    if not isinstance(block, dict):
        return {}
    element = block.get(ACTION)
    return element if isinstance(element, dict) else {}


def _text(values: dict, field: str) -> str:
    value = _element(values, field).get("value")
    return value if isinstance(value, str) else ""


def _choice(values: dict, field: str) -> str | None:
    selected = _element(values, field).get("selected_option")
    if isinstance(selected, dict) and isinstance(selected.get("value"), str):
        return selected["value"]
    return None


def _date_value(values: dict, field: str) -> date | None:
    raw = _element(values, field).get("selected_date")
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def read_form(view: dict) -> ComplaintForm:
    """Tolerant of missing or odd values: anything unreadable becomes empty and is then
    reported by validation next to its field, rather than crashing the request."""
    values = ((view or {}).get("state") or {}).get("values") or {}
    checked = _element(values, "anonymous").get("selected_options") or []
    return ComplaintForm(
        authority_name=_text(values, "authority_name"),
        authority_kind=_choice(values, "authority_kind"),
        procurement_title=_text(values, "procurement_title"),
        procurement_reference=_text(values, "procurement_reference"),
        stage=_choice(values, "stage"),
        category=_choice(values, "category"),
        procurement_date=_date_value(values, "procurement_date"),
        what_happened=_text(values, "what_happened"),
        outcome_wanted=_text(values, "outcome_wanted"),
        organisation_name=_text(values, "organisation_name"),
        organisation_type=_choice(values, "organisation_type"),
        anonymous=any(isinstance(o, dict) and o.get("value") == "yes" for o in checked),
        invoice_amount=_text(values, "invoice_amount"),
        invoice_date=_date_value(values, "invoice_date"),
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
