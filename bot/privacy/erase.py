"""Erasure: a person's personal data removed or irreversibly anonymised where no reason to
keep it applies (issue 17 item 3), and the same redaction applied by retention.

What an erasure does to each column is the register's: ``erase`` says whether it is reached
(``erase_note`` why not), ``link`` / ``author`` say whose it is, ``json_keys`` which parts of
a JSON column hold text. Rows are never deleted, so counts and reports stay the same.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import UniqueConstraint, func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import conversations, people_cache
from bot.complaints import notices
from bot.db import transaction
from bot.privacy import records
from bot.privacy.keeping import reasons_to_keep
from bot.privacy.records import ACTOR, Held, Subject
from bot.privacy.register import REGISTER
from bot.privacy.terms import Entry
from models import Complaint, JobRun

ERASED = "[erased]"
# The audit row's job name: `msbot jobs` history, kept by pruning (bot.jobs.housekeeping).
AUDIT_JOB = "privacy_erase"


class ErasureRefused(Exception):
    """A retention reason applies: ``reasons`` say which and until when."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Erasure:
    counts: dict[str, int]  # table -> rows changed

    @property
    def summary(self) -> str:
        return ", ".join(f"{t} {n}" for t, n in sorted(self.counts.items())) or "nothing held"


def redact_json(value, keys: tuple[str, ...]):
    """``value`` with the text under ``keys`` (every string if none) replaced."""
    if isinstance(value, dict):
        return {
            k: ERASED if isinstance(v, str) and (not keys or k in keys) else redact_json(v, keys)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [ERASED if isinstance(v, str) and not keys else redact_json(v, keys) for v in value]
    return value


def _erased_value(name: str, column: str, entry: Entry, value, row_id):
    t = records.table(name)
    col = t.c[column]
    if isinstance(value, dict | list):
        return redact_json(value, entry.json_keys)
    if any(fk.column.table.name == "person" for fk in col.foreign_keys):
        # A reference to a person: cleared where it may be empty; otherwise it stays, and
        # the person row it names is anonymised (person and platform_account entries).
        return None if col.nullable else value
    if col.unique or any(
        column in c.columns for c in t.constraints if isinstance(c, UniqueConstraint)
    ):
        return f"erased-{row_id}"  # still unique, names nobody
    return None if col.nullable else ERASED


def _reached(item: Held, column: str, entry: Entry, subject: Subject | None) -> bool:
    """Whether an erasure for ``subject`` (None: retention) reaches this column of this row."""
    value = item.row.get(column)
    if not entry.personal or value in (None, "", [], {}):
        return False
    if entry.link is not None:
        if not records.names_a_person(entry, item.row):
            return False
        if subject is not None and value in subject:
            return entry.erase or (entry.staff_kept and not subject.staff)
        return entry.erase and item.scope != ACTOR
    if not entry.erase or (entry.erase_if and not item.row.get(entry.erase_if)):
        return False
    if item.scope != ACTOR:
        return True
    if subject is None or not entry.author or item.row.get(entry.author) not in subject:
        return False
    # What staff wrote in a record is part of it while it is kept (their id stays too).
    return not (subject.staff and REGISTER[item.table][entry.author].staff_kept)


# Rows still waiting to be delivered are left for the sender: among them the card redraws an
# erasure queues, whose channel must stay (a team channel, not a person's).
IN_FLIGHT = {"outbox_message": ("status", "pending")}


def changes(item: Held, subject: Subject | None) -> dict:
    """The new values of the columns of ``item`` that an erasure changes."""
    flag = IN_FLIGHT.get(item.table)
    if flag and item.row.get(flag[0]) == flag[1]:
        return {}
    out = {}
    for column, entry in REGISTER[item.table].items():
        if _reached(item, column, entry, subject):
            value = item.row[column]
            new = _erased_value(item.table, column, entry, value, item.row.get("id"))
            if new != value:
                out[column] = new
    return out


def apply(session: Session, items: list[Held], subject: Subject | None) -> dict[str, int]:
    """Write the erasure of ``items``; rows changed per table (a second run changes none).
    A case's posted card is redrawn from what is left of it, and every other recorded message
    reached (a thread line, a relay, a DM) is redacted, through the outbox."""
    counts: Counter[str] = Counter()
    # Read before any row changes: a relay's DM goes to its case's supplier.
    filers = {i.row["id"]: i.row.get("reporter_id") for i in items if i.table == "complaint"}
    for item in items:
        new = changes(item, subject)
        if new:
            if item.table == "posted_message" and "conversation_id" in new:
                # The message itself is redacted where it was posted, once: the row loses
                # the ids that find it in this same change.
                conversations.redact(session, item.row, person_id=_addressee(item.row, filers))
            t = records.table(item.table)
            session.execute(update(t).where(t.c.id == item.row["id"]).values(**new))
            counts[item.table] += 1
            if item.table == "complaint":
                case = session.get(Complaint, item.row["id"], populate_existing=True)
                notices.refresh_card(session, case)
    return dict(counts)


def _addressee(posted: dict, filers: dict) -> int | None:
    """The person whose DM a posted message is (None for a team channel's)."""
    if posted["about"] == conversations.DIRECT_MESSAGE:
        return posted["subject_id"]
    if posted["about"] == conversations.SUPPLIER_RELAY:
        return filers.get(posted["subject_id"])
    return None


def erase(engine: Engine, subject: Subject, now: datetime) -> Erasure:
    """Erase ``subject``'s data, or raise ErasureRefused saying why and until when.

    Audited as a job_run row holding the count per table, never who was erased or what.
    """
    with transaction(engine) as session:
        items = records.held(session, subject)
        reasons = reasons_to_keep(items)
        if reasons:
            raise ErasureRefused(reasons)
        counts = apply(session, items, subject)
        erasure = Erasure(counts)
        runs = JobRun.__table__
        latest = session.execute(select(func.max(runs.c.slot)).where(runs.c.job == AUDIT_JOB))
        latest = latest.scalar()
        # (job, slot) is unique: two erasures in one instant get distinct slots.
        slot = now if latest is None or latest < now else latest + timedelta(microseconds=1)
        session.execute(
            runs.insert().values(
                job=AUDIT_JOB,
                slot=slot,
                status="done",
                manual=True,
                attempts=1,
                started_at=now,
                finished_at=now,
                result=f"erased: {erasure.summary}"[:500],
            )
        )
    # After the commit: this process stops serving the erased accounts from memory (others
    # within bot.people_cache.TTL_SECONDS).
    people_cache.forget()
    return erasure
