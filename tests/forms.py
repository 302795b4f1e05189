"""Builders for the `state.values` Slack sends with a view submission, and for the core's
complaint form."""

from __future__ import annotations

from datetime import date

from bot.complaints.intake import ComplaintForm


def text(value: str) -> dict:
    return {"value": {"type": "plain_text_input", "value": value}}


def choice(value: str | None) -> dict:
    option = {"value": value, "text": {"type": "plain_text", "text": value}} if value else None
    return {"value": {"type": "static_select", "selected_option": option}}


def radio(value: str | None) -> dict:
    option = {"value": value, "text": {"type": "plain_text", "text": value}} if value else None
    return {"value": {"type": "radio_buttons", "selected_option": option}}


def day(value: str | None) -> dict:
    return {"value": {"type": "datepicker", "selected_date": value}}


def checked(yes: bool) -> dict:
    options = [{"value": "yes", "text": {"type": "plain_text", "text": "Keep me anonymous"}}]
    return {"value": {"type": "checkboxes", "selected_options": options if yes else []}}


def complaint(**overrides) -> dict:
    values = {
        "authority_name": text("Borsetshire County Council"),
        "authority_kind": choice("wider"),
        "procurement_title": text("Community mental health support"),
        "procurement_reference": text("BCC-2026-114"),
        "stage": choice("tender"),
        "category": choice("timescales"),
        "procurement_date": day("2026-10-01"),
        "what_happened": text("The tender gave 9 days to respond over a bank holiday."),
        "outcome_wanted": text("Extend the deadline to 30 days."),
        "organisation_name": text("Ambridge Mind"),
        "organisation_type": choice("vcse"),
        "anonymous": checked(False),
        "invoice_amount": text(""),
        "invoice_date": day(None),
    }
    for key, value in overrides.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return values


def complaint_form(**overrides) -> ComplaintForm:
    """A valid complaint as the core takes it (a tender about one council), with overrides."""
    values = dict(
        authority_name="Borsetshire County Council",
        authority_kind="wider",
        procurement_title="Community support",
        stage="tender",
        category="timescales",
        procurement_date=date(2026, 10, 1),
        what_happened="Nine days to respond.",
        outcome_wanted="Thirty days.",
        organisation_name="Ambridge Mind",
        organisation_type="vcse",
        anonymous=False,
    )
    return ComplaintForm(**{**values, **overrides})
