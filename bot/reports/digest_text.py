"""The digest in words: (heading, lines) sections for Slack and the command line alike."""

from __future__ import annotations

from bot.complaints.catalog import STATUS_LABELS
from bot.reports import terms
from bot.reports.render import percent, pounds
from bot.reports.suppression import NOTE, WITHHELD


def _percent(share) -> str:
    return WITHHELD if share == WITHHELD else percent(share)


def _counts(counts: dict[str, int], labels: dict[str, str]) -> str:
    return (
        ", ".join(f"{labels.get(k, k.replace('_', ' '))} {n}" for k, n in counts.items()) or "none"
    )


def _target(t: dict | None) -> str:
    if not t or not t.get("resolved"):
        return "n/a"
    if t.get("share") == WITHHELD:
        return WITHHELD
    return f"{percent(t['share'])} ({t['on_time']} of {t['resolved']})"


def digest_sections(f: dict) -> list[tuple[str, list[str]]]:
    period = f"{f['period']['from']} to {f['period']['to']}"
    sh = f["shadowing"]
    feedback = "; ".join(
        f"{side}s: {v['count']} given, worthwhile {v['worthwhile'] or 'n/a'}/5, "
        f"would recommend {percent(v['would_recommend'])}"
        for side, v in (sh.get("feedback") or {}).items()
    )
    return [
        (
            f"Complaints, {period}",
            [
                f"New cases: {f['new_cases']}",
                f"Resolved: {f['resolved']} ({_counts(f['outcomes'], terms.OUTCOME_LABELS)})",
                f"Share positive: {_percent(f['share_positive'])}",
                f"Money released: {pounds(f['money_released_pence']['week'])} this week, "
                f"{pounds(f['money_released_pence']['year'])} this year",
            ],
        ),
        (
            "Open cases",
            [
                f"By state: {_counts(f['open_by_status'], STATUS_LABELS)}",
                f"Overdue against the service target: {f['overdue']}",
                f"Authority replies overdue: {f['authority_replies_overdue']}",
            ],
        ),
        (
            f"This service year (from {f['year_from']})",
            [
                f"Cases from suppliers: {f['year_cases_from_suppliers']}; voluntary sector "
                f"{_percent(f['share_voluntary'])}, SMEs {_percent(f['share_sme'])}",
                f"Top categories: {_counts(f['top_categories'], terms.CATEGORY_LABELS)}",
                f"Met the service target: central government {_target(f['target'].get('central'))}"
                f", wider public sector {_target(f['target'].get('wider'))}",
            ],
        ),
        (
            "Work shadowing",
            [
                f"Queue: {sh['queue']} (awaiting approval {sh['pending_approval']}); "
                f"offers open {sh['offers_open']}; matched {sh['matched']}; "
                f"completed {sh['completed']}",
                f"Feedback: {feedback or 'none yet'}",
            ],
        ),
        (
            "Delivery",
            [f"Messages that could not be delivered: {f['undeliverable_messages']}"],
        ),
        ("Note", [NOTE.format(n=f.get("threshold", 3))]),
    ]


def digest_text(f: dict) -> str:
    out = []
    for heading, lines in digest_sections(f):
        out.append(heading)
        out.extend(f"  {line}" for line in lines)
    return "\n".join(out)
