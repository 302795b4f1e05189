"""Complementary suppression (bot.reports.suppression), tried as a reader would: from what is
published, and the total, can any withheld count be worked out?"""

from __future__ import annotations

import csv
import html
import io
import itertools
import json
import re
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reports.annual import Report
from bot.reports.render import breakdowns, render
from bot.reports.suppression import WITHHELD, share_shown, suppress

KEYS = ["a", "b", "c", "d", "e", "f"]
COUNTS = st.lists(st.integers(0, 20), min_size=1, max_size=6).map(
    lambda ns: dict(zip(KEYS, ns, strict=False))
)


def possible_values(published: dict, total: int) -> dict[str, set[int]]:
    """What a reader can say of each withheld count, knowing the total, that a withheld count
    is at least 1 (zeros are shown) and, from the rule, below the smallest shown count:
    every value some filling-in of all the withheld counts allows. Worked out by listing
    the sums the other withheld counts can make (independent of the rule's own bounds)."""
    shown = [n for n in published.values() if n != WITHHELD]
    withheld = [k for k, n in published.items() if n == WITHHELD]
    rest = total - sum(shown)
    cap = min((n for n in shown if n > 0), default=rest + 1) - 1
    out = {}
    for key in withheld:
        others = len(withheld) - 1
        sums = {0}
        for _ in range(others):
            sums = {s + x for s in sums for x in range(1, cap + 1) if s + x <= rest}
        out[key] = {x for x in range(1, cap + 1) if rest - x in sums}
    return out


@settings(max_examples=300, deadline=None)
@given(COUNTS, st.integers(1, 8))
def test_no_withheld_count_can_be_worked_out(counts, threshold):
    result = suppress(counts, threshold)
    total = sum(counts.values())
    shown = {k: n for k, n in result.counts.items() if n != WITHHELD}
    # Nothing small is shown, and shown counts are the true ones.
    assert all(n == 0 or n >= threshold for n in shown.values())
    assert all(counts[k] == n for k, n in shown.items())
    if not result.hidden:
        assert not result.total_hidden
        return
    if result.total_hidden:
        # Only when every count is withheld: nothing published pins any of them down.
        assert result.hidden == {k for k, n in counts.items() if n > 0}
        return
    # At least two withheld, and together not a small count.
    assert len(result.hidden) >= 2
    assert sum(counts[k] for k in result.hidden) >= threshold
    for key, values in possible_values(result.counts, total).items():
        assert counts[key] in values  # the reader's reasoning holds for the true table
        assert len(values) >= 2, (counts, threshold, key, values)


def test_a_reader_replaying_the_rule_cannot_pin_down_a_count_in_small_tables():
    """Every table of up to three counts (0-7) and thresholds 2-4: list every table that
    would be published the same way; each withheld count must differ between two of them."""
    for size in (1, 2, 3):
        for threshold in (2, 3, 4):
            for values in itertools.product(range(8), repeat=size):
                counts = dict(zip(KEYS, values, strict=False))
                seen = suppress(counts, threshold)
                if not seen.hidden or seen.total_hidden:
                    continue
                total = sum(values)
                alternatives: dict[str, set[int]] = {k: set() for k in seen.hidden}
                keys = sorted(seen.hidden)
                for fill in itertools.product(range(total + 1), repeat=len(keys)):
                    other = {**counts, **dict(zip(keys, fill, strict=True))}
                    if sum(other.values()) != total:
                        continue
                    again = suppress(other, threshold)
                    if (again.counts, again.total_hidden) == (seen.counts, seen.total_hidden):
                        for k, v in zip(keys, fill, strict=True):
                            alternatives[k].add(v)
                for k, found in alternatives.items():
                    assert len(found) >= 2, (counts, threshold, k, found)


def test_the_two_kinds_of_authority_example():
    # "Wider public sector: fewer than 3" beside central 4 and a total of 6 was exactly 2.
    result = suppress({"central": 4, "wider": 2}, 3)
    assert result.counts == {"central": WITHHELD, "wider": WITHHELD}
    assert not result.total_hidden
    # Two small counts adding up to a small total: the total goes too.
    assert suppress({"central": 1, "wider": 1}, 3).total_hidden
    # Ties go together, so the choice between equals tells nothing.
    assert suppress({"a": 1, "b": 5, "c": 5, "d": 9}, 3).hidden == {"a", "b", "c"}


