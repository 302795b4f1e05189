"""What keeps a person's record from being erased yet: a case, sign-up, host offer or
placement still in use (issue 17 item 3: an erasure refuses, saying why and until when)."""

from __future__ import annotations

from bot.complaints.lifecycle import CLOSED_STATUSES
from bot.privacy.records import OWNER, Held
from bot.shadowing.catalog import ACTIVE_STATUSES, OPEN_PLACEMENT_STATUSES


def reasons_to_keep(items: list[Held]) -> list[str]:
    """Why an erasure must wait, and until when: a record of theirs still in use."""
    reasons = []
    for item in items:
        if item.scope != OWNER:
            continue
        row = item.row
        if item.table == "complaint" and row["status"] not in CLOSED_STATUSES:
            reasons.append(
                f"case {row['reference']} is open ({row['status']}): its data is kept until "
                "it closes, and may be erased then"
            )
        elif item.table == "shadow_applicant" and row["status"] in ACTIVE_STATUSES:
            reasons.append(
                f"sign-up {row['id']} is active ({row['status']}): kept until it is "
                "withdrawn, declined or completed"
            )
        elif item.table == "shadow_host" and row["status"] == "open":
            reasons.append(f"host offer {row['id']} is open: kept until it is closed")
        elif item.table == "shadow_placement" and row["status"] in OPEN_PLACEMENT_STATUSES:
            until = row["end_date"].isoformat() if row["end_date"] else "it ends"
            reasons.append(
                f"placement {row['id']} is under way ({row['status']}): kept until {until}"
            )
    return reasons
