"""A report as Markdown, CSV, JSON or one self-contained HTML page (charts inline as PNG).

Breakdown counts below the privacy threshold are withheld, with enough others that none can be
worked out from the rest and the total (bot.reports.suppression): a small count in a narrow
category could point at the supplier behind it.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json

from bot.reports import terms
from bot.reports.annual import Report
from bot.reports.charts import OKABE_ITO, alt_text, cases_chart
from bot.reports.suppression import NOTE, Suppressed, all_withheld, share_shown, suppress

FORMATS = ("md", "csv", "json", "html")
MEDIA_TYPES = {
    "md": "text/markdown",
    "csv": "text/csv",
    "json": "application/json",
    "html": "text/html",
}


def pounds(pence: int | None) -> str:
    return "none" if pence is None else f"£{pence / 100:,.2f}"


def percent(share: float | None) -> str:
    return "n/a" if share is None else f"{share * 100:.0f}%"


def _labelled(counts: dict[str, int], labels: dict[str, str]) -> dict[str, int]:
    return {labels.get(k, k): n for k, n in counts.items()}


ENDED_LABELS = {"resolved": "Resolved", **terms.STATUS_LABELS}


def breakdowns(r: Report) -> dict[str, dict[str, int]]:
    return {
        "Cases by category": _labelled(r.by_category, terms.CATEGORY_LABELS),
        "Cases by authority kind": _labelled(r.by_authority_kind, dict(terms.AUTHORITY_KINDS)),
        "Cases by supplier type": _labelled(r.by_supplier_type, dict(terms.ORGANISATION_TYPES)),
        "How cases concluded": _labelled(r.ended, ENDED_LABELS),
        "Outcomes": _labelled(r.outcomes, terms.OUTCOME_LABELS),
        "Follow-up results": _labelled(r.follow_ups, dict(terms.FOLLOW_UP_RESULTS)),
    }


# Breakdowns of the same cases (so with the same total): when one must withhold its total,
# the other withholds everything, or it would give that total away.
SAME_TOTAL = ("Cases by category", "Cases by authority kind")


def published(r: Report, threshold: int) -> dict[str, Suppressed]:
    """Every breakdown as published: complementary suppression applied to each."""
    counts = breakdowns(r)
    tables = {name: suppress(c, threshold) for name, c in counts.items()}
    if any(tables[name].total_hidden for name in SAME_TOTAL):
        tables.update({name: all_withheld(counts[name]) for name in SAME_TOTAL})
    if tables["Outcomes"].total_hidden:
        # Resolved cases are those with an outcome: that count is the outcomes' total.
        ended = counts["How cases concluded"]
        tables["How cases concluded"] = suppress(ended, threshold, also={ENDED_LABELS["resolved"]})
    return tables


def headline(r: Report, threshold: int) -> dict[str, str | int]:
    """The period's figures. A count that is a breakdown's total is withheld when that
    breakdown needs it withheld; a share is published only when it gives away no withheld
    count (bot.reports.suppression); a sum of money over fewer than ``threshold`` cases is
    withheld like a small count: one case's money released is one supplier's invoice."""
    withheld = f"withheld (fewer than {threshold} cases)"
    tables = published(r, threshold)

    def total(value: int, *names: str) -> int | str:
        hidden = any(tables[n].total_hidden for n in names) or 0 < value < threshold
        return withheld if hidden else value

    def share(table: Suppressed, part, whole: int, of: int) -> str:
        if whole == 0:
            return "n/a"
        return percent(of / whole) if share_shown(table, part, whole, threshold) else withheld

    def target(kind: str) -> str:
        t = r.target.get(kind) or {"on_time": 0, "resolved": 0}
        cells = suppress({"on_time": t["on_time"], "late": t["resolved"] - t["on_time"]}, threshold)
        return share(cells, {"on_time"}, t["resolved"], t["on_time"])

    positive = {terms.OUTCOME_LABELS.get(k, k) for k in terms.POSITIVE_OUTCOMES}
    money_ok = r.cases_with_money == 0 or r.cases_with_money >= threshold
    return {
        "Period": f"{r.start:%d %B %Y} to {r.end:%d %B %Y}",
        "Cases received": total(r.received, "Cases by category", "Cases by authority kind"),
        "Cases concluded": total(r.closed, "How cases concluded"),
        "Cases carried over": r.carried_over,
        "Share with a positive outcome": share(
            tables["Outcomes"], positive, r.with_outcome, r.positive
        ),
        "Met the service target (central government)": target("central"),
        "Met the service target (wider public sector)": target("wider"),
        "Money released": pounds(r.money_released_pence) if money_ok else withheld,
        "Money released per case (where released)": (
            pounds(r.money_per_case_pence) if money_ok else withheld
        ),
        "Follow-ups done": total(sum(r.follow_ups.values()), "Follow-up results"),
    }


def footnote(threshold: int) -> str:
    return NOTE.format(n=threshold).capitalize() + "."


def as_dict(r: Report, threshold: int) -> dict:
    return {
        "period": {"from": r.start.isoformat(), "to": r.end.isoformat()},
        "headline": headline(r, threshold),
        "breakdowns": {name: t.counts for name, t in published(r, threshold).items()},
        "note": footnote(threshold),
        "case_summaries": [vars(cs) for cs in r.summaries],
    }


def to_json(r: Report, threshold: int) -> str:
    return json.dumps(as_dict(r, threshold), indent=2, ensure_ascii=False)


def to_csv(r: Report, threshold: int) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["section", "item", "value"])
    for k, v in headline(r, threshold).items():
        w.writerow(["headline", k, v])
    for name, table in published(r, threshold).items():
        for k, n in table.counts.items():
            w.writerow([name, k, n])
    w.writerow(["note", "withheld", footnote(threshold)])
    for cs in r.summaries:
        w.writerow(
            [
                "case summary",
                cs.authority,
                f"{cs.issue} | {cs.action} | {cs.outcome} | {cs.summary}",
            ]
        )
    return out.getvalue()


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def to_markdown(r: Report, threshold: int) -> str:
    lines = ["# Mystery shopper service: results", ""]
    lines += ["| Figure | Value |", "| --- | --- |"]
    lines += [f"| {k} | {_md_cell(v)} |" for k, v in headline(r, threshold).items()]
    for name, table in published(r, threshold).items():
        lines += ["", f"## {name}", "", "| | Cases |", "| --- | --- |"]
        lines += [f"| {_md_cell(k)} | {n} |" for k, n in table.counts.items()]
        if not table.counts:
            lines.append("| none | 0 |")
    lines += ["", f"_{footnote(threshold)}_"]
    lines += ["", "## Case summaries", ""]
    for cs in r.summaries:
        lines += [
            f"### {_md_cell(cs.authority)} ({_md_cell(cs.authority_kind)})",
            f"- Issue: {_md_cell(cs.issue)}",
            f"- Action: {_md_cell(cs.action)}",
            f"- Outcome: {_md_cell(cs.outcome)}",
        ]
        if cs.summary:
            lines.append(f"- Summary: {_md_cell(cs.summary)}")
        lines.append("")
    if not r.summaries:
        lines.append("No case summaries published for this period.")
    return "\n".join(lines) + "\n"


def _chart_data(r: Report, threshold: int) -> tuple[dict, dict]:
    # The chart shows the same suppression as the tables: withheld counts are left out.
    outcomes = suppress(r.outcomes, threshold).counts
    cats = suppress(r.by_category, threshold).counts
    outcomes = {k: n for k, n in outcomes.items() if isinstance(n, int)}
    cats = {k: n for k, n in list(cats.items()) if isinstance(n, int)}
    return {f"{r.start:%Y-%m} to {r.end:%Y-%m}": outcomes}, dict(list(cats.items())[:8])


def to_html(r: Report, threshold: int) -> str:
    by_period, cats = _chart_data(r, threshold)
    chart = cases_chart(
        by_period,
        cats,
        left_title="Outcomes of cases closed in the period",
        right_title="Most common issues",
    )
    png = base64.b64encode(chart).decode()
    e = html.escape
    rows = "".join(
        f"<tr><th scope='row'>{e(k)}</th><td>{e(str(v))}</td></tr>"
        for k, v in headline(r, threshold).items()
    )
    sections = []
    for name, table in published(r, threshold).items():
        body = (
            "".join(
                f"<tr><th scope='row'>{e(k)}</th><td>{e(str(n))}</td></tr>"
                for k, n in table.counts.items()
            )
            or "<tr><td colspan=2>none</td></tr>"
        )
        sections.append(f"<h2>{e(name)}</h2><table>{body}</table>")
    summaries = (
        "".join(
            f"<article><h3>{e(cs.authority)} <small>({e(cs.authority_kind)})</small></h3><dl>"
            f"<dt>Issue</dt><dd>{e(cs.issue)}</dd><dt>Action</dt><dd>{e(cs.action)}</dd>"
            f"<dt>Outcome</dt><dd>{e(cs.outcome)}</dd>"
            + (f"<dt>Summary</dt><dd>{e(cs.summary)}</dd>" if cs.summary else "")
            + "</dl></article>"
            for cs in r.summaries
        )
        or "<p>No case summaries published for this period.</p>"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mystery shopper service: results {r.start:%Y}-{r.end:%y}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#0b0c0c}}table{{border-collapse:collapse;margin:1rem 0}}th,td{{text-align:left;
padding:.3rem .8rem;border-bottom:1px solid #b1b4b6}}img{{max-width:100%}}
h2{{border-top:4px solid {OKABE_ITO[4]};padding-top:.5rem}}</style></head><body>
<h1>Mystery shopper service: results</h1>
<table>{rows}</table>
<figure><img src="data:image/png;base64,{png}" alt="{e(alt_text(by_period, cats))}">
<figcaption>Outcomes of cases closed in the period, and the most common issues
(withheld groups are left out).</figcaption></figure>
{"".join(sections)}
<p><small>{e(footnote(threshold))}</small></p>
<h2>Case summaries</h2>
{summaries}
</body></html>
"""


def render(r: Report, fmt: str, threshold: int) -> str:
    return {"md": to_markdown, "csv": to_csv, "json": to_json, "html": to_html}[fmt](r, threshold)
