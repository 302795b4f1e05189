"""Column helpers shared by the tables."""

from datetime import UTC, datetime

from sqlalchemy import JSON


def utcnow() -> datetime:
    """Aware UTC; SQLModel's datetime columns refuse naive values, which keeps zones honest."""
    return datetime.now(UTC)


JSONType = JSON
