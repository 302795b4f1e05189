"""`/complaint timeline`'s answer: a case's audit trail and notes as lines, drawn from the
core's timeline entries (investigation.timeline); the anonymous supplier is never named."""

from __future__ import annotations

from bot.complaints import catalog
from bot.complaints.deadlines import format_uk
from bot.complaints.investigation import TimelineEntry
from handlers.slack.slack_text import MESSAGE_TEXT_MAX, escape, mention, safe

TIMELINE_MAX = 40

# Other audit events as sentences ("{who}" is a mention we built, or "The service").
EVENT_LINES = {
    "relayed_to_supplier": "{who} sent the supplier a message",
    "supplier_replied": "The supplier replied",
    "revealed": "{who} looked up who raised the complaint",
}


def _entry_line(entry: TimelineEntry) -> str:
    """One timeline entry; the anonymous supplier is "the supplier", never named."""
    who = mention(entry.actor_user_id) if entry.actor_user_id else ""
    data = entry.data or {}
    if entry.kind in ("note", "supplier_note"):
        author = who or "The supplier"
        if entry.deleted:
            return f"{author}'s note (deleted)"
        edited = " _(edited)_" if entry.edited else ""
        return f"{author}: {safe(entry.text, 300)}{edited}"
    if entry.kind == "transition":
        moved = catalog.status_label(str(data.get("to")))
        return f"{who or 'The service'} moved it to *{escape(moved)}*"
    if entry.kind == "assigned":
        return f"{who} assigned it to {mention(data.get('to'))}"
    if entry.kind in ("linked", "unlinked"):
        other = escape(str(data.get("other") or data.get("reference") or ""))
        return f"{who or 'The service'} {entry.kind} {other}"
    if entry.kind == "grouped":
        first = escape(str(data.get("reference") or ""))
        size = escape(str(data.get("size") or ""))
        return f"The service grouped it with {first} ({size} cases about that procurement)"
    if entry.kind == "received":
        # A sentence with a subject; a complaint's filer is on the card when they may be named.
        if data.get("kind") == "spot_check":
            return f"Spot check opened by {who}" if who else "Spot check opened"
        return "Complaint received"
    if entry.kind in EVENT_LINES:
        return EVENT_LINES[entry.kind].format(who=who or "The service")
    return f"{who or 'The service'}: {escape(entry.kind.replace('_', ' '))}"


def timeline_text(reference: str, entries: list[TimelineEntry]) -> str:
    entries = list(entries)
    lines = [f"*Timeline of {reference}*"]
    if len(entries) > TIMELINE_MAX:
        lines.append(f"_(the last {TIMELINE_MAX} of {len(entries)} entries)_")
    for entry in entries[-TIMELINE_MAX:]:
        lines.append(f"• {format_uk(entry.at)}: {_entry_line(entry)}")
    if not entries:
        lines.append("Nothing recorded yet.")
    return "\n".join(lines)[:MESSAGE_TEXT_MAX]
