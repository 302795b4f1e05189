"""Offers and placements after a round: both sides answer, then the placement is scheduled,
completed and given feedback. Unanswered offers lapse and free the place.

Rows are locked in one order everywhere (applicant, then placement) so concurrent clicks and
the expiry job wait for each other instead of deadlocking. Every change writes an audit event.
"""

from __future__ import annotations

from datetime import date, datetime

import structlog
from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.clock import UK
from bot.db import transaction
from bot.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from bot.shadowing import catalog, events, notices
from bot.shadowing.catalog import check_transition, status_label
from bot.text import clean
from models import ShadowApplicant, ShadowFeedback, ShadowHost, ShadowPlacement
from models.base import utcnow

log = structlog.get_logger("msbot.shadowing")

MAX_REASON = 500  # the withdrawn_reason / end_reason columns

NOT_YOURS = "This offer isn't addressed to you."


def clean_reason(reason: str | None, field: str = "reason") -> str | None:
    """A stored reason: cleaned, None when empty; ValidationFailed when too long."""
    text = clean(reason, multiline=True)
    if len(text) > MAX_REASON:
        raise ValidationFailed({field: f"Please keep this under {MAX_REASON} characters."})
    return text or None


def _when(moment: datetime) -> str:
    uk = moment.astimezone(UK)
    return f"{uk.day} {uk:%B %Y} at {uk:%H:%M}"


def _load(s: Session, placement_id: int) -> tuple[ShadowPlacement, ShadowApplicant, ShadowHost]:
    """The placement, its applicant and its host; applicant and placement locked, in that
    order."""
    applicant_id = s.exec(
        select(ShadowPlacement.applicant_id).where(ShadowPlacement.id == placement_id)
    ).first()
    if applicant_id is None:
        raise NotFound("That offer or placement was not found.")
    applicant = s.get(ShadowApplicant, applicant_id, with_for_update=True, populate_existing=True)
    placement = s.get(ShadowPlacement, placement_id, with_for_update=True, populate_existing=True)
    host = s.get(ShadowHost, placement.host_id)
    return placement, applicant, host


def _sides(user_id: str, applicant: ShadowApplicant, host: ShadowHost, message: str) -> list[str]:
    """The sides ``user_id`` is on (someone may, oddly, be both); NotPermitted if neither."""
    sides = [
        side
        for side, owner in (("applicant", applicant.person_id), ("host", host.person_id))
        if owner == user_id
    ]
    if not sides:
        raise NotPermitted(message)
    return sides


def _move(entity: str, row, target: str, now: datetime, message: str | None = None) -> str:
    """Check the state machine, then change ``row.status``; returns the previous status."""
    previous = row.status
    check_transition(entity, previous, target, message)
    row.status = target
    row.updated_at = now
    return previous


def _record(s: Session, kind: str, p: ShadowPlacement, **data) -> None:
    """An audit event about placement ``p`` (its applicant, host and id filled in)."""
    events.record(
        s, kind, applicant_id=p.applicant_id, host_id=p.host_id, placement_id=p.id, **data
    )


def _notify(
    s: Session,
    kind: str,
    p: ShadowPlacement,
    a: ShadowApplicant,
    h: ShadowHost,
    sides: tuple[str, ...],
    **data,
) -> None:
    notices.to_both_sides(
        s,
        kind,
        placement_id=p.id,
        applicant_user_id=a.person_id,
        host_user_id=h.person_id,
        sides=sides,
        **data,
    )


def respond(
    engine: Engine, placement_id: int, *, user_id: str, accept: bool, now: datetime
) -> ShadowPlacement:
    """One side accepts or declines an offer.

    A decline ends the offer, frees the place, and sends the applicant back to the queue in
    their original position. When both sides have accepted, the placement is confirmed.
    """
    with transaction(engine) as s:
        p, a, h = _load(s, placement_id)
        sides = _sides(user_id, a, h, NOT_YOURS)
        if p.status != "offered":
            raise InvalidTransition(
                f"This offer is no longer open: it was {status_label(p.status)}."
            )
        lapsed = now >= p.expires_at
        if not lapsed:
            side, answer = _answer(s, p, a, h, sides, user_id=user_id, accept=accept, now=now)
    if lapsed:
        # Its time is up even if the expiry job has not run yet: lapse it now (both sides are
        # told, the place is freed) and say so, rather than leave it looking open.
        expire_offers(engine, now=now)
        raise InvalidTransition(f"This offer expired on {_when(p.expires_at)}.")
    log.info("shadow.offer_answered", placement_id=p.id, side=side, answer=answer)
    return p


