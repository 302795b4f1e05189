"""Leads' digest preview and published-results reports (`/complaint digest`, `/complaint
report`). What the scheduled jobs queue (bot.jobs.notices) is drawn by report_blocks.py."""

from __future__ import annotations

import re
from datetime import date

import structlog
from slack_bolt import Ack

from bot import outbox
from bot.complaints import policy
from bot.db import transaction
from bot.errors import StoreUnavailable
from bot.jobs import notices
from bot.permissions import Actor
from bot.reports import annual
from bot.reports.digest import build_digest, service_year_start
from bot.reports.render import FORMATS, headline
from handlers.slack.commands import Subcommand
from handlers.slack.complaints.report_blocks import RENDERERS, digest_blocks
from handlers.slack.services import Services
from handlers.slack.shadowing.common import post_privately
from handlers.slack.slack_text import context, escape, section

log = structlog.get_logger("msbot.reports")

UNAVAILABLE = "Sorry, the figures are unavailable right now (database). Please try again shortly."
ONLY_LEADS = "Only the team's leads can see the {what}. Ask a lead if you need it."
REPORT_USAGE = (
    "Use `/complaint report [YEAR | FROM TO] [md|csv|json|html]`, e.g. "
    "`/complaint report 2025 html` (6 April 2025 to 5 April 2026) or "
    "`/complaint report 2025-01-01 2025-03-31 csv`."
)


def _is_lead(actor: Actor) -> bool:
    """Asked before the ack, so a refusal is the command's answer; the core's builders ask the
    same policy again with the same actor, so no path reaches the figures without it."""
    return policy.may(actor, "see_reports")


def _reply_privately(services: Services, body: dict, text: str, blocks=None) -> None:
    """Only the lead who asked sees it (ephemeral, or a DM where that is impossible)."""
    post_privately(services, body.get("channel_id"), body.get("user_id", ""), text, blocks)


# --- digest ---------------------------------------------------------------------------------


def _digest(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
    if not _is_lead(actor):
        ack(text=ONLY_LEADS.format(what="team digest"))
        return
    ack(text="Working out this week's digest…")
    services.in_background(_send_digest_preview, services, body, actor)


def _send_digest_preview(services: Services, body: dict, actor: Actor) -> None:
    try:
        with transaction(services.engine) as s:
            figures = build_digest(
                s,
                actor=actor,
                today=services.today(),
                now=services.now(),
                threshold=services.settings.report_min_count,
            )
    except StoreUnavailable:
        _reply_privately(services, body, UNAVAILABLE)
        return
    _reply_privately(services, body, *digest_blocks(figures, preview=True))


# --- published reports ----------------------------------------------------------------------


def parse_period(args: list[str], today: date) -> tuple[date, date, str]:
    """(from, to, format) from `[YEAR | FROM TO] [FORMAT]`; raises ValueError with usage."""
    fmt = "html"
    words = list(args)
    if words and words[-1].lower() in FORMATS:
        fmt = words.pop().lower()
    if not words:
        start = service_year_start(today)
        return start, today, fmt
    if len(words) == 1 and re.fullmatch(r"\d{4}", words[0]):
        start, end = annual.service_year(int(words[0]))
        return start, end, fmt
    if len(words) == 2:
        start, end = date.fromisoformat(words[0]), date.fromisoformat(words[1])
        if start <= end:
            return start, end, fmt
    raise ValueError(REPORT_USAGE)


def _report(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
    if not _is_lead(actor):
        ack(text=ONLY_LEADS.format(what="results report"))
        return
    try:
        start, end, fmt = parse_period(args, services.today())
    except ValueError:
        ack(text=REPORT_USAGE)
        return
    ack(text=f"Working on the report for {start:%d %B %Y} to {end:%d %B %Y}…")
    services.in_background(_send_report, services, body, actor, start, end, fmt)


def _send_report(
    services: Services, body: dict, actor: Actor, start: date, end: date, fmt: str
) -> None:
    try:
        with transaction(services.engine) as s:
            report = annual.build_report(s, start, end, actor=actor)
            # The file follows by DM through the outbox, rendered from the same figures.
            outbox.enqueue(
                s,
                notices.REPORT_FILE,
                person_id=actor.person_id,
                data={
                    "from": start.isoformat(),
                    "to": end.isoformat(),
                    "format": fmt,
                    "threshold": services.settings.report_min_count,
                },
            )
    except StoreUnavailable:
        _reply_privately(services, body, UNAVAILABLE)
        return
    services.send_queued()
    lines = "\n".join(
        f"*{escape(k)}*: {escape(str(v))}"
        for k, v in headline(report, services.settings.report_min_count).items()
    )
    _reply_privately(
        services,
        body,
        f"Results report {start} to {end}",
        [section(lines), context(f"The full report ({fmt}) is on its way to you by DM.")],
    )


__all__ = ["RENDERERS", "parse_period"]


# Its `/complaint` subcommands, in help order; the app factory builds the router from them.
SUBCOMMANDS = (
    Subcommand(
        "digest", "digest", "leads: preview this week's team digest (only you see it)", _digest
    ),
    Subcommand(
        "report", "report [YEAR | FROM TO] [md|csv|json|html]", "leads: results report", _report
    ),
)
