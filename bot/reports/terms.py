"""The investigation workflow's vocabulary as the reports use it (defined once, in
bot.complaints)."""

from __future__ import annotations

from bot.complaints.catalog import (
    AUTHORITY_KINDS,
    CATEGORIES,
    FOLLOW_UP_RESULTS,
    ORGANISATION_TYPES,
    OUTCOMES,
    POSITIVE_OUTCOMES,
    label,
)
from bot.complaints.deadlines import SERVICE_CLOCK_STATUSES
from bot.complaints.lifecycle import OPEN_STATUSES

OUTCOME_LABELS = dict(OUTCOMES)
CATEGORY_LABELS = dict(CATEGORIES)
# Organisation types counted as "the voluntary sector" in the digest and reports.
VOLUNTARY = ("vcse", "social_enterprise")
SME = ("sme",)

__all__ = [
    "AUTHORITY_KINDS",
    "CATEGORY_LABELS",
    "FOLLOW_UP_RESULTS",
    "OPEN_STATUSES",
    "ORGANISATION_TYPES",
    "OUTCOMES",
    "OUTCOME_LABELS",
    "POSITIVE_OUTCOMES",
    "SERVICE_CLOCK_STATUSES",
    "SME",
    "VOLUNTARY",
    "label",
]
