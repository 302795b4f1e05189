"""A lead's subject-access request from a chat front end (`/complaint privacy export <who>`):
queued durably before the answer, sent to the lead by DM as files through the outbox.

The request is two outbox rows (the JSON and the HTML page), stored in one transaction with
its audit: each row names who asked (its recipient, the lead) and for whom (``data``). The
files themselves are drawn by :func:`export_file` when the row is sent and uploaded at once:
they are never stored, so nothing of them lingers once sent (or given up). An anonymous case
of the person is named in the export, so asking is a reveal of its filer to that lead:
recorded as the reveal path records one (a ``revealed`` event by the lead, no identity, and a
line in the case's thread saying a reveal happened).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import outbox, permissions
from bot.complaints import policy, relay
from bot.db import transaction
from bot.errors import NotFound
from bot.outbox import PermanentDeliveryError
from bot.privacy import export, records
from bot.privacy.records import Subject
from models import Complaint, OutboxMessage, Person, PersonalChat
from models.base import utcnow

log = structlog.get_logger("msbot.privacy")

EXPORT_FILE = "privacy.export.file"
# The policy's name for asking (bot.complaints.policy: leads only).
ACTION = "privacy_export"
UNKNOWN = "Nobody msbot knows is {who}: no export was queued."
GONE = "That export is no longer available: ask for it again if it is still needed."


@dataclass(frozen=True)
class Queued:
    rows: int  # outbox rows queued now (0: this request was queued already)
    anonymous_cases: int  # anonymous cases of the person, each audited as a reveal


@dataclass(frozen=True)
class ExportFile:
    """One file of a queued export, drawn when it is sent."""

    filename: str
    title: str
    content: str
    row: int | None = None  # its outbox row (how a platform that asks first names it back)


def staff_names(settings) -> frozenset[str]:
    """The role settings' names of staff (whose ids in staff columns stay in others' data)."""
    return settings.investigator_user_ids | settings.lead_user_ids | settings.coordinator_user_ids


def subject_for(session: Session, who: str, staff_ids: Iterable[str]) -> Subject:
    """The person named by a platform user id, an email, or msbot's person number ("#12");
    NotFound if nobody is."""
    who = who.strip()
    number = who.removeprefix("#")
    if number.isascii() and number.isdigit() and len(number) < 10:
        found = session.execute(select(Person.id).where(Person.id == int(number))).scalar()
        if found is not None:
            # Staff or not is told by the person's accounts, as for any other way of naming.
            staff = records.find_subject(session, _any_account(session, found), staff_ids).staff
            return Subject(frozenset({found}), staff=staff)
    subject = records.find_subject(session, who, staff_ids)
    if not subject.identifiers:
        # A mention may name someone by how the platform addresses them in a chat (a Teams
        # "29:" member id), which is no account's user id.
        chat = select(PersonalChat.person_id).where(PersonalChat.member_id == who).limit(1)
        found = session.execute(chat).scalar()
        if found is not None:
            return subject_for(session, f"#{found}", staff_ids)
        raise NotFound(UNKNOWN.format(who=who[:80]))
    return subject


def _any_account(session: Session, person_id: int) -> str:
    account = records.table("platform_account")
    query = select(account.c.user_id).where(account.c.person_id == person_id).limit(1)
    return session.execute(query).scalar() or ""


def queue_export(
    engine: Engine,
    actor: permissions.Actor,
    who: str,
    staff_ids: Iterable[str],
    now: datetime,
    *,
    request_key: str | None = None,
) -> Queued:
    """Queue ``who``'s export to ``actor`` by DM; leads only (NotPermitted otherwise),
    NotFound for nobody. ``request_key`` (the front end's delivery key): a repeat of one
    request queues nothing more."""
    policy.require(actor, ACTION)
    with transaction(engine) as s:
        if request_key and _queued_already(s, actor, request_key):
            return Queued(0, 0)
        subject = subject_for(s, who, staff_ids)
        ids = sorted(subject.identifiers)
        for fmt in export.FORMATS:
            data = {"person": ids, "staff": subject.staff, "format": fmt}
            if request_key:
                data["request"] = request_key
            outbox.enqueue(s, EXPORT_FILE, person_id=actor.person_id, data=data)
        anonymous = s.scalars(
            select(Complaint).where(Complaint.reporter_id.in_(ids), Complaint.anonymous)
        ).all()
        for case in anonymous:
            relay.record_reveal(s, case, actor, now)
    # Who asked, never for whom: the log must not tie the request to a person's cases.
    log.info("privacy.export_queued", by=actor.person_id)
    return Queued(len(export.FORMATS), len(anonymous))


def _queued_already(session: Session, actor: permissions.Actor, key: str) -> bool:
    rows = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind == EXPORT_FILE,
            OutboxMessage.recipient_person_id == actor.person_id,
        )
    )
    return any((row.data or {}).get("request") == key for row in rows)


def offered_row(session: Session, row_id: object, person_id: int) -> OutboxMessage:
    """A sent export row offered to the lead ``person_id`` (a platform that asks before a
    file is sent: Teams' file consent names the row back). NotFound for anyone else's row or
    none, so a forged answer reveals and spoils nothing."""
    row = session.get(OutboxMessage, row_id) if type(row_id) is int else None
    if row is None or row.kind != EXPORT_FILE or row.recipient_person_id != person_id:
        raise NotFound(GONE)
    return row


def consented_file(session: Session, row_id: object, person_id: int) -> ExportFile:
    """The file of an offered row, drawn again now that its lead has agreed to receive it."""
    try:
        return export_file(session, offered_row(session, row_id, person_id))
    except PermanentDeliveryError as exc:
        raise NotFound(GONE) from exc


def export_file(session: Session, msg: OutboxMessage) -> ExportFile:
    """The outbox's loader: the file the row asks for, drawn from the data as it is now."""
    data = msg.data or {}
    render = export.FORMATS.get(data.get("format"))
    if render is None or not data.get("person"):
        raise PermanentDeliveryError("an export row without its person or format")
    subject = Subject(frozenset(data["person"]), staff=bool(data.get("staff")))
    built = export.build(session, subject, utcnow())
    stem = "subject-access-" + "-".join(str(i) for i in data["person"])
    return ExportFile(
        filename=f"{stem}.{data['format']}",
        title=f"Data held about person {', '.join(map(str, data['person']))}",
        content=render(built),
        row=msg.id,
    )
