"""Cards for "shadow status" (everyone) and for the coordinators: a round's dry run with its
"Commit round" button, the committed round, the conflicts of interest (the one place their
reasons are shown) and the report. Pure functions of the core's read models.

The lists are facts (label and value, both escaped); a long list is cut at a fixed number and
the card says how many more there are and where to see them.
"""

from __future__ import annotations

from bot.shadowing import catalog
from bot.shadowing.report import Report
from bot.shadowing.views import ConflictLine, MyShadowing, RoundView
from bot.shadowing.wording import day, feedback_summary, report_figures, signup_lines, uk_day
from bot.text import counted
from handlers.teams.cards import adaptive_card, fact_set, heading, shrink_to_fit, text_block
from handlers.teams.shadow_cards import (
    ROUND_COMMIT,
    ROUND_KEY,
    button,
    name_of,
    note,
)

LIST_MAX = 15
CONFLICTS_MAX = 40
REPORT_ROWS_MAX = 25
UNMATCHED_REASONS = {
    "no acceptable host": "no suitable host",
    "conflict": "conflict of interest",
    "capacity": "suitable hosts were full",
}
SEE_STATUS = 'Type "shadow status" in your chat with msbot for the rest.'


def _signup_lines(mine: MyShadowing) -> list[str]:
    current = mine.signup
    if current is None:
        return ['Your sign-up: none. Sign up by typing "shadow signup".']
    return signup_lines(
        current,
        title="Your sign-up",
        department=current.department,
        manager=name_of(current.manager),
        offers_where="in this chat",
    )


def status_card(mine: MyShadowing) -> tuple[str, dict]:
    body = [heading("Your work-shadowing"), text_block(" ".join(_signup_lines(mine)))]
    if mine.hosts:
        body.append(text_block("Places you offer", weight="Bolder", spacing="Medium"))
        facts = []
        for h in mine.hosts[:LIST_MAX]:
            if h.is_open:
                change = (
                    f'change with "shadow places {h.id} <number>", stop with "shadow close {h.id}"'
                )
            else:
                change = f'closed to new offers; reopen with "shadow reopen {h.id}"'
            facts.append(
                (
                    f"Host {h.id}",
                    f"{h.organisation}: {h.taken} of {h.capacity} places taken; {change}",
                )
            )
        body.append(fact_set(facts))
    if mine.placements:
        body.append(text_block("Your offers and placements", weight="Bolder", spacing="Medium"))
        facts = []
        for line in mine.placements[:LIST_MAX]:
            whom = (
                line.organisation
                if line.side == "applicant"
                else f"a civil servant from {line.applicant_department}"
            )
            dates = f", {day(line.start_date)} to {day(line.end_date)}" if line.start_date else ""
            facts.append((f"Placement {line.id}", f"with {whom}: {line.state}{dates}"))
        body.append(fact_set(facts))
    if not mine.hosts:
        body.append(note('Offer places at your organisation by typing "shadow host".'))
    return "Your work-shadowing status", shrink_to_fit(adaptive_card(body), SEE_STATUS)


def _round_facts(r: RoundView) -> dict:
    summary = r.summary
    unmatched = summary.get("unmatched") or {}
    reasons = "; ".join(
        f"{UNMATCHED_REASONS.get(reason, str(reason))}: {count}"
        for reason, count in sorted(unmatched.items())
        if count
    )
    left = sum(int(c or 0) for c in unmatched.values())
    return fact_set(
        [
            ("Applicants in the queue", str(int(summary.get("queued") or 0))),
            ("Matched", str(int(summary.get("matched") or 0))),
            ("Left unmatched", f"{left} ({reasons})" if reasons else str(left)),
            ("Free places at open hosts", str(int(summary.get("places") or 0))),
        ]
    )


