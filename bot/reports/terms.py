"""The investigation workflow's vocabulary as the reports use it.

Read from bot.complaints (catalog, lifecycle) so there is one definition; the fallback is the
contract's list, for a branch where the workflow has not landed yet.
"""

from __future__ import annotations

try:
    from bot.complaints.catalog import OUTCOMES, POSITIVE_OUTCOMES
except ImportError:  # pragma: no cover - only before the investigation workflow is merged
    OUTCOMES = (
        ("live_change", "Live procurement changed"),
        ("recommendation_accepted", "Recommendation accepted"),
        ("future_improvements", "Future improvements agreed"),
        ("advice_resolved", "Resolved with advice"),
        ("money_released", "Money released"),
        ("partial_change", "Partial change"),
        ("not_upheld", "Not upheld"),
    )
    POSITIVE_OUTCOMES = frozenset(v for v, _ in OUTCOMES if v != "not_upheld")
try:
    from bot.complaints.lifecycle import OPEN_STATUSES
except ImportError:  # pragma: no cover
    OPEN_STATUSES = frozenset(
        {
            "received",
            "triaged",
            "investigating",
            "awaiting_authority",
            "awaiting_supplier",
            "resolved",
            "follow_up",
        }
    )

from bot.complaints.catalog import AUTHORITY_KINDS, CATEGORIES, ORGANISATION_TYPES, label

OUTCOME_LABELS = dict(OUTCOMES)
CATEGORY_LABELS = dict(CATEGORIES)
# Organisation types counted as "the voluntary sector" in the digest and reports.
VOLUNTARY = ("vcse", "social_enterprise")
SME = ("sme",)

__all__ = [
    "AUTHORITY_KINDS",
    "CATEGORY_LABELS",
    "OPEN_STATUSES",
    "ORGANISATION_TYPES",
    "OUTCOME_LABELS",
    "POSITIVE_OUTCOMES",
    "SME",
    "VOLUNTARY",
    "label",
]
