"""Leads' digest preview and published-results reports (`/complaint digest`, `/complaint
report`), and the renderers for what the scheduled jobs queue (bot.jobs.notices)."""

from __future__ import annotations

import re
from datetime import date

import structlog
from slack_bolt import Ack
from sqlmodel import Session

from bot import outbox
from bot.db import transaction
from bot.errors import StoreUnavailable
from bot.jobs import notices
from bot.reports import annual, charts
from bot.reports.digest import build_digest, service_year_start
from bot.reports.digest_text import digest_sections
from bot.reports.render import FORMATS, headline, render
from handlers.slack.commands import Subcommand
from handlers.slack.services import Services
from handlers.slack.shadowing.common import post_privately
from handlers.slack.slack_text import context, escape, header, section
from handlers.slack.transport import Rendered, RenderedFile
from models import OutboxMessage, ShadowRound

log = structlog.get_logger("msbot.reports")

UNAVAILABLE = "Sorry, the figures are unavailable right now (database). Please try again shortly."
ONLY_LEADS = "Only the team's leads can see the {what}. Ask a lead if you need it."
REPORT_USAGE = (
    "Use `/complaint report [YEAR | FROM TO] [md|csv|json|html]`, e.g. "
    "`/complaint report 2025 html` (6 April 2025 to 5 April 2026) or "
    "`/complaint report 2025-01-01 2025-03-31 csv`."
)


def _is_lead(services: Services, user_id: str) -> bool:
    return user_id in services.settings.lead_user_ids


def _reply_privately(services: Services, body: dict, text: str, blocks=None) -> None:
    """Only the lead who asked sees it (ephemeral, or a DM where that is impossible)."""
    post_privately(services, body.get("channel_id"), body.get("user_id", ""), text, blocks)


# --- digest ---------------------------------------------------------------------------------


def digest_blocks(figures: dict, *, preview: bool = False) -> tuple[str, list[dict]]:
    title = "Weekly digest (preview, only you can see this)" if preview else "Weekly digest"
    blocks = [header(title)]
    for heading, lines in digest_sections(figures):
        blocks.append(section(f"*{escape(heading)}*\n" + "\n".join(escape(x) for x in lines)))
    text = f"{title}: {figures['new_cases']} new cases, {figures['overdue']} overdue"
    return text, blocks


def _digest(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    if not _is_lead(services, body.get("user_id", "")):
        ack(text=ONLY_LEADS.format(what="team digest"))
        return
    ack(text="Working out this week's digest…")
    services.in_background(_send_digest_preview, services, body)


def _send_digest_preview(services: Services, body: dict) -> None:
    try:
        with transaction(services.engine) as s:
            figures = build_digest(
                s,
                today=services.today(),
                now=services.now(),
                threshold=services.settings.report_min_count,
            )
    except StoreUnavailable:
        _reply_privately(services, body, UNAVAILABLE)
        return
    _reply_privately(services, body, *digest_blocks(figures, preview=True))


def render_digest(session: Session, msg: OutboxMessage):
    return digest_blocks(msg.data["figures"])


def render_digest_chart(session: Session, msg: OutboxMessage) -> Rendered:
    by_month, top = msg.data["chart"]["by_month"], msg.data["top_categories"]
    return Rendered(
        text="Cases by month and outcome, and the top categories this year",
        blocks=[],
        file=RenderedFile(
            filename="digest.png",
            content=charts.cases_chart(by_month, top),
            title="Cases by month and outcome; top categories",
            alt_text=charts.alt_text(by_month, top),
        ),
    )


# --- reminders ------------------------------------------------------------------------------


def _case_lines(pairs: list) -> str:
    return "\n".join(f"• {escape(ref)}, due {escape(due)}" for ref, due in pairs)


def render_investigator_cases(session: Session, msg: OutboxMessage):
    overdue, soon = msg.data.get("overdue") or [], msg.data.get("due_soon") or []
    blocks = [section("*Your cases needing attention*")]
    if overdue:
        blocks.append(section(f"*Overdue ({len(overdue)})*\n{_case_lines(overdue[:40])}"))
    if soon:
        blocks.append(section(f"*Due soon ({len(soon)})*\n{_case_lines(soon[:40])}"))
    blocks.append(context("A daily reminder; you get it only on days with cases to show."))
    return f"You have {len(overdue)} overdue and {len(soon)} due-soon case(s).", blocks


REMINDER_WHAT = {
    "authority_reply": "The authority's reply on {ref} is due {due}.",
    "follow_up": "The follow-up on {ref} is due {due}: check the agreed actions happened.",
}


def render_case_reminder(session: Session, msg: OutboxMessage):
    d = msg.data
    text = REMINDER_WHAT.get(d.get("what"), "{ref} needs attention ({due}).").format(
        ref=escape(d.get("reference")), due=escape(d.get("due"))
    )
    return text, [section(text)]


def render_round_summary(session: Session, msg: OutboxMessage):
    rnd = session.get(ShadowRound, msg.subject_id)
    if rnd is None:
        raise outbox.Skip()
    from handlers.slack.shadowing.rounds import round_summary

    if not msg.data.get("committed"):
        return round_summary(rnd)
    matched = int((rnd.summary or {}).get("matched") or 0)
    text = f"Scheduled matching round {rnd.id} made {matched} offer(s)."
    return text, [section(text)]


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


def _report(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    user = body.get("user_id", "")
    if not _is_lead(services, user):
        ack(text=ONLY_LEADS.format(what="results report"))
        return
    try:
        start, end, fmt = parse_period(args, services.today())
    except ValueError:
        ack(text=REPORT_USAGE)
        return
    ack(text=f"Working on the report for {start:%d %B %Y} to {end:%d %B %Y}…")
    services.in_background(_send_report, services, body, start, end, fmt)


def _send_report(services: Services, body: dict, start: date, end: date, fmt: str) -> None:
    user = body.get("user_id", "")
    try:
        with transaction(services.engine) as s:
            report = annual.build_report(s, start, end)
            # The file follows by DM through the outbox, rendered from the same figures.
            outbox.enqueue(
                s,
                notices.REPORT_FILE,
                user_id=user,
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


def render_report_file(session: Session, msg: OutboxMessage, threshold: int = 3) -> Rendered:
    d = msg.data
    start, end = date.fromisoformat(d["from"]), date.fromisoformat(d["to"])
    report = annual.build_report(session, start, end)
    threshold = int(d.get("threshold") or threshold)
    content = render(report, d["format"], threshold).encode()
    name = f"msbot-report-{start}-to-{end}.{d['format']}"
    return Rendered(
        text=f"Results report, {start:%d %B %Y} to {end:%d %B %Y}",
        blocks=[],
        file=RenderedFile(filename=name, content=content, title=name),
    )


RENDERERS = {
    notices.DIGEST: render_digest,
    notices.DIGEST_CHART: render_digest_chart,
    notices.INVESTIGATOR_CASES: render_investigator_cases,
    notices.CASE_REMINDER: render_case_reminder,
    notices.ROUND_SUMMARY: render_round_summary,
    notices.REPORT_FILE: render_report_file,
}


# Its `/complaint` subcommands, in help order; the app factory builds the router from them.
SUBCOMMANDS = (
    Subcommand(
        "digest", "digest", "leads: preview this week's team digest (only you see it)", _digest
    ),
    Subcommand(
        "report", "report [YEAR | FROM TO] [md|csv|json|html]", "leads: results report", _report
    ),
)