def test_a_share_is_published_only_when_it_gives_nothing_away():
    outcomes = {"live_change": 10, "money_released": 8, "not_upheld": 1}
    table = suppress(outcomes, 3)
    assert table.hidden == {"not_upheld", "money_released"}
    # positive = 18 of 19 would give away the one not upheld.
    assert not share_shown(table, {"live_change", "money_released"}, 19, 3)
    big = suppress({"live_change": 10, "money_released": 8, "not_upheld": 5}, 3)
    assert share_shown(big, {"live_change", "money_released"}, 23, 3)
    assert not share_shown(big, {"live_change"}, 2, 3)  # a small whole


def _report(**tables) -> Report:
    names = ["by_category", "by_authority_kind", "by_supplier_type", "outcomes", "follow_ups"]
    base: dict[str, dict] = {name: {} for name in names}
    base.update(tables)
    received = sum(base["by_category"].values())
    return Report(
        start=date(2025, 4, 6),
        end=date(2026, 4, 5),
        received=received,
        closed=0,
        carried_over=0,
        with_outcome=sum(base["outcomes"].values()),
        positive=0,
        partial=0,
        target={},
        money_released_pence=0,
        cases_with_money=0,
        **base,
    )


def _md_tables(text: str) -> dict[str, dict[str, str]]:
    out, name = {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            name = line[3:]
            out[name] = {}
        elif name and line.startswith("| ") and not line.startswith("| ---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if cells[0] not in ("", "none"):
                out[name][cells[0]] = cells[1]
    return out


def _html_tables(page: str) -> dict[str, dict[str, str]]:
    out = {}
    for name, body in re.findall(r"<h2>([^<]*)</h2><table>(.*?)</table>", page):
        rows = re.findall(r"<th scope='row'>(.*?)</th><td>(.*?)</td>", body)
        out[html.unescape(name)] = {html.unescape(k): html.unescape(v) for k, v in rows}
    return out


CATS = st.dictionaries(
    st.sampled_from(["late_payment", "evaluation", "framework", "other"]),
    st.integers(0, 12),
    max_size=4,
)
OUTCOMES = st.dictionaries(
    st.sampled_from(["live_change", "not_upheld", "partial_change", "money_released"]),
    st.integers(0, 12),
    max_size=4,
)
KINDS = st.dictionaries(st.sampled_from(["central", "wider"]), st.integers(0, 12), max_size=2)


# Each example draws the HTML page's chart, so fewer examples than the pure tests.
@settings(max_examples=25, deadline=None)
@given(CATS, KINDS, OUTCOMES, st.integers(2, 5))
def test_every_breakdown_in_every_format_keeps_withheld_counts_unknowable(
    categories, kinds, outcomes, threshold
):
    r = _report(by_category=categories, by_authority_kind=kinds, outcomes=outcomes)
    data = json.loads(render(r, "json", threshold))["breakdowns"]
    raw = breakdowns(r)
    as_text = {name: {k: str(v) for k, v in t.items()} for name, t in data.items()}
    rows = list(csv.reader(io.StringIO(render(r, "csv", threshold))))
    from_csv: dict[str, dict[str, str]] = {}
    for section, item, value in rows[1:]:
        if section in data:
            from_csv.setdefault(section, {})[item] = value
    assert {k: v for k, v in as_text.items() if v} == from_csv
    md = _md_tables(render(r, "md", threshold))
    assert {k: md[k] for k in as_text} == as_text
    page = _html_tables(render(r, "html", threshold))
    assert {k: page[k] for k in as_text} == as_text
    for name, published in data.items():
        total = sum(raw[name].values())
        for value in published.values():
            assert value == WITHHELD or value == 0 or value >= threshold
        if WITHHELD in published.values() and all(
            v == WITHHELD for k, v in published.items() if raw[name][k] > 0
        ):
            continue  # everything withheld: only the total is left to know
        for key, values in possible_values(published, total).items():
            assert raw[name][key] in values and len(values) >= 2, (name, published, values)
