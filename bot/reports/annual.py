"""Figures for publication over a period (the service's year runs 6 April to 5 April).

Every figure is an aggregate query; the case summaries are read only from cases an
investigator marked publishable, and only from fields an investigator wrote (authority,
category, agreed actions, outcome, public summary): never the supplier's own words, name,
organisation or user id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, not_, select
from sqlmodel import Session

from bot.complaints import policy
from bot.permissions import Actor
from bot.reports import terms
from bot.reports.sql import (
    between,
    c,
    concluded_between,
    concluded_on,
    count_if,
    effective_due,
    ratio,
)

# Published case summaries are capped: a report is a summary, not a case list.
MAX_SUMMARIES = 200
# What a published case summary shows (CaseSummary below), in the words the resolve form
# uses to tell the investigator before they tick "Publish this anonymised summary".
PUBLISHED_FIELDS = (
    "the summary for publication",
    "what was agreed with the authority",
    "the outcome",
    "the issue ({category})",
    "the authority's name and kind ({authority})",
)
NEVER_PUBLISHED = "the supplier, their organisation or their own account"


def what_is_published(authority: str, category: str) -> str:
    """The resolve form's sentence saying exactly what publishing a case summary shows."""
    fields = [f.format(authority=authority, category=category) for f in PUBLISHED_FIELDS]
    return (
        "If ticked, the yearly results report publishes "
        + ", ".join(fields[:-1])
        + f" and {fields[-1]}. Never {NEVER_PUBLISHED}. If not ticked, the case is counted "
        "in the report's figures only."
    )


def service_year(year: int) -> tuple[date, date]:
    """``--year 2025`` is 6 April 2025 to 5 April 2026."""
    return date(year, 4, 6), date(year + 1, 4, 5)


@dataclass
class CaseSummary:
    authority: str
    authority_kind: str
    issue: str
    action: str
    outcome: str
    summary: str


@dataclass
class Report:
    start: date
    end: date
    received: int
    closed: int  # concluded in the period (bot.complaints.lifecycle)
    carried_over: int  # received by the end and not concluded by then
    with_outcome: int
    positive: int
    partial: int
    by_category: dict[str, int]
    by_authority_kind: dict[str, int]
    by_supplier_type: dict[str, int]
    outcomes: dict[str, int]
    # {"central"|"wider": {"resolved": n, "on_time": n}}
    target: dict[str, dict[str, int]]
    money_released_pence: int
    cases_with_money: int
    follow_ups: dict[str, int]
    # Cases concluded in the period by how: "resolved", "out_of_scope", "referred", "withdrawn"
    ended: dict[str, int] = field(default_factory=dict)
    summaries: list[CaseSummary] = field(default_factory=list)

    @property
    def share_positive(self) -> float | None:
        return ratio(self.positive, self.with_outcome)

    @property
    def money_per_case_pence(self) -> int | None:
        return self.money_released_pence // self.cases_with_money if self.cases_with_money else None


def _grouped(s: Session, col, *where) -> dict[str, int]:
    rows = s.execute(select(col, func.count()).where(*where).group_by(col)).all()
    return {str(k): n for k, n in sorted(rows, key=lambda r: (-r[1], str(r[0])))}


def _breakdowns(s: Session, received) -> dict[str, dict[str, int]]:
    """Cases received by category, authority kind and supplier type, from one grouped query
    (at most categories x kinds x types x 2 rows, whatever the number of cases)."""
    from_supplier = c.kind != "spot_check"
    rows = s.execute(
        select(c.category, c.authority_kind, c.organisation_type, from_supplier, func.count())
        .where(received)
        .group_by(c.category, c.authority_kind, c.organisation_type, from_supplier)
    ).all()
    out: dict[str, dict[str, int]] = {
        "by_category": {},
        "by_authority_kind": {},
        "by_supplier_type": {},
    }
    for category, kind, org_type, supplier, n in rows:
        out["by_category"][category] = out["by_category"].get(category, 0) + n
        out["by_authority_kind"][kind] = out["by_authority_kind"].get(kind, 0) + n
        if supplier:  # spot checks have no supplier
            out["by_supplier_type"][org_type] = out["by_supplier_type"].get(org_type, 0) + n
    return {name: _largest_first(counts) for name, counts in out.items()}


