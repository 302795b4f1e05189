"""The investigation workflow's vocabulary as the reports use it (defined once, in
bot.complaints)."""

from __future__ import annotations

from bot.complaints.catalog import (
    AUTHORITY_KINDS,
    CATEGORIES,
    FOLLOW_UP_RESULTS,
    ORGANISATION_TYPES,
    OUTCOMES,
    PARTIAL_CHANGE,
    POSITIVE_OUTCOMES,
    STATUS_LABELS,
    label,
)
from bot.complaints.lifecycle import (
    AWAITING_FOLLOW_UP,
    CLOCK_RUNNING,
    CLOSED_STATUSES,
    CONCLUDED_STATUSES,
    ENDED_UNRESOLVED,
    OPEN_STATUSES,
    RESOLVED_STATUSES,
    SERVICE_CLOCK_STATUSES,
    WORKING_STATUSES,
)

OUTCOME_LABELS = dict(OUTCOMES)
CATEGORY_LABELS = dict(CATEGORIES)
# Organisation types counted as "the voluntary sector" in the digest and reports.
VOLUNTARY = ("vcse", "social_enterprise")
SME = ("sme",)

__all__ = [
    "AUTHORITY_KINDS",
    "AWAITING_FOLLOW_UP",
    "CATEGORY_LABELS",
    "CLOCK_RUNNING",
    "CLOSED_STATUSES",
    "CONCLUDED_STATUSES",
    "ENDED_UNRESOLVED",
    "FOLLOW_UP_RESULTS",
    "OPEN_STATUSES",
    "ORGANISATION_TYPES",
    "OUTCOMES",
    "OUTCOME_LABELS",
    "PARTIAL_CHANGE",
    "POSITIVE_OUTCOMES",
    "RESOLVED_STATUSES",
    "SERVICE_CLOCK_STATUSES",
    "SME",
    "STATUS_LABELS",
    "VOLUNTARY",
    "WORKING_STATUSES",
    "label",
]