def _answer(
    s: Session,
    p: ShadowPlacement,
    a: ShadowApplicant,
    h: ShadowHost,
    sides: list[str],
    *,
    user_id: str,
    accept: bool,
    now: datetime,
) -> tuple[str, str]:
    """Record one side's answer to an open offer, in the caller's transaction."""
    open_sides = [side for side in sides if getattr(p, f"{side}_response") is None]
    if not open_sides:
        answer = getattr(p, f"{sides[0]}_response")
        raise InvalidTransition(f"You have already {answer} this offer.")
    side = open_sides[0]
    answer = "accepted" if accept else "declined"
    setattr(p, f"{side}_response", answer)
    p.updated_at = now
    _record(s, f"offer_{answer}", p, actor=user_id, at=now, side=side)
    other = notices.other_side(side)
    if not accept:
        _move("placement", p, "declined", now)
        p.ended_by_id = user_id
        _move("sign-up", a, "queued", now)  # queued_at is kept: same place in the queue
        _notify(s, notices.OFFER_UPDATE, p, a, h, (other,), event="declined")
    elif p.applicant_response == p.host_response == "accepted":
        _move("placement", p, "accepted", now)
        _move("sign-up", a, "placed", now)
        _record(s, "placement_confirmed", p, actor=user_id, at=now)
        _notify(s, notices.OFFER_UPDATE, p, a, h, ("applicant", "host"), event="confirmed")
    else:
        _notify(s, notices.OFFER_UPDATE, p, a, h, (other,), event="accepted")
    return side, answer


def expire_offers(engine: Engine, *, now: datetime) -> int:
    """Lapse every offer whose time is up: the place is freed, the applicant goes back to the
    queue in their original position, and both sides are told. Returns how many lapsed.

    Safe to run in every process at once: the status change is a conditional UPDATE, so each
    offer lapses exactly once, and an offer answered meanwhile is left alone.
    """
    # The bulk statements below skip the per-row check, so confirm the moves once here.
    check_transition("placement", "offered", "expired")
    check_transition("sign-up", "offered", "queued")
    P, A = ShadowPlacement, ShadowApplicant
    with transaction(engine) as s:
        due = s.execute(
            select(P.id, P.applicant_id).where(P.status == "offered", P.expires_at <= now)
        ).all()
        if not due:
            return 0
        applicant_ids = sorted({row.applicant_id for row in due})
        # Applicants first, as everywhere else (see the module docstring).
        s.execute(select(A.id).where(A.id.in_(applicant_ids)).order_by(A.id).with_for_update())
        expired = s.execute(
            update(P)
            .where(P.id.in_([row.id for row in due]), P.status == "offered", P.expires_at <= now)
            .values(status="expired", updated_at=now)
            .returning(P.id, P.applicant_id, P.host_id)
            .execution_options(synchronize_session=False)
        ).all()
        if not expired:
            return 0
        requeue = [row.applicant_id for row in expired]
        s.execute(
            update(A)
            .where(A.id.in_(requeue), A.status == "offered")
            .values(status="queued", updated_at=now)
            .execution_options(synchronize_session=False)
        )
        applicant_users = dict(s.execute(select(A.id, A.person_id).where(A.id.in_(requeue))).all())
        host_ids = {row.host_id for row in expired}
        host_users = dict(
            s.execute(
                select(ShadowHost.id, ShadowHost.person_id).where(ShadowHost.id.in_(host_ids))
            ).all()
        )
        events.record_many(
            s,
            [
                {
                    "at": now,
                    "actor_id": None,
                    "kind": "offer_expired",
                    "applicant_id": row.applicant_id,
                    "host_id": row.host_id,
                    "placement_id": row.id,
                    "data": {},
                }
                for row in expired
            ],
        )
        notices.queue_many(
            s,
            [
                (notices.OFFER_UPDATE, user, row.id, {"event": "expired", "side": side})
                for row in expired
                for side, user in (
                    ("applicant", applicant_users[row.applicant_id]),
                    ("host", host_users[row.host_id]),
                )
            ],
        )
    log.info("shadow.offers_expired", count=len(expired))
    return len(expired)


