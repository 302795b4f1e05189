"""Pure rules: dates, money, text safety. Property tests where an invariant exists."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.complaints.intake import ComplaintForm, parse_amount_pence, validate
from bot.errors import ValidationFailed
from bot.sla import add_working_days, due_date, is_working_day
from bot.text import clean
from handlers.slack.slack_text import escape, safe


def test_due_date_rolls_past_weekend_and_bank_holidays():
    assert due_date(date(2026, 11, 20), 3) == date(2027, 2, 22)  # Sat -> Mon
    assert due_date(date(2026, 10, 25), 2) == date(2026, 12, 29)  # 25 Dec Fri, 28 Mon sub
    assert due_date(date(2027, 1, 31), 1) == date(2027, 3, 1)  # 28 Feb 2027 is a Sunday
    assert due_date(date(2026, 3, 31), 2) == date(2026, 6, 1)  # 31 May Sun; 1 Jun Mon


def test_working_days_skip_bank_holidays():
    assert not is_working_day(date(2026, 12, 25))
    assert not is_working_day(date(2026, 8, 31))  # August bank holiday (England)
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    st.integers(min_value=1, max_value=24),
)
def test_due_date_is_a_working_day_within_a_week_of_the_target(start, months):
    due = due_date(start, months)
    assert is_working_day(due)
    assert due > start
    assert (due - start) <= timedelta(days=months * 31 + 7)


@pytest.mark.parametrize(
    ("raw", "pence"),
    [("1250", 125000), ("£1,250.5", 125050), (" 0.01 ", 1), ("£ 12 500.00", 1250000)],
)
def test_amounts(raw, pence):
    assert parse_amount_pence(raw) == pence


@pytest.mark.parametrize("raw", ["0", "-5", "abc", "1.234", "NaN", "Infinity", "1e30"])
def test_bad_amounts(raw):
    with pytest.raises(ValueError):
        parse_amount_pence(raw)


@given(st.text())
def test_escaped_text_has_no_slack_markup_and_reads_back_the_same(text):
    out = escape(text)
    assert "<" not in out and ">" not in out
    # Every "&" is escaped too, so decoding the entities gives back exactly what was typed.
    assert html.unescape(out) == text


@given(st.text(), st.integers(min_value=5, max_value=3000))
def test_safe_text_respects_the_limit(text, limit):
    out = safe(text, limit)
    assert len(out) <= limit and "<" not in out


@given(st.text())
def test_cleaned_text_has_no_control_characters(text):
    out = clean(text, multiline=True)
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in out)
    assert "\x00" not in clean(text)


def test_validate_reports_every_missing_field():
    with pytest.raises(ValidationFailed) as err:
        validate(ComplaintForm(), date(2026, 11, 20))
    assert set(err.value.errors) == {
        "authority_name",
        "authority_kind",
        "procurement_title",
        "stage",
        "category",
        "procurement_date",
        "what_happened",
        "outcome_wanted",
        "organisation_name",
        "organisation_type",
    }
