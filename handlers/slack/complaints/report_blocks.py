"""What leads and investigators get from the scheduled jobs (bot.jobs.notices): the weekly
digest and its chart, reminders, a scheduled round's summary and a results report file. Pure
functions of what the core's loaders (bot.reports.delivery_views) read; reports.py holds the
`/complaint digest` and `/complaint report` listeners."""

from __future__ import annotations

from bot.jobs import notices
from bot.reports import charts
from bot.reports import delivery_views as loaded
from bot.reports.digest_text import digest_sections
from bot.reports.render import render
from handlers.slack.deliveries import drawn
from handlers.slack.shadowing.round_blocks import round_summary
from handlers.slack.slack_text import context, escape, header, section
from handlers.slack.transport import Rendered, RenderedFile


def digest_blocks(figures: dict, *, preview: bool = False) -> tuple[str, list[dict]]:
    title = "Weekly digest (preview, only you can see this)" if preview else "Weekly digest"
    blocks = [header(title)]
    for heading, lines in digest_sections(figures):
        blocks.append(section(f"*{escape(heading)}*\n" + "\n".join(escape(x) for x in lines)))
    text = f"{title}: {figures['new_cases']} new cases, {figures['overdue']} overdue"
    return text, blocks


def digest(data: dict):
    return digest_blocks(data["figures"])


def digest_chart(data: dict) -> Rendered:
    by_month, top = data["chart"]["by_month"], data["top_categories"]
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


def _case_lines(pairs: list) -> str:
    return "\n".join(f"• {escape(ref)}, due {escape(due)}" for ref, due in pairs)


def investigator_cases(data: dict):
    overdue, soon = data.get("overdue") or [], data.get("due_soon") or []
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


def case_reminder(data: dict):
    text = REMINDER_WHAT.get(data.get("what"), "{ref} needs attention ({due}).").format(
        ref=escape(data.get("reference")), due=escape(data.get("due"))
    )
    return text, [section(text)]


def scheduled_round(summary: loaded.RoundSummary):
    if not summary.committed:
        return round_summary(summary.round)
    matched = int(summary.round.summary.get("matched") or 0)
    text = f"Scheduled matching round {summary.round.id} made {matched} offer(s)."
    return text, [section(text)]


def report_file(file: loaded.ReportFile) -> Rendered:
    content = render(file.report, file.format, file.threshold).encode()
    name = f"msbot-report-{file.start}-to-{file.end}.{file.format}"
    return Rendered(
        text=f"Results report, {file.start:%d %B %Y} to {file.end:%d %B %Y}",
        blocks=[],
        file=RenderedFile(filename=name, content=content, title=name),
    )


RENDERERS = {
    notices.DIGEST: drawn(loaded.figures, digest),
    notices.DIGEST_CHART: drawn(loaded.figures, digest_chart),
    notices.INVESTIGATOR_CASES: drawn(loaded.figures, investigator_cases),
    notices.CASE_REMINDER: drawn(loaded.figures, case_reminder),
    notices.ROUND_SUMMARY: drawn(loaded.round_summary, scheduled_round),
    notices.REPORT_FILE: drawn(loaded.report_file, report_file),
}