def schedule(
    engine: Engine,
    placement_id: int,
    *,
    user_id: str,
    start_date: date | None,
    end_date: date | None,
    today: date,
    message: notices.MessageRef | None = None,
) -> ShadowPlacement:
    """Either side fixes the dates of an accepted placement. ``message``: the confirmation
    whose button opened the form, re-rendered so its "Set dates" button goes."""
    errors: dict[str, str] = {}
    if start_date is None:
        errors["start_date"] = "Please choose a start date."
    elif start_date < today:
        errors["start_date"] = "This date is in the past."
    if end_date is None:
        errors["end_date"] = "Please choose an end date."
    elif start_date is not None and end_date < start_date:
        errors["end_date"] = "The end date is before the start date."
    elif end_date < today:
        errors["end_date"] = "This date is in the past."
    if errors:
        raise ValidationFailed(errors)
    now = utcnow()
    with transaction(engine) as s:
        p, a, h = _load(s, placement_id)
        side = _sides(user_id, a, h, "This placement isn't one of yours.")[0]
        _move(
            "placement",
            p,
            "scheduled",
            now,
            f"Only an accepted placement can be scheduled; this one is {status_label(p.status)}.",
        )
        p.start_date, p.end_date = start_date, end_date
        _record(
            s,
            "scheduled",
            p,
            actor=user_id,
            at=now,
            start_date=start_date.isoformat(),
            end_date=end_date.isoformat(),
        )
        _notify(s, notices.OFFER_UPDATE, p, a, h, (notices.other_side(side),), event="scheduled")
        if message is not None:
            notices.refresh(
                s,
                notices.OFFER_UPDATE,
                message,
                user_id=user_id,
                subject_id=p.id,
                side=side,
                event="confirmed",
            )
    return p


def complete(engine: Engine, placement_id: int, *, user_id: str, today: date) -> ShadowPlacement:
    """Either side marks a scheduled placement as done; both are asked for feedback."""
    now = utcnow()
    with transaction(engine) as s:
        p, a, h = _load(s, placement_id)
        side = _sides(user_id, a, h, "This placement isn't one of yours.")[0]
        if p.status == "scheduled" and p.start_date and today < p.start_date:
            raise InvalidTransition(
                f"This placement starts on {p.start_date:%d %B %Y}; "
                "mark it complete once it has taken place."
            )
        _move(
            "placement",
            p,
            "completed",
            now,
            f"Only a scheduled placement can be completed; this one is {status_label(p.status)}.",
        )
        _move("sign-up", a, "completed", now)
        a.active_person_id = None  # the sign-up is over; they may sign up again
        _record(s, "completed", p, actor=user_id, at=now)
        _notify(s, notices.OFFER_UPDATE, p, a, h, (notices.other_side(side),), event="completed")
        _notify(s, notices.FEEDBACK_REQUEST, p, a, h, ("applicant", "host"))
    return p


def withdraw_placement(
    engine: Engine, placement_id: int, *, user_id: str, reason: str | None, now: datetime
) -> ShadowPlacement:
    """Either side ends an offer or placement that is still in progress.

    When the host withdraws, the applicant goes back to the queue in their original position.
    When the applicant withdraws, their sign-up ends too.
    """
    text = clean_reason(reason)
    with transaction(engine) as s:
        p, a, h = _load(s, placement_id)
        side = _sides(user_id, a, h, "This placement isn't one of yours.")[0]
        _move(
            "placement",
            p,
            "withdrawn",
            now,
            f"This has already ended: it was {status_label(p.status)}.",
        )
        p.ended_by_id, p.end_reason = user_id, text
        if side == "host":
            _move("sign-up", a, "queued", now)
        else:
            _move("sign-up", a, "withdrawn", now)
            a.active_person_id = None
            a.withdrawn_reason = text
        _record(
            s, "placement_withdrawn", p, actor=user_id, at=now, side=side, applicant_status=a.status
        )
        _notify(s, notices.OFFER_UPDATE, p, a, h, (notices.other_side(side),), event="withdrawn")
    return p


def end_open_placements(
    s: Session, applicant: ShadowApplicant, *, actor: str, reason: str | None, now: datetime
) -> int:
    """Withdraw the applicant's offers and placements in progress, telling each host; used when
    the applicant withdraws their sign-up (the caller has moved and locked the applicant)."""
    open_ones = s.exec(
        select(ShadowPlacement)
        .where(
            ShadowPlacement.applicant_id == applicant.id,
            ShadowPlacement.status.in_(catalog.OPEN_PLACEMENT_STATUSES),
        )
        .with_for_update()
    ).all()
    for p in open_ones:
        _move("placement", p, "withdrawn", now)
        p.ended_by_id, p.end_reason = actor, reason
        h = s.get(ShadowHost, p.host_id)
        _record(
            s,
            "placement_withdrawn",
            p,
            actor=actor,
            at=now,
            side="applicant",
            applicant_status=applicant.status,
        )
        _notify(s, notices.OFFER_UPDATE, p, applicant, h, ("host",), event="withdrawn")
    return len(open_ones)


