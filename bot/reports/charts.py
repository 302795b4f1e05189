"""Charts for the digest and reports: matplotlib (Agg, no display), Okabe-Ito colours (safe
for the common forms of colour blindness), and alt text saying what the chart shows."""

from __future__ import annotations

import io
import threading

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.reports import terms

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
    "#999999",
)
# pyplot's global state is not thread-safe; Figure objects are, but font caches are shared.
_lock = threading.Lock()


# Cases concluded without an outcome are shown by how they ended, never as "Still open".
ENDED_LABELS = {
    "out_of_scope": "Out of scope",
    "referred": "Referred",
    "withdrawn": "Withdrawn",
}


def outcome_label(value: str) -> str:
    if value == "open":
        return "Still open"
    return terms.OUTCOME_LABELS.get(value) or ENDED_LABELS.get(value, value)


def cases_chart(
    by_month: dict[str, dict[str, int]],
    top_categories: dict[str, int],
    *,
    left_title: str = "Cases received by month, by outcome",
    right_title: str = "Top categories this year",
    figsize: tuple[float, float] = (10, 5),
    dpi: int = 100,
) -> bytes:
    """Stacked bars of cases per month (or period) by outcome, and the top categories.
    ``figsize`` (inches) and ``dpi``: a front end with a size limit (a Teams card) asks for a
    smaller picture."""
    months = sorted(by_month)
    outcomes = sorted({o for counts in by_month.values() for o in counts}, key=outcome_order)
    with _lock:
        fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        left, right = fig.subplots(1, 2, width_ratios=(3, 2))
        bottoms = [0] * len(months)
        for outcome in outcomes:
            heights = [by_month[m].get(outcome, 0) for m in months]
            left.bar(
                months,
                heights,
                bottom=bottoms,
                label=outcome_label(outcome),
                # A fixed colour per outcome, so charts side by side agree.
                color=_colour(outcome),
                edgecolor="white",
                linewidth=0.5,
            )
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        left.set_title(left_title)
        left.set_ylabel("Cases")
        left.yaxis.set_major_locator(MaxNLocator(integer=True))
        if len(months) > 4:
            left.tick_params(axis="x", labelrotation=45)
        if outcomes:
            # Below the charts, so it never hides a bar.
            fig.legend(fontsize="small", frameon=False, loc="outside lower center", ncols=3)
        # A withheld count (bot.reports.suppression) is not drawn.
        cats = [(k, n) for k, n in top_categories.items() if isinstance(n, int)][::-1]
        right.barh(
            [_literal(terms.CATEGORY_LABELS.get(k, k)[:30]) for k, _ in cats],
            [n for _, n in cats],
            color=OKABE_ITO[4],
        )
        right.set_title(right_title)
        right.set_xlabel("Cases")
        right.xaxis.set_major_locator(MaxNLocator(integer=True))
        out = io.BytesIO()
        fig.savefig(out, format="png")
    return out.getvalue()


def _literal(label: str) -> str:
    """A label drawn as written: matplotlib reads text between two "$" as mathematics (and
    fails on what is not)."""
    return label.replace("$", r"\$")


# Outcomes take the Okabe-Ito colours; the ways of ending without one, and "open", take
# greys of different lightness, so no two series share a colour.
_GREYS = {
    "out_of_scope": "#000000",
    "referred": "#5A5A5A",
    "withdrawn": "#B0B0B0",
    "open": "#E6E6E6",
}


def _colour(outcome: str) -> str:
    if outcome in _GREYS:
        return _GREYS[outcome]
    return OKABE_ITO[outcome_order(outcome)[0] % 7]


def outcome_order(outcome: str) -> tuple[int, str]:
    order = [v for v, _ in terms.OUTCOMES] + list(ENDED_LABELS) + ["open"]
    return (order.index(outcome) if outcome in order else len(order), outcome)


def alt_text(by_month: dict[str, dict[str, int]], top_categories: dict[str, int]) -> str:
    """What the chart shows, in words (Slack's alt text is at most 1,000 characters)."""
    months = sorted(by_month)
    totals = ", ".join(f"{m}: {sum(by_month[m].values())}" for m in months) or "none"
    cats = ", ".join(f"{terms.CATEGORY_LABELS.get(k, k)} {n}" for k, n in top_categories.items())
    ends = {k: sum(by_month[m].get(k, 0) for m in months) for k in (*ENDED_LABELS, "open")}
    ended = ", ".join(f"{outcome_label(k)} {n}" for k, n in ends.items() if n)
    text = (
        f"Bar chart of cases received per month, split by outcome. Totals {totals}. "
        + (f"Of them: {ended}. " if ended else "")
        + f"Top categories this year: {cats or 'none'}."
    )
    return text[:1000]
