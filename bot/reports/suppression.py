"""Complementary suppression: which counts of a breakdown to withhold so that no small count
can be read off the table, or worked out from the others and the total.

What a reader is assumed to know:

- the shown counts, and the breakdown's total (always assumed known: it is often printed
  elsewhere, such as "Cases received" for the breakdown by category);
- that a withheld count is at least 1 (a zero is never withheld: it is shown as 0), and,
  knowing this rule, below the smallest shown count.

A count below the threshold (but not 0) is withheld ("primary"). While any count is
withheld, the withheld counts must leave every one of them undetermined: at least two are
withheld, their sum (the total minus the shown counts) is not itself below the threshold,
and within those bounds each withheld count could still take two or more values. Until that
holds, the next smallest shown counts (all those equal to it, so a tie tells nothing) are
withheld too ("complementary"). When no count is left to withhold, the total is withheld as
well (``total_hidden``); that only happens when every count is withheld.

Every withheld count is shown the same way (``WITHHELD``), so a reader cannot tell a small
count from a complementary one. Limit: a reader who replays the rule on every candidate
table can, in rare tie patterns of four or more counts (such as 2, 2, 2, 4 with a threshold
of 3), still rule out every alternative; tables of up to three counts are checked
exhaustively in the tests.

A share computed from a breakdown (``share_shown``) is published only when it reveals no
more than the table does: when the counts on one side of it are all shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

WITHHELD = "withheld"
NOTE = (
    "withheld: fewer than {n} cases, or held back so that a count of fewer than {n} "
    "cannot be worked out from the others and the total"
)


@dataclass(frozen=True)
class Suppressed:
    counts: dict[str, int | str]  # the breakdown as published: a count or WITHHELD
    hidden: frozenset[str]
    total_hidden: bool  # the breakdown's total must be withheld wherever it is printed


def _safe(withheld: list[int], shown: list[int], threshold: int) -> bool:
    """Does every withheld count keep at least two possible values, for a reader who knows
    the total, that withheld counts are at least 1 and (from the rule) below the smallest
    shown count? And is the withheld group as a whole not a small count?"""
    k, total = len(withheld), sum(withheld)
    if k < 2 or total < threshold:
        return False
    cap = min(shown) - 1 if shown else total
    low = max(1, total - (k - 1) * cap)
    high = min(cap, total - (k - 1))
    return low < high


def suppress(counts: Mapping[str, int], threshold: int, also: Iterable[str] = ()) -> Suppressed:
    """Withhold the counts of ``counts`` that are, or would give away, a count under
    ``threshold`` (see the module's docstring), and those in ``also`` (a count another table
    needs withheld). Pure; the order of ``counts`` is kept."""
    forced = set(also)
    hidden = [k for k, n in counts.items() if 0 < n < threshold or (k in forced and n > 0)]
    total_hidden = False
    if hidden:
        # Candidates for complementary suppression: the smallest shown counts first.
        spare = sorted(
            (k for k, n in counts.items() if n > 0 and k not in hidden),
            key=lambda k: (counts[k], k),
        )
        while not _safe([counts[k] for k in hidden], [counts[k] for k in spare], threshold):
            if not spare:
                total_hidden = True
                break
            # Every count equal to the next smallest goes with it: choosing one of equals
            # would tell which one is the small count.
            smallest = counts[spare[0]]
            while spare and counts[spare[0]] == smallest:
                hidden.append(spare.pop(0))
    hidden_set = frozenset(hidden)
    return Suppressed(
        counts={k: WITHHELD if k in hidden_set else n for k, n in counts.items()},
        hidden=hidden_set,
        total_hidden=total_hidden,
    )


def all_withheld(counts: Mapping[str, int]) -> Suppressed:
    """Every count and the total withheld: for a table whose total another table withholds."""
    hidden = frozenset(k for k, n in counts.items() if n > 0)
    return Suppressed({k: WITHHELD if k in hidden else n for k, n in counts.items()}, hidden, True)


def share_shown(suppressed: Suppressed, part: Iterable[str], total: int, threshold: int) -> bool:
    """May the share of the keys in ``part`` in this breakdown's ``total`` be published? Only
    when the total is shown and at least ``threshold``, and the counts in the part, or all
    those outside it, are shown: the share then tells no more than the table does (the part
    is the sum of shown counts, or the total minus them)."""
    if suppressed.total_hidden or total < threshold:
        return False
    part = set(part)
    return not (part & suppressed.hidden) or not (suppressed.hidden - part)


def total_shown(suppressed: Suppressed, total: int, threshold: int) -> int | str:
    """A breakdown's total as published."""
    return WITHHELD if suppressed.total_hidden or 0 < total < threshold else total