def end_offers_between(
    s: Session, pairs: list[tuple[int, int]], *, actor: str, now: datetime
) -> list[int]:
    """Withdraw the open offers (not yet confirmed) for these (applicant_id, host_id) pairs,
    sending the applicants back to the queue in their places; both sides get the neutral
    "withdrawn" notice. Used when a conflict of interest is recorded: no reason is stored on
    the placement or sent, because the reason is for coordinators only. Returns their ids."""
    ended = []
    for applicant_id, host_id in sorted(set(pairs)):
        offered = s.exec(
            select(ShadowPlacement.id).where(
                ShadowPlacement.applicant_id == applicant_id,
                ShadowPlacement.host_id == host_id,
                ShadowPlacement.status == "offered",
            )
        ).all()
        for placement_id in offered:
            p, a, h = _load(s, placement_id)
            if p.status != "offered":
                continue
            _move("placement", p, "withdrawn", now)
            p.ended_by_id = actor
            _move("sign-up", a, "queued", now)  # queued_at kept: same place in the queue
            _record(s, "placement_withdrawn", p, actor=actor, at=now, side="coordinator")
            _notify(s, notices.OFFER_UPDATE, p, a, h, ("applicant", "host"), event="withdrawn")
            ended.append(p.id)
    return ended


def give_feedback(
    engine: Engine,
    placement_id: int,
    *,
    user_id: str,
    worthwhile: int,
    learned: str,
    would_recommend: bool,
    message: notices.MessageRef | None = None,
) -> ShadowFeedback:
    """One side's feedback on a completed placement, once per side. ``message``: the request
    whose button opened the form, re-rendered so its button goes."""
    errors: dict[str, str] = {}
    if isinstance(worthwhile, bool) or not isinstance(worthwhile, int) or not 1 <= worthwhile <= 5:
        errors["worthwhile"] = "Please choose a score from 1 to 5."
    if would_recommend is None:  # unanswered, which is not the same as "no"
        errors["would_recommend"] = "Please say whether you would recommend it."
    text = clean(learned, multiline=True)
    if len(text) > catalog.MAX_TEXT:
        errors["learned"] = f"Please keep this under {catalog.MAX_TEXT} characters."
    if errors:
        raise ValidationFailed(errors)
    already = "You have already given feedback on this placement."
    try:
        with transaction(engine) as s:
            p, a, h = _load(s, placement_id)
            sides = _sides(user_id, a, h, "This placement isn't one of yours.")
            if p.status != "completed":
                raise InvalidTransition("Feedback opens once the placement is complete.")
            given = set(
                s.exec(select(ShadowFeedback.side).where(ShadowFeedback.placement_id == p.id))
            )
            open_sides = [side for side in sides if side not in given]
            if not open_sides:
                raise InvalidTransition(already)
            feedback = ShadowFeedback(
                placement_id=p.id,
                side=open_sides[0],
                person_id=user_id,
                worthwhile=worthwhile,
                learned=text,
                would_recommend=bool(would_recommend),
            )
            s.add(feedback)
            s.flush()
            _record(s, "feedback_given", p, actor=user_id, side=feedback.side)
            if message is not None:
                notices.refresh(
                    s,
                    notices.FEEDBACK_REQUEST,
                    message,
                    user_id=user_id,
                    subject_id=p.id,
                    side=feedback.side,
                )
    except IntegrityError:
        raise InvalidTransition(already) from None  # the same side submitted twice at once
    return feedback


def placements_for_user(session: Session, user_id: str) -> list[ShadowPlacement]:
    """Offers and placements where the user is the applicant or the host, newest first."""
    query = (
        select(ShadowPlacement)
        .join(ShadowApplicant, ShadowApplicant.id == ShadowPlacement.applicant_id)
        .join(ShadowHost, ShadowHost.id == ShadowPlacement.host_id)
        .where(or_(ShadowApplicant.person_id == user_id, ShadowHost.person_id == user_id))
        .order_by(ShadowPlacement.offered_at.desc(), ShadowPlacement.id.desc())
    )
    return list(session.exec(query))
