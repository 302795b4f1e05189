"""Keys the Teams front end stores to recognise a repeat (a retried activity, a second
submission of one dialog), built from Teams' own ids.

Those ids are opaque and long (a 1:1 conversation id alone can run past a hundred
characters; the edge allows 512 each), while the columns that keep the keys are bounded
(processed_delivery.key 200, complaint.submission_key 100, case_note.source_key 400).
PostgreSQL refuses a longer value (SQLite keeps it), so a key that would not fit is replaced
by a digest of itself: still one key per activity, on both databases.
"""

from __future__ import annotations

import hashlib

PREFIX = "teams:"
# The columns' lengths.
DELIVERY_KEY_MAX = 200  # processed_delivery.key
PENDING_KEY_MAX = 200  # pending_command.key
NOTE_KEY_MAX = 400  # case_note.source_key
SUBMISSION_KEY_MAX = 100  # complaint.submission_key


def bounded_key(*parts: object, limit: int) -> str:
    """``teams:<part>:<part>...``, or ``teams:#<sha256>`` when that is over ``limit``."""
    key = PREFIX + ":".join(str(p) for p in parts)
    if len(key) <= limit:
        return key
    return f"{PREFIX}#{hashlib.sha256(key.encode()).hexdigest()}"