def round_summary(r: RoundView) -> tuple[str, dict]:
    matched = int(r.summary.get("matched") or 0)
    text = f"Dry run of matching round {r.id}: {matched} would be matched."
    body = [
        heading(f"Dry run of matching round {r.id}"),
        text_block("Nothing has been sent yet."),
        _round_facts(r),
    ]
    actions = []
    if r.status == "dry_run" and matched:
        body.append(
            note(f"Committing sends offers to {counted(matched, 'applicant')} and their hosts.")
        )
        actions = [button("Commit round", ROUND_COMMIT, ROUND_KEY, r.id, style="positive")]
    elif not matched:
        body.append(note("Nobody would be matched, so there is nothing to commit."))
    return text, adaptive_card(body, actions)


def round_committed(r: RoundView, expiry_days: int) -> tuple[str, dict]:
    offers = int(r.summary.get("offers", r.summary.get("matched")) or 0)
    sent = counted(offers, "offer")
    text = f"Matching round {r.id} committed: {sent} sent."
    body = [
        heading(f"Matching round {r.id} committed"),
        text_block(
            f"{sent} {'was' if offers == 1 else 'were'} sent to applicants and their hosts; "
            f"each side has {counted(expiry_days, 'day')} to accept."
        ),
        _round_facts(r),
    ]
    return text, adaptive_card(body)


def conflicts_card(conflicts: list[ConflictLine]) -> tuple[str, dict]:
    """For coordinators only: the one place where the reasons for conflicts are shown."""
    if not conflicts:
        text = "There are no active conflicts of interest."
        return text, adaptive_card([text_block(text)])
    body = [heading(f"Active conflicts of interest ({len(conflicts)})")]
    for c in conflicts[:CONFLICTS_MAX]:
        who = "anyone"
        if c.applicant_id:
            person = name_of(c.applicant) if c.applicant else "gone"
            who = f"applicant {c.applicant_id} ({person})"
        elif c.department:
            who = f"anyone from {c.department}"
        where = "any host"
        if c.host_id:
            where = f"host {c.host_id} ({'gone' if c.host_gone else c.organisation})"
        elif c.organisation:
            where = c.organisation
        body.append(text_block(f"Conflict {c.id}", weight="Bolder", spacing="Medium"))
        body.append(
            fact_set(
                [
                    ("Between", f"{who} and {where}"),
                    ("From", f"{c.source}, recorded {uk_day(c.created_at)}"),
                    ("Reason", c.reason),
                ]
            )
        )
    if len(conflicts) > CONFLICTS_MAX:
        body.append(note(f"…and {len(conflicts) - CONFLICTS_MAX} more."))
    body.append(
        note('Clear one once safeguards are agreed: "shadow clear <conflict> <safeguards>".')
    )
    card = shrink_to_fit(adaptive_card(body), "The command line's conflict list has the rest.")
    return f"{len(conflicts)} active conflicts of interest", card


def _counts(title: str, counts: dict, names: dict | None = None) -> list[dict]:
    rows = [
        ((names or {}).get(key, key), str(int(n)))
        for key, n in list(counts.items())[:REPORT_ROWS_MAX]
    ]
    if len(counts) > REPORT_ROWS_MAX:
        rows.append(("…", f"and {len(counts) - REPORT_ROWS_MAX} more"))
    blocks = [text_block(title, weight="Bolder", spacing="Medium")]
    blocks.append(fact_set(rows) if rows else text_block("none yet"))
    return blocks


def report_card(report: Report) -> tuple[str, dict]:
    body = [
        heading("Work-shadowing report"),
        fact_set(report_figures(report)),
        *_counts("Sign-ups by department", report.by_department),
        *_counts("Sign-ups by region", report.by_region, dict(catalog.REGIONS)),
        *_counts("Placements by host", report.by_host),
        text_block("Feedback", weight="Bolder", spacing="Medium"),
        fact_set(
            [
                ("Civil servants", feedback_summary(report.feedback.get("applicant"))),
                ("Hosts", feedback_summary(report.feedback.get("host"))),
            ]
        ),
    ]
    if report.as_of is not None:
        body.append(note(f"As at {uk_day(report.as_of)}."))
    return "Work-shadowing report", shrink_to_fit(adaptive_card(body), "")
