"""Block Kit for complaint messages: the reporter's DM and status answers (the triage card is
handlers/slack/complaints/case_card.py)."""

from __future__ import annotations

from bot.complaints import catalog
from bot.complaints.intake import RECEIVED_DM
from bot.outbox import PermanentDeliveryError
from bot.people import PersonRef
from handlers.slack.slack_text import (
    context,
    escape,
    fields_section,
    header,
    mention,
    safe,
    section,
)
from models import Complaint

SUMMARY_MAX = 600
STATUS_LIST_MAX = 20


def _date(d) -> str:
    return f"{d:%-d %b %Y}"


def _status(case: Complaint) -> str:
    return catalog.STATUS_LABELS.get(case.status, case.status)


def received_dm(case: Complaint) -> tuple[str, list[dict]]:
    authority = safe(case.authority_name, 200)
    anonymity = (
        "You asked to stay anonymous: the authority and our published results will never "
        "learn who raised this."
        if case.anonymous
        else "You did not ask for anonymity: we may tell the authority which organisation "
        "raised this if it helps resolve it."
    )
    text = f"We have received your complaint {case.reference} about {authority}."
    blocks = [
        section(f"We have received your complaint *{case.reference}* about *{authority}*."),
        section(
            "*What happens next*\n"
            "1. The team checks the case is in scope and assigns an investigator.\n"
            "2. The investigator raises it with the contracting authority and asks for changes.\n"
            f"3. We aim to give you a full response by *{_date(case.due_date)}*."
        ),
        context(f"{anonymity} Check progress with `/complaint status {case.reference}`."),
    ]
    return text, blocks


def raised_by(case: Complaint, reporter: PersonRef | None) -> str:
    """``reporter``: the person who raised it (looked up by the caller; never shown for an
    anonymous case)."""
    org_type = escape(catalog.label(catalog.ORGANISATION_TYPES, case.organisation_type))
    if case.anonymous:
        return f"Anonymous ({org_type})"
    return f"{mention(reporter)}, {safe(case.organisation_name, 200)} ({org_type})"


def _about_case(render):
    def renderer(session, msg):
        case = session.get(Complaint, msg.subject_id)
        if case is None:
            raise PermanentDeliveryError(f"case {msg.subject_id} no longer exists")
        return render(case)

    return renderer


# The triage card is case_card's (case_card.py beside this file), kept live as the case moves.
RENDERERS = {RECEIVED_DM: _about_case(received_dm)}


def status_list(cases: list[Complaint]) -> str:
    if not cases:
        return "You have no complaints with us. Raise one with `/complaint`."
    lines = ["*Your complaints*"]
    for case in cases[:STATUS_LIST_MAX]:
        lines.append(
            f"• *{case.reference}*: {safe(case.authority_name, 80)}: {escape(_status(case))}"
            f" (due {_date(case.due_date)})"
        )
    if len(cases) > STATUS_LIST_MAX:
        lines.append(f"…and {len(cases) - STATUS_LIST_MAX} older ones.")
    lines.append("See one with `/complaint status MS-YYYY-NNNN`.")
    return "\n".join(lines)


def status_detail(case: Complaint) -> list[dict]:
    pairs = [
        ("Status", escape(_status(case))),
        ("Category", escape(catalog.label(catalog.CATEGORIES, case.category))),
        ("Authority", safe(case.authority_name, 200)),
        ("Procurement", safe(case.procurement_title, 300)),
        ("Received", _date(case.received_on)),
        ("Response due", _date(case.due_date)),
        ("Anonymous", "Yes" if case.anonymous else "No"),
    ]
    return [header(f"Complaint {case.reference}"), fields_section(pairs)]
