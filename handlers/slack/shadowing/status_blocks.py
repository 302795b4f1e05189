"""Block Kit for `/shadow status` and `/shadow report`: pure functions of the core's read
models (bot.shadowing.views.MyShadowing, bot.shadowing.report.Report)."""

from __future__ import annotations

from bot.shadowing import catalog
from bot.shadowing.report import Report
from bot.shadowing.views import MyShadowing, PlacementLine
from bot.shadowing.wording import day, feedback_summary, report_figures, signup_lines, uk_day
from handlers.slack.shadowing.blocks import NAME, chunked_sections
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


REPORT_ROWS_MAX = 25


def with_whom(line: PlacementLine) -> str:
    if line.side == "applicant":
        return f"*{safe(line.organisation, NAME)}*"
    return f"a civil servant from *{safe(line.applicant_department, NAME)}*"


def status_blocks(mine: MyShadowing) -> tuple[str, list[dict]]:
    lines: list[str] = []
    current = mine.signup
    if current is None:
        lines.append("*Your sign-up*: none. Sign up with `/shadow signup`.")
    else:
        lines += signup_lines(
            current,
            title="*Your sign-up*",
            department=safe(current.department, NAME),
            manager=mention(current.manager),
            offers_where="in your direct messages",
        )

    if mine.hosts:
        lines.append("")
        lines.append("*Places you offer*")
        for h in mine.hosts[:STATUS_LIST_MAX]:
            if not h.is_open:
                change = f"Closed to new offers; reopen with `/shadow reopen {h.id}`."
            else:
                change = (
                    f"Change with `/shadow places {h.id} &lt;number&gt;`, "
                    f"or stop new offers with `/shadow close {h.id}`."
                )
            lines.append(
                f"• Host {h.id}, {safe(h.organisation, 80)}: {h.taken} of {h.capacity} places "
                f"taken ({escape(h.status)}). {change}"
            )

    if mine.placements:
        lines.append("")
        lines.append("*Your offers and placements*")
        for line in mine.placements[:STATUS_LIST_MAX]:
            dates = ""
            if line.start_date:
                dates = f", {day(line.start_date)} to {day(line.end_date)}"
            state = escape(line.state)
            lines.append(f"• Placement {line.id} with {with_whom(line)}: {state}{dates}")
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
    return f"• {title}: {feedback_summary(figures)}"


def report_blocks(report: Report) -> tuple[str, list[dict]]:
    """For coordinators. Department and organisation names were typed by people: escaped."""
    blocks = [
        header("Work-shadowing report"),
        fields_section(report_figures(report)),
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
