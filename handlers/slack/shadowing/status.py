"""Read-only answers: `/shadow status` for everyone, `/shadow report` for coordinators."""

from __future__ import annotations

from slack_bolt import Ack, App
from sqlmodel import Session

from bot.db import transaction
from bot.errors import StoreUnavailable
from bot.shadowing import catalog, hosts, placements, signup
from bot.shadowing import report as reporting
from bot.shadowing.catalog import placement_state
from bot.shadowing.report import Report
from handlers.slack.commands import Subcommand
from handlers.slack.services import Services
from handlers.slack.shadowing.blocks import (
    NAME,
    chunked_sections,
    day,
    parties,
    side_of,
    uk_day,
    with_whom,
)
from handlers.slack.shadowing.common import (
    UNAVAILABLE,
    is_coordinator,
    only_coordinators,
    post_privately,
)
from handlers.slack.slack_text import (
    context,
    escape,
    fields_section,
    header,
    mention,
    safe,
    section,
)

STATUS_LIST_MAX = 15


def placement_words(placement, side: str) -> str:
    """The placement's state as ``side`` reads it (the same words in App Home)."""
    return placement_state(
        placement.status, placement.applicant_response, placement.host_response, side
    )


REPORT_ROWS_MAX = 25


def status_blocks(session: Session, user_id: str) -> tuple[str, list[dict]]:
    lines: list[str] = []
    current = signup.active_signup(session, user_id)
    if current is None:
        lines.append("*Your sign-up*: none. Sign up with `/shadow signup`.")
    else:
        state = catalog.status_label(current.status)
        lines.append(f"*Your sign-up* ({safe(current.department, NAME)}): {escape(state)}.")
        if current.status == "offered":
            lines.append("Reply to the offer in your direct messages.")
        if current.status == "pending_approval":
            lines.append(f"We asked {mention(current.manager_user_id)} to approve it.")
        position = signup.queue_position(session, current) if current.status == "queued" else None
        if position:
            lines.append(f"You are number {position} in the queue.")

    offered = list(hosts.hosts_for_user(session, user_id))
    if offered:
        lines.append("")
        lines.append("*Places you offer*")
        for h in offered[:STATUS_LIST_MAX]:
            taken = hosts.places_taken(session, h.id)
            if h.status == "closed":
                change = f"Closed to new offers; reopen with `/shadow reopen {h.id}`."
            else:
                change = (
                    f"Change with `/shadow places {h.id} &lt;number&gt;`, "
                    f"or stop new offers with `/shadow close {h.id}`."
                )
            lines.append(
                f"• Host {h.id}, {safe(h.organisation, 80)}: {taken} of {h.capacity} places "
                f"taken ({escape(h.status)}). {change}"
            )

    mine = list(placements.placements_for_user(session, user_id))
    if mine:
        lines.append("")
        lines.append("*Your offers and placements*")
        for placement in mine[:STATUS_LIST_MAX]:
            p = parties(session, placement.id)
            side = side_of(p, user_id)
            whom = with_whom(p, side)
            state = escape(placement_words(placement, side))
            dates = ""
            if placement.start_date:
                dates = f", {day(placement.start_date)} to {day(placement.end_date)}"
            lines.append(f"• Placement {placement.id} with {whom}: {state}{dates}")
    text = "Your work-shadowing status"
    return text, chunked_sections(lines)


def _counts(title: str, counts: dict, names: dict | None = None) -> str:
    lines = [f"*{title}*"]
    for key, n in list(counts.items())[:REPORT_ROWS_MAX]:
        lines.append(f"• {safe((names or {}).get(key, key), 100)}: {int(n)}")
    if len(counts) > REPORT_ROWS_MAX:
        lines.append(f"…and {len(counts) - REPORT_ROWS_MAX} more")
    if not counts:
        lines.append("none yet")
    return "\n".join(lines)


def _feedback_line(title: str, figures: dict | None) -> str:
    figures = figures or {}
    count = int(figures.get("count") or 0)
    if not count:
        return f"• {title}: no responses yet"
    worthwhile, recommend = figures.get("worthwhile"), figures.get("would_recommend")
    parts = [f"{count} response{'s' if count != 1 else ''}"]
    if worthwhile is not None:
        parts.append(f"worthwhile {worthwhile:.1f}/5 on average")
    if recommend is not None:
        parts.append(f"{recommend:.0%} would recommend")
    return f"• {title}: {', '.join(parts)}"


def report_blocks(report: Report) -> tuple[str, list[dict]]:
    """For coordinators. Department and organisation names were typed by people: escaped."""
    wait = report.median_wait_days
    blocks = [
        header("Work-shadowing report"),
        fields_section(
            [
                ("In the queue", str(report.queue_size)),
                ("Awaiting approval", str(report.pending_approval)),
                ("Offers open", str(report.offered)),
                ("Matched", f"{report.matched} ({report.completed} completed)"),
                ("Median wait to first offer", "none yet" if wait is None else f"{wait} days"),
            ]
        ),
        section(_counts("Sign-ups by department", report.by_department)),
        section(_counts("Sign-ups by region", report.by_region, dict(catalog.REGIONS))),
        section(_counts("Placements by host", report.by_host)),
        section(
            "*Feedback*\n"
            + "\n".join(
                _feedback_line(title, report.feedback.get(side))
                for side, title in (("applicant", "Civil servants"), ("host", "Hosts"))
            )
        ),
    ]
    if report.as_of is not None:
        blocks.append(context(f"As at {uk_day(report.as_of)}."))
    return "Work-shadowing report", blocks


def _status(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    try:
        with transaction(services.engine) as s:
            text, blocks = status_blocks(s, body.get("user_id", ""))
    except StoreUnavailable:
        ack(text=UNAVAILABLE)
        return
    ack(text=text, blocks=blocks)


def _report(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    if not is_coordinator(services, body.get("user_id", "")):
        only_coordinators(ack, "see the report")
        return
    ack(text="Working on the report…")
    services.in_background(_send_report, services, body.get("channel_id"), body.get("user_id", ""))


def _send_report(services: Services, channel: str | None, user: str) -> None:
    try:
        with transaction(services.engine) as s:
            report = reporting.build_report(s, now=services.now())
    except StoreUnavailable:
        post_privately(services, channel, user, UNAVAILABLE)
        return
    post_privately(services, channel, user, *report_blocks(report))


def register(app: App, services: Services) -> None:
    """Nothing but the subcommands above, registered on import."""


# Its `/shadow` subcommands, in help order; the app factory builds the router from them.
SUBCOMMANDS = (
    Subcommand(
        "status",
        "status",
        "your sign-up, the places you offer, your offers and placements",
        _status,
    ),
    Subcommand("report", "report", "coordinators: figures for the scheme so far", _report),
)
