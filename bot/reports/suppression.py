"""Complementary suppression: which counts of a breakdown to withhold so that no small count
can be read off the table, or worked out from the others and the total.

What a reader is assumed to know, and what the rule guarantees:

- the shown counts, and the breakdown's total (always assumed known: it is often printed
  elsewhere, such as "Cases received" for the breakdown by category);
- that a withheld count is at least 1 (a zero is never withheld: it is shown as 0).

A count below the threshold (but not 0) is withheld ("primary"). While any count is
withheld, the withheld counts must leave every one of them undetermined: at least two are
withheld, their sum R (the total minus the shown counts) is not itself below the threshold,
and R exceeds the number withheld (so each withheld count could be 1 or more than 1). Until
that holds, the next smallest shown count is withheld too ("complementary"). When no count
is left to withhold, the total is withheld as well (``total_hidden``); that only happens
when every count is withheld, so nothing published then pins any of them down.

Every withheld count is shown the same way (``WITHHELD``), so a reader cannot tell a small
count from a complementary one. The rule does not defend against a reader who replays it
to narrow the range of a count (for example, that a complementary count is the smallest
shown one): it guarantees only that no count is determined, and no withheld group is small.

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


def _safe(withheld: list[int], threshold: int) -> bool:
    total = sum(withheld)
    return len(withheld) >= 2 and total >= threshold and total > len(withheld)


def suppress(counts: Mapping[str, int], threshold: int) -> Suppressed:
    """Withhold the counts of ``counts`` that are, or would give away, a count under
    ``threshold`` (see the module's docstring). Pure; the order of ``counts`` is kept."""
    hidden = [k for k, n in counts.items() if 0 < n < threshold]
    total_hidden = False
    if hidden:
        # Candidates for complementary suppression: the smallest shown counts first.
        spare = sorted(
            (k for k, n in counts.items() if n > 0 and k not in hidden),
            key=lambda k: (counts[k], k),
        )
        while not _safe([counts[k] for k in hidden], threshold):
            if not spare:
                total_hidden = True
                break
            hidden.append(spare.pop(0))
    hidden_set = frozenset(hidden)
    return Suppressed(
        counts={k: WITHHELD if k in hidden_set else n for k, n in counts.items()},
        hidden=hidden_set,
        total_hidden=total_hidden,
    )


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
