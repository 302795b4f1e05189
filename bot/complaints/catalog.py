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
    "triaged": "Triaged",
    "investigating": "Investigating",
    "awaiting_authority": "Waiting for the authority",
    "awaiting_supplier": "Waiting for the supplier",
    "resolved": "Resolved",
    "follow_up": "Follow-up due",
    "closed": "Closed",
    "out_of_scope": "Out of scope",
    "referred": "Referred to the Procurement Compliance Service",
    "withdrawn": "Withdrawn",
}

OUTCOMES: tuple[tuple[str, str], ...] = (
    ("live_change", "Live procurement changed"),
    ("recommendation_accepted", "Recommendation accepted"),
    ("future_improvements", "Future improvements agreed"),
    ("advice_resolved", "Resolved with advice"),
    ("money_released", "Money released"),
    ("partial_change", "Partial change"),
    ("not_upheld", "Not upheld"),
)
# Every outcome but not_upheld changed something; partial_change is reported apart.
POSITIVE_OUTCOMES: frozenset[str] = frozenset(v for v, _ in OUTCOMES) - {"not_upheld"}

FOLLOW_UP_RESULTS: tuple[tuple[str, str], ...] = (
    ("yes", "Carried out"),
    ("partly", "Partly carried out"),
    ("no", "Not carried out"),
)

LATE_PAYMENT = "late_payment"


def label(options: tuple[tuple[str, str], ...], value: str | None) -> str:
    return dict(options).get(value or "", value or "")
