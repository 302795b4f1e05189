"""Offers and placements after a round, as the two sides see them: both answer, then the
placement is scheduled, completed and given feedback. Unanswered offers lapse and free the
place (endings.py). Who may act is the policy's to say: the applicant and the host are the two
sides (bot.shadowing.policy.sides_of).
"""

from __future__ import annotations

from datetime import date, datetime

import structlog
from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.db import transaction
from bot.errors import InvalidTransition, ValidationFailed
from bot.permissions import Actor
from bot.shadowing import catalog, notices, policy
from bot.shadowing.catalog import status_label
from bot.shadowing.endings import expire_offers
from bot.shadowing.placement_steps import clean_reason, load_locked, move, notify, record, when
from bot.text import clean
from models import ShadowApplicant, ShadowFeedback, ShadowHost, ShadowPlacement
from models.base import utcnow

__all__ = [
    "clean_reason",
    "complete",
    "expire_offers",
    "give_feedback",
    "placements_for_user",
    "respond",
    "schedule",
    "withdraw_placement",
]

log = structlog.get_logger("msbot.shadowing")


def respond(
    engine: Engine, placement_id: int, *, actor: Actor, accept: bool, now: datetime
) -> ShadowPlacement:
    """One side accepts or declines an offer.

    A decline ends the offer, frees the place, and sends the applicant back to the queue in
    their original position. When both sides have accepted, the placement is confirmed.
    """
    user_id = actor.person_id
    with transaction(engine) as s:
        p, a, h = load_locked(s, placement_id)
        sides = policy.sides_of(actor, a.person_id, h.person_id, policy.NOT_YOURS)
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
        raise InvalidTransition(f"This offer expired on {when(p.expires_at)}.")
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
    record(s, f"offer_{answer}", p, actor=user_id, at=now, side=side)
    other = notices.other_side(side)
    if not accept:
        move("placement", p, "declined", now)
        p.ended_by_id = user_id
        move("sign-up", a, "queued", now)  # queued_at is kept: same place in the queue
        notify(s, notices.OFFER_UPDATE, p, a, h, (other,), event="declined")
    elif p.applicant_response == p.host_response == "accepted":
        move("placement", p, "accepted", now)
        move("sign-up", a, "placed", now)
        record(s, "placement_confirmed", p, actor=user_id, at=now)
        notify(s, notices.OFFER_UPDATE, p, a, h, ("applicant", "host"), event="confirmed")
    else:
        notify(s, notices.OFFER_UPDATE, p, a, h, (other,), event="accepted")
    return side, answer


# Why a side's move is refused when the placement is in another state ({status}: that state).
_WRONG_STATE = {
    "scheduled": "Only an accepted placement can be scheduled; this one is {status}.",
    "completed": "Only a scheduled placement can be completed; this one is {status}.",
    "withdrawn": "This has already ended: it was {status}.",
}


def _move_as_side(
    s: Session, placement_id: int, actor: Actor, target: str, now: datetime
) -> tuple[ShadowPlacement, ShadowApplicant, ShadowHost, str]:
    """Lock the placement and its rows, check ``actor`` is one of its sides (the policy refuses
    anyone else), and move it to ``target`` (see _WRONG_STATE). Returns the rows and the
    actor's side."""
    p, a, h = load_locked(s, placement_id)
    side = policy.sides_of(actor, a.person_id, h.person_id)[0]
    refusal = _WRONG_STATE[target].format(status=status_label(p.status))
    move("placement", p, target, now, refusal)
    return p, a, h, side


def _refresh_origin(
    s: Session,
    kind: str,
    message: notices.MessageRef | None,
    p: ShadowPlacement,
    user_id: str,
    **data,
) -> None:
    """Re-render the message (sent as ``kind``) whose button opened a form, so the button
    goes once the form is saved; a form opened from nowhere known has nothing to refresh."""
    if message is not None:
        notices.refresh(s, kind, message, user_id=user_id, subject_id=p.id, **data)


def schedule(
    engine: Engine,
    placement_id: int,
    *,
    actor: Actor,
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
    user_id = actor.person_id
    with transaction(engine) as s:
        p, a, h, side = _move_as_side(s, placement_id, actor, "scheduled", now)
        p.start_date, p.end_date = start_date, end_date
        record(
            s,
            "scheduled",
            p,
            actor=user_id,
            at=now,
            start_date=start_date.isoformat(),
            end_date=end_date.isoformat(),
        )
        notify(s, notices.OFFER_UPDATE, p, a, h, (notices.other_side(side),), event="scheduled")
        _refresh_origin(s, notices.OFFER_UPDATE, message, p, user_id, side=side, event="confirmed")
    return p


def complete(engine: Engine, placement_id: int, *, actor: Actor, today: date) -> ShadowPlacement:
    """Either side marks a scheduled placement as done; both are asked for feedback."""
    now = utcnow()
    user_id = actor.person_id
    with transaction(engine) as s:
        p, a, h, side = _move_as_side(s, placement_id, actor, "completed", now)
        # Only a scheduled placement gets here, and has its dates (rolled back if refused).
        if p.start_date and today < p.start_date:
            raise InvalidTransition(
                f"This placement starts on {p.start_date:%d %B %Y}; "
                "mark it complete once it has taken place."
            )
        move("sign-up", a, "completed", now)
        a.active_person_id = None  # the sign-up is over; they may sign up again
        record(s, "completed", p, actor=user_id, at=now)
        notify(s, notices.OFFER_UPDATE, p, a, h, (notices.other_side(side),), event="completed")
        notify(s, notices.FEEDBACK_REQUEST, p, a, h, ("applicant", "host"))
    return p


def withdraw_placement(
    engine: Engine, placement_id: int, *, actor: Actor, reason: str | None, now: datetime
) -> ShadowPlacement:
    """Either side ends an offer or placement that is still in progress.

    When the host withdraws, the applicant goes back to the queue in their original position.
    When the applicant withdraws, their sign-up ends too.
    """
    text = clean_reason(reason)
    user_id = actor.person_id
    with transaction(engine) as s:
        p, a, h, side = _move_as_side(s, placement_id, actor, "withdrawn", now)
        p.ended_by_id, p.end_reason = user_id, text
        if side == "host":
            move("sign-up", a, "queued", now)
        else:
            move("sign-up", a, "withdrawn", now)
            a.active_person_id = None
            a.withdrawn_reason = text
        record(
            s, "placement_withdrawn", p, actor=user_id, at=now, side=side, applicant_status=a.status
        )
        notify(s, notices.OFFER_UPDATE, p, a, h, (notices.other_side(side),), event="withdrawn")
    return p


def give_feedback(
    engine: Engine,
    placement_id: int,
    *,
    actor: Actor,
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
    user_id = actor.person_id
    try:
        with transaction(engine) as s:
            p, a, h = load_locked(s, placement_id)
            sides = policy.sides_of(actor, a.person_id, h.person_id)
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
            record(s, "feedback_given", p, actor=user_id, side=feedback.side)
            _refresh_origin(s, notices.FEEDBACK_REQUEST, message, p, user_id, side=feedback.side)
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
