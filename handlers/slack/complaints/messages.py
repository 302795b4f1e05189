"""Block Kit for complaint messages: the reporter's DM and status answers (the triage card is
handlers/slack/complaints/case_card.py). Pure functions of the core's read models."""

from __future__ import annotations

from bot.complaints import catalog, delivery_views
from bot.complaints.intake import RECEIVED_DM
from bot.complaints.views import CaseView, MyComplaint
from handlers.slack.deliveries import drawn
from handlers.slack.slack_text import (
    context,
    escape,
    fields_section,
    header,
    mention,
    safe,
    section,
)

SUMMARY_MAX = 600
STATUS_LIST_MAX = 20


def _date(d) -> str:
    return f"{d:%-d %b %Y}"


def received_dm(case: CaseView) -> tuple[str, list[dict]]:
    authority = safe(case.authority, 200)
    anonymity = catalog.anonymity_words(case.anonymous)
    text = f"We have received your complaint {case.reference} about {authority}."
    blocks = [
        section(f"We have received your complaint *{case.reference}* about *{authority}*."),
        section(
            "*What happens next*\n"
            "1. The team checks the case is in scope and assigns an investigator.\n"
            "2. The investigator raises it with the contracting authority and asks for changes.\n"
            f"3. We aim to give you a full response by *{_date(case.due)}*."
        ),
        context(f"{anonymity} Check progress with `/complaint status {case.reference}`."),
    ]
    return text, blocks


def raised_by(case: CaseView) -> str:
    org_type = escape(case.organisation_type_label)
    if case.anonymous:
        return f"Anonymous ({org_type})"
    reporter = mention(case.person(case.raised_by_id))
    return f"{reporter}, {safe(case.organisation_name, 200)} ({org_type})"


# The triage card is case_card's (case_card.py beside this file), kept live as the case moves.
RENDERERS = {RECEIVED_DM: drawn(delivery_views.case_view, received_dm)}


def status_list(cases: list[MyComplaint]) -> str:
    if not cases:
        return "You have no complaints with us. Raise one with `/complaint`."
    lines = ["*Your complaints*"]
    for case in cases[:STATUS_LIST_MAX]:
        lines.append(
            f"• *{case.reference}*: {safe(case.authority, 80)}: {escape(case.status_label)}"
            f" (due {_date(case.due)})"
        )
    if len(cases) > STATUS_LIST_MAX:
        lines.append(f"…and {len(cases) - STATUS_LIST_MAX} older ones.")
    lines.append("See one with `/complaint status MS-YYYY-NNNN`.")
    return "\n".join(lines)


def status_detail(case: MyComplaint) -> list[dict]:
    pairs = [
        ("Status", escape(case.status_label)),
        ("Category", escape(case.category_label)),
        ("Authority", safe(case.authority, 200)),
        ("Procurement", safe(case.title, 300)),
        ("Received", _date(case.received_on)),
        ("Response due", _date(case.due)),
        ("Anonymous", "Yes" if case.anonymous else "No"),
    ]
    return [header(f"Complaint {case.reference}"), fields_section(pairs)]
