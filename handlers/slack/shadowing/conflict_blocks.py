"""What coordinators alone see of conflicts of interest: the list (the one place their
reasons are shown) and the confirmation of one recorded. Pure functions of the core's read
models; conflicts.py holds the listeners."""

from __future__ import annotations

from bot.shadowing.views import ConflictLine
from bot.shadowing.wording import uk_day
from handlers.slack.shadowing.blocks import NAME, chunked_sections
from handlers.slack.slack_text import escape, mention, safe

CONFLICTS_MAX = 40


def conflicts_blocks(conflicts: list[ConflictLine]) -> tuple[str, list[dict]]:
    """For coordinators only: the one place where reasons for conflicts are shown."""
    if not conflicts:
        return "There are no active conflicts of interest. Record one with `/shadow conflict`.", []
    lines = [f"*Active conflicts of interest* ({len(conflicts)})"]
    for c in conflicts[:CONFLICTS_MAX]:
        who = "anyone"
        if c.applicant_id:
            who = f"applicant {c.applicant_id} ({mention(c.applicant) if c.applicant else 'gone'})"
        elif c.department:
            who = f"anyone from {safe(c.department, NAME)}"
        where = "any host"
        if c.host_id:
            name = "gone" if c.host_gone else safe(c.organisation, 80)
            where = f"host {c.host_id} ({name})"
        elif c.organisation:
            where = safe(c.organisation, NAME)
        lines.append(
            f"• *Conflict {c.id}*: {who} ↔ {where}, from {escape(c.source)}, "
            f"recorded {uk_day(c.created_at)}\n    _{safe(c.reason, 500)}_"
        )
    if len(conflicts) > CONFLICTS_MAX:
        lines.append(f"…and {len(conflicts) - CONFLICTS_MAX} more.")
    lines.append(
        "Clear one once safeguards are agreed: "
        "`/shadow clear &lt;conflict&gt; &lt;safeguards&gt;`. "
        "Record another with `/shadow conflict`."
    )
    return f"{len(conflicts)} active conflicts of interest", chunked_sections(lines)


def recorded_text(
    conflict_id: int, applicant_id: int, host_id: int, applicant: str, offers_withdrawn: bool
) -> str:
    """The recorded conflict, told to the coordinator; ``applicant`` is the person."""
    text = (
        f"Conflict {conflict_id} is recorded: applicant {applicant_id} ({mention(applicant)}) "
        f"and host {host_id} will not be matched."
    )
    if offers_withdrawn:
        text += (
            " Their open offer was withdrawn; both sides were told that it was withdrawn, "
            "without the reason."
        )
    return text