def _largest_first(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _concluded(s: Session, done) -> dict:
    """The figures of cases concluded in the period, from one grouped query (at most
    outcomes x concluded states rows), the period test evaluated once per row."""
    rows = s.execute(
        select(
            c.outcome,
            c.status,
            func.count(),
            func.sum(func.coalesce(c.money_released_pence, 0)),
            count_if(c.money_released_pence > 0),
        )
        .where(done)
        .group_by(c.outcome, c.status)
    ).all()
    outcomes: dict[str, int] = {}
    ended: dict[str, int] = {}
    money = with_money = 0
    for outcome, status, n, pence, cases in rows:
        if outcome is not None:
            outcomes[outcome] = outcomes.get(outcome, 0) + n
        way = "resolved" if status in terms.RESOLVED_STATUSES else status
        ended[way] = ended.get(way, 0) + n
        money += int(pence or 0)
        with_money += int(cases or 0)
    return {
        "closed": sum(ended.values()),
        "with_outcome": sum(outcomes.values()),
        "positive": sum(n for k, n in outcomes.items() if k in terms.POSITIVE_OUTCOMES),
        "partial": outcomes.get(terms.PARTIAL_CHANGE, 0),
        "money_released_pence": money,
        "cases_with_money": with_money,
        "outcomes": _largest_first(outcomes),
        "ended": _largest_first(ended),
    }


def build_report(s: Session, start: date, end: date, *, actor: Actor) -> Report:
    """The period's figures, for a lead (or the system drawing a file a lead asked for);
    NotPermitted (policy "see_reports") for anyone else."""
    policy.require(actor, "see_reports")
    received = between(c.received_on, start, end)
    done = concluded_between(start, end)
    resolved = between(c.resolved_on, start, end)
    concluded_by_end = and_(
        c.status.in_(terms.CONCLUDED_STATUSES),
        func.coalesce(c.resolved_on, c.closed_on) <= end,
    )
    head = s.execute(
        select(
            count_if(received),
            count_if(and_(c.received_on <= end, not_(concluded_by_end))),
        )
    ).one()
    target_rows = s.execute(
        select(c.authority_kind, func.count(), count_if(c.resolved_on <= effective_due()))
        .where(resolved)
        .group_by(c.authority_kind)
    ).all()
    # A follow-up's result is recorded when the case closes after it.
    follow_ups = _grouped(
        s, c.follow_up_result, between(c.closed_on, start, end), c.follow_up_result.is_not(None)
    )
    return Report(
        start=start,
        end=end,
        received=int(head[0] or 0),
        carried_over=int(head[1] or 0),
        **_concluded(s, done),
        **_breakdowns(s, received),
        target={k: {"resolved": n, "on_time": int(t or 0)} for k, n, t in target_rows},
        follow_ups=follow_ups,
        summaries=_summaries(s, done),
    )


def _summaries(s: Session, done) -> list[CaseSummary]:
    rows = s.execute(
        select(
            c.authority_name,
            c.authority_kind,
            c.category,
            c.agreed_actions,
            c.outcome,
            c.public_summary,
        )
        .where(c.publishable.is_(True), done)
        .order_by(concluded_on(), c.id)
        .limit(MAX_SUMMARIES)
    ).all()
    return [
        CaseSummary(
            authority=r.authority_name,
            authority_kind=terms.label(terms.AUTHORITY_KINDS, r.authority_kind),
            issue=terms.CATEGORY_LABELS.get(r.category, r.category),
            action=r.agreed_actions or "",
            outcome=terms.OUTCOME_LABELS.get(r.outcome or "", r.outcome or ""),
            summary=r.public_summary or "",
        )
        for r in rows
    ]
