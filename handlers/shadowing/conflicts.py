"""Conflicts of interest, for coordinators only: `/shadow conflicts` (the one place their
reasons are shown) and `/shadow clear`."""

from __future__ import annotations

from slack_bolt import Ack, App
from sqlmodel import Session

from bot.db import transaction
from bot.errors import StoreUnavailable
from bot.shadowing import conflicts
from handlers.commands import record_id, whole_number
from handlers.services import Services
from handlers.shadowing.blocks import NAME, chunked_sections, uk_day
from handlers.shadowing.common import (
    UNAVAILABLE,
    attempt,
    explain,
    is_coordinator,
    no_such,
    only_coordinators,
    router,
)
from handlers.slack_text import escape, mention, safe
from models import ShadowApplicant, ShadowConflict, ShadowHost

CONFLICTS_MAX = 40


def conflicts_blocks(session: Session, conflicts: list[ShadowConflict]) -> tuple[str, list[dict]]:
    """For coordinators only: the one place where reasons for conflicts are shown."""
    if not conflicts:
        return "There are no active conflicts of interest.", []
    lines = [f"*Active conflicts of interest* ({len(conflicts)})"]
    for c in conflicts[:CONFLICTS_MAX]:
        who = "anyone"
        if c.applicant_id:
            a = session.get(ShadowApplicant, c.applicant_id)
            who = f"applicant {c.applicant_id} ({mention(a.user_id) if a else 'gone'})"
        elif c.department:
            who = f"anyone from {safe(c.department, NAME)}"
        where = "any host"
        if c.host_id:
            h = session.get(ShadowHost, c.host_id)
            where = f"host {c.host_id} ({safe(h.organisation, 80) if h else 'gone'})"
        elif c.organisation:
            where = safe(c.organisation, NAME)
        lines.append(
            f"• *Conflict {c.id}*: {who} ↔ {where}, from {escape(c.source)}, "
            f"recorded {uk_day(c.created_at)}\n    _{safe(c.reason, 500)}_"
        )
    if len(conflicts) > CONFLICTS_MAX:
        lines.append(f"…and {len(conflicts) - CONFLICTS_MAX} more.")
    lines.append(
        "Clear one once safeguards are agreed: `/shadow clear &lt;conflict&gt; &lt;safeguards&gt;`."
    )
    return f"{len(conflicts)} active conflicts of interest", chunked_sections(lines)


@router.sub("conflicts", "conflicts", "coordinators: list active conflicts of interest")
def _conflicts(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    if not is_coordinator(services, body.get("user_id", "")):
        only_coordinators(ack, "see conflicts of interest")
        return
    try:
        with transaction(services.engine) as s:
            text, blocks = conflicts_blocks(s, list(conflicts.list_conflicts(s)))
    except StoreUnavailable:
        ack(text=UNAVAILABLE)
        return
    ack(text=text, blocks=blocks)


@router.sub(
    "clear",
    "clear <conflict> <safeguards>",
    "coordinators: clear a conflict once safeguards are agreed",
)
def _clear(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    user = body.get("user_id", "")
    if not is_coordinator(services, user):
        only_coordinators(ack, "clear conflicts of interest")
        return
    conflict_id = whole_number(args[0]) if args else None
    if conflict_id is None or len(args) < 2:
        ack(
            text="Say which conflict and the safeguards agreed, for example "
            "`/shadow clear 4 Will not see papers on the grants programme`. "
            "`/shadow conflicts` lists them."
        )
        return
    conflict_id = record_id(args[0])
    if conflict_id is None:
        ack(text=no_such("conflict", args[0], "`/shadow conflicts`"))
        return
    _, problem = attempt(
        lambda: conflicts.clear_conflict(
            services.engine,
            conflict_id,
            by_user_id=user,
            coordinators=services.settings.coordinator_user_ids,
            safeguards=" ".join(args[1:]),
            now=services.now(),
        )
    )
    if problem:
        ack(text=explain(problem, "Nothing changed. "))
        return
    ack(text=f"Conflict {conflict_id} is cleared; the pair can be matched in the next round.")


def register(app: App, services: Services) -> None:
    """Nothing but the subcommands above, registered on import."""
