"""What a resolution records, checked field by field: the outcome, the agreed actions, a
public summary in the investigator's own words, money released and the follow-up date.

Split from the lifecycle (which applies the move) so the state machine stays one screen of
rules; the lifecycle calls :func:`recorded` when a case is resolved.
"""

from __future__ import annotations

from datetime import date

from rapidfuzz import fuzz

from bot.complaints import catalog
from bot.text import clean
from models import Complaint

MAX_REASON = 1500
MAX_SUMMARY = 3000
# A public summary this similar to the supplier's own account counts as their words.
SUPPLIER_WORDS_SIMILARITY = 85
MIN_COPIED_CHARS = 30


def text_field(details: dict, field: str, errors: dict, *, required: bool, limit: int):
    """A typed text field cleaned; a missing or over-long one is added to ``errors``."""
    value = clean(str(details.get(field) or ""), multiline=True)
    if required and not value:
        errors[field] = "Please fill this in."
    elif len(value) > limit:
        errors[field] = f"Please keep this under {limit} characters (it is {len(value)})."
    return value or None


def recorded(case: Complaint, today: date, details: dict, errors: dict) -> dict:
    """The fields a resolution sets; problems are added to ``errors`` by field name."""
    outcome = details.get("outcome")
    if outcome not in dict(catalog.OUTCOMES):
        errors["outcome"] = "Please choose an outcome."
    agreed = text_field(details, "agreed_actions", errors, required=True, limit=MAX_SUMMARY)
    summary = text_field(details, "public_summary", errors, required=True, limit=MAX_SUMMARY)
    uses_words = bool(details.get("summary_uses_supplier_words"))
    if summary and not uses_words and is_suppliers_words(case, summary):
        errors["public_summary"] = (
            "This repeats the supplier's own words. Write the summary yourself, or tick that "
            "it may be published as it is."
        )
    money = details.get("money_released_pence")
    if money is not None:
        if not catalog.is_payment_case(case.category, case.stage):
            errors["money_released_pence"] = "Money released is only recorded for payment cases."
        elif not isinstance(money, int) or money <= 0:
            errors["money_released_pence"] = "Give the amount released, more than £0."
    elif outcome == catalog.MONEY_RELEASED:
        errors["money_released_pence"] = "Give the amount of money released."
    follow_up = details.get("follow_up_due")
    if follow_up is not None and follow_up <= today:
        errors["follow_up_due"] = "The follow-up date must be in the future."
    return {
        "outcome": outcome,
        "agreed_actions": agreed,
        "public_summary": summary,
        "summary_uses_supplier_words": uses_words,
        # Published only when an investigator ticked "Publish this anonymised summary".
        "publishable": details.get("publishable") is True,
        "money_released_pence": money,
        "follow_up_due": follow_up,
        "follow_up_result": None,
        "follow_up_note": None,
        "resolved_on": today,
    }


def is_suppliers_words(case: Complaint, summary: str) -> bool:
    """True when the summary copies (most of) what the supplier wrote, or the other way round.
    Short texts are skipped: a few shared words are not the supplier's account."""
    for said in (case.what_happened, case.outcome_wanted):
        if min(len(said), len(summary)) < MIN_COPIED_CHARS:
            continue
        if fuzz.partial_ratio(summary.lower(), said.lower()) >= SUPPLIER_WORDS_SIMILARITY:
            return True
    return False
