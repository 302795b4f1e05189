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
# The words on the button of each move a case's card offers (which moves a state offers is
# lifecycle.offered_moves); the same on every front end.
MOVE_BUTTONS: dict[str, str] = {
    "triage": "Triage",
    "start": "Start investigating",
    "contact_authority": "Contacted authority",
    "authority_replied": "Authority replied",
    "supplier_replied": "Supplier replied",
    "close": "Close",
    "out_of_scope": "Out of scope",
    "resolve": "Resolve",
    "follow_up": "Record follow-up",
}

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


# What a status means for the supplier, in their words (every front end tells them the same).
SUPPLIER_STATUS_WORDS: dict[str, str] = {
    "triaged": "The team has checked your complaint and it is in scope.",
    "investigating": "An investigator is now looking into your complaint.",
    "awaiting_authority": "We have raised your complaint with the contracting authority and "
    "are waiting for their reply.",
    "awaiting_supplier": "We have a question for you: please see our message.",
    "resolved": "We have finished looking into your complaint.",
    "follow_up": "We are checking that what the authority agreed has really happened.",
    "closed": "Your case is now closed. Thank you for raising it.",
    "out_of_scope": "We are sorry, but this complaint is outside what we can look into.",
    "referred": "We have passed your complaint to the Procurement Compliance Service, who "
    "can look into it further.",
    "withdrawn": "Your complaint has been withdrawn, as you asked.",
    "received": "Your complaint has been reopened and will be looked at again.",
}


def supplier_status_words(status: str, status_label: str) -> str:
    return SUPPLIER_STATUS_WORDS.get(status, f"Your complaint is now: {status_label}.")


def anonymity_words(anonymous: bool) -> str:
    """What the receipt says about the supplier's choice of anonymity."""
    if anonymous:
        return (
            "You asked to stay anonymous: the authority and our published results will never "
            "learn who raised this."
        )
    return (
        "You did not ask for anonymity: we may tell the authority which organisation raised "
        "this if it helps resolve it."
    )
