"""The fixed lists a complaint is classified by, defined once for every front end.

Each entry is (stored value, label shown to people). Values are stable; labels may change.
"""

from __future__ import annotations

AUTHORITY_KINDS: tuple[tuple[str, str], ...] = (
    ("central", "Central government"),
    ("wider", "Wider public sector (council, NHS trust, college, ...)"),
)

STAGES: tuple[tuple[str, str], ...] = (
    ("pre_market", "Pre-market engagement"),
    ("selection", "Selection / PQQ"),
    ("tender", "Tender"),
    ("evaluation", "Evaluation"),
    ("award", "Award"),
    ("contract_management", "Contract management"),
    ("payment", "Payment"),
)

CATEGORIES: tuple[tuple[str, str], ...] = (
    ("late_payment", "Payment / late payment"),
    ("evaluation", "Evaluation"),
    ("transparency", "Transparency"),
    ("timescales", "Timescales too short"),
    ("award_decision", "Award decision"),
    ("tender_process", "Tender process"),
    ("framework", "Use of a framework"),
    ("feedback", "Feedback to bidders"),
    ("communication", "Communication"),
    ("disproportionate", "Disproportionate selection or financial requirements (PQQ)"),
    ("contract_size", "Contract too large / poor lotting"),
    ("abandoned", "Procurement abandoned or cancelled"),
    ("prescriptive_spec", "Over-prescriptive specification"),
    ("social_value", "Social value ignored"),
    ("other", "Other"),
)

ORGANISATION_TYPES: tuple[tuple[str, str], ...] = (
    ("vcse", "Charity / voluntary sector (VCSE)"),
    ("social_enterprise", "Social enterprise"),
    ("sme", "Small or medium business (SME)"),
    ("large", "Large business"),
    ("other", "Other"),
)

STATUS_LABELS: dict[str, str] = {
    "received": "Received: awaiting triage",
    "triaged": "Triaged: in scope",
    "investigating": "Investigating",
    "awaiting_authority": "Waiting for the authority",
    "awaiting_supplier": "Waiting for the supplier",
    "resolved": "Resolved",
    "follow_up": "Follow-up due",
    "closed": "Closed",
    "out_of_scope": "Out of scope",
    "referred": "Referred to the Procurement Compliance Service",
    "withdrawn": "Withdrawn by the supplier",
}

CASE_KINDS: tuple[tuple[str, str], ...] = (
    ("complaint", "Complaint"),
    ("spot_check", "Spot check"),
)

OUTCOMES: tuple[tuple[str, str], ...] = (
    ("live_change", "Change made to a live procurement"),
    ("recommendation_accepted", "Recommendation accepted by the authority"),
    ("future_improvements", "Improvements identified for future procurements"),
    ("advice_resolved", "Advice to the supplier resolved the concern"),
    ("money_released", "Money released (late payment)"),
    ("partial_change", "Partial change: progress part-way to an outcome"),
    ("not_upheld", "Not upheld"),
)
# Counted as positive in reports; partial_change is positive but reported on its own line.
POSITIVE_OUTCOMES: frozenset[str] = frozenset(v for v, _ in OUTCOMES if v != "not_upheld")
PARTIAL_CHANGE = "partial_change"
MONEY_RELEASED = "money_released"

# Was the agreed change carried out, checked at follow-up.
FOLLOW_UP_RESULTS: tuple[tuple[str, str], ...] = (
    ("yes", "Yes, carried out"),
    ("partly", "Partly carried out"),
    ("no", "Not carried out"),
)

LATE_PAYMENT = "late_payment"
PAYMENT_STAGE = "payment"


def is_payment_case(category: str | None, stage: str | None) -> bool:
    """Money released is recorded for late-payment complaints and payment-stage cases."""
    return category == LATE_PAYMENT or stage == PAYMENT_STAGE


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def label(options: tuple[tuple[str, str], ...], value: str | None) -> str:
    return dict(options).get(value or "", value or "")


# What each action on a case is called in a sentence ("you can't {label} it").
ACTION_LABELS: dict[str, str] = {
    "triage": "triage",
    "start": "start investigating",
    "contact_authority": "record that the authority was contacted",
    "authority_replied": "record the authority's reply",
    "ask_supplier": "wait for the supplier",
    "supplier_replied": "record the supplier's answer",
    "resolve": "resolve",
    "follow_up": "start the follow-up",
    "close": "close",
    "out_of_scope": "mark out of scope",
    "refer": "refer to the Procurement Compliance Service",
    "withdraw": "withdraw",
    "reopen": "reopen",
    "assign_self": "assign cases",
    "assign": "assign cases",
    "reassign": "reassign a case",
    "note": "add case notes",
    "tell_supplier": "message the supplier",
    "supplier_reply": "answer the team's questions about it",
    "link": "link cases",
    "unlink": "unlink cases",
    "timeline": "see a case's timeline",
    "reveal": "reveal who raised an anonymous complaint",
    "spotcheck": "open a spot check",
    "view_case": "see this case",
    "see_reports": "see the team's reports",
    "privacy_export": "export a person's data",
}
