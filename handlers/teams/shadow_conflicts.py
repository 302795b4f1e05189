"""Conflicts of interest in Teams, for coordinators only: "shadow conflicts" (the one place their
reasons are shown), "shadow conflict" (a form card to record one) and "shadow clear".

The form names the two sides as the list shows them: the civil servant by sign-up number and
name, the host by number and organisation (the newest first, open ones before closed). A
submission token makes a repeated submission record one conflict.
"""

from __future__ import annotations

from functools import partial

from sqlmodel import select

from bot import people
from bot.db import transaction
from bot.errors import NotPermitted, StoreUnavailable, ValidationFailed
from bot.shadowing import catalog, conflicts, policy, views
from handlers.teams.card_forms import FormField
from handlers.teams.cards import new_submission_token, submitted
from handlers.teams.requests import TeamsRequest
from handlers.teams.routes import InvokeAnswer, Routes
from handlers.teams.shadow_common import (
    NO_LONGER_WORKS,
    UNAVAILABLE,
    attempt,
    delivered,
    explain,
    now,
    private,
    record_id,
    reply,
    updated,
)
from handlers.teams.shadow_forms import CardForm, done_card, form_card
from handlers.teams.shadow_status_cards import conflicts_card
from models import ShadowApplicant, ShadowHost

CONFLICT = "shadow_conflict"
# An Input.ChoiceSet shows a list comfortably up to about this many.
OPTIONS_MAX = 100
ACTIVE_SIGNUPS = ("pending_approval", "queued", "offered", "matched")
CONFLICT_FORM = CardForm(
    "Conflict of interest",
    "Record a conflict of interest between a civil servant who has signed up and a host. They "
    "will not be matched. An open offer between them is withdrawn: both are told only that it "
    "was withdrawn. Only coordinators see the reason.",
    CONFLICT,
    "Record",
)


def _fields(signups, hosts) -> tuple[FormField, ...]:
    return (
        FormField("applicant_id", "Civil servant", "choice", True, choices=tuple(signups)),
        FormField("host_id", "Host", "choice", True, choices=tuple(hosts)),
        FormField("reason", "What is the conflict?", "multiline", True, catalog.MAX_TEXT),
    )


def _choices(req: TeamsRequest) -> tuple[list, list]:
    with transaction(req.services.engine) as s:
        signups = s.exec(
            select(ShadowApplicant.id, ShadowApplicant.person_id, ShadowApplicant.department)
            .where(ShadowApplicant.status.in_(ACTIVE_SIGNUPS))
            .order_by(ShadowApplicant.id.desc())
            .limit(OPTIONS_MAX)
        ).all()
        named = people.refs(s, [person_id for _, person_id, _ in signups])
        hosts = s.exec(
            select(ShadowHost.id, ShadowHost.organisation, ShadowHost.status)
            .order_by(ShadowHost.status.desc(), ShadowHost.id.desc())  # "open" > "closed"
            .limit(OPTIONS_MAX)
        ).all()
    return (
        [
            (str(a_id), f"Applicant {a_id}: {_name(named.get(pid))}, {department}")
            for a_id, pid, department in signups
        ],
        [
            (
                str(h_id),
                f"Host {h_id}: {organisation}" + (" (closed)" if status == "closed" else ""),
            )
            for h_id, organisation, status in hosts
        ],
    )


def _name(ref) -> str:
    return ref.name if ref is not None and ref.name else "someone"


def _form(req: TeamsRequest, token: str, values=None, errors=None) -> dict:
    signups, hosts = _choices(req)
    return form_card(CONFLICT_FORM, _fields(signups, hosts), token, values, errors)


def coordinators_only(req: TeamsRequest, action: str) -> bool:
    """Answer with the policy's refusal unless the asker may take ``action``."""
    try:
        policy.require(req.actor(), action)
    except NotPermitted as exc:
        reply(req, explain(exc))
        return True
    return False


def list_command(req: TeamsRequest, args: list[str]) -> None:
    if coordinators_only(req, "see_conflicts"):
        return
    try:
        with transaction(req.services.engine) as s:
            listed = views.conflict_lines(s, list(conflicts.list_conflicts(s, req.actor())))
    except (NotPermitted, StoreUnavailable) as exc:
        reply(req, explain(exc))
        return
    reply(req, *conflicts_card(listed))


def record_command(req: TeamsRequest, args: list[str]) -> None:
    if coordinators_only(req, "record_conflict"):
        return
    try:
        card = _form(req, new_submission_token())
    except StoreUnavailable:
        reply(req, UNAVAILABLE)
        return
    reply(req, "Record a conflict of interest", card)


def record(req: TeamsRequest) -> InvokeAnswer:
    _, token, answers = submitted(req.value)
    if not token:
        return private(NO_LONGER_WORKS)
    applicant_id, host_id = (
        record_id(answers.get("applicant_id")),
        record_id(answers.get("host_id")),
    )
    missing = {}
    if applicant_id is None:
        missing["applicant_id"] = "Choose the civil servant."
    if host_id is None:
        missing["host_id"] = "Choose the host."
    problem = ValidationFailed(missing) if missing else None
    recorded = None
    if problem is None:
        recorded, problem = attempt(
            lambda: conflicts.record(
                req.services.engine,
                actor=req.actor(),
                applicant_id=applicant_id,
                host_id=host_id,
                reason=answers.get("reason", ""),
                now=now(req),
                submission_key=f"teams:{req.actor().person_id}:{token[:60]}",
            )
        )
    if isinstance(problem, ValidationFailed):
        try:
            return updated(_form(req, token, answers, problem.errors))
        except StoreUnavailable:
            return private(UNAVAILABLE)
    if problem:
        return private(explain(problem))
    delivered(req)
    c = recorded.conflict
    told = (
        f"Conflict {c.id} is recorded: applicant {c.applicant_id} and host {c.host_id} will not "
        "be matched."
    )
    if recorded.ended_placement_ids:
        told += (
            " Their open offer was withdrawn; both sides were told that it was withdrawn, "
            "without the reason."
        )
    return updated(done_card("Conflict recorded", told))


def clear_command(req: TeamsRequest, args: list[str], changed) -> None:
    """``changed``: the command module's step that runs a change on a numbered record."""
    if coordinators_only(req, "clear_conflict"):
        return
    change = partial(conflicts.clear_conflict, safeguards=" ".join(args[1:]), now=now(req))
    raw = args[0] if args else ""
    conflict_id = changed(req, raw, "conflict", "shadow clear 4 safeguards", change)
    if conflict_id is not None:
        reply(req, f"Conflict {conflict_id} is cleared; the pair can be matched in the next round.")


ROUTES = Routes(actions={CONFLICT: record})
