"""The weekly digest in Teams: one card, chart inside, to the leads' conversation over HTTP on
both databases, and never over Teams' message size limit, a worst-case year included."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot.outbox import Skip
from bot.reports import terms
from bot.reports.digest import build_digest
from bot.reports.jobs import queue_digest
from handlers.local.fake_connector import MAX_MESSAGE_BYTES
from handlers.teams import digest_card
from handlers.teams.cards import CARD_BUDGET_BYTES, card_bytes
from models import OutboxMessage
from tests.reports_fixture import A_LEAD
from tests.teams_app import LEADS, TeamsBot

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
ENDINGS = ("out_of_scope", "referred", "withdrawn", "open")


def worst_year() -> tuple[dict, dict]:
    """Twelve months, every outcome and ending in each, five-digit counts; every category."""
    outcomes = [value for value, _ in terms.OUTCOMES] + list(ENDINGS)
    by_month = {
        f"{2026 - (m < 1)}-{(m - 1) % 12 + 1:02d}": {o: 90000 + i for i, o in enumerate(outcomes)}
        for m in range(1, 13)
    }
    top = {key: 99999 for key in terms.CATEGORY_LABELS}
    return by_month, top


def figures_for(engine, by_month: dict, top: dict) -> dict:
    with Session(engine) as s:
        figures = build_digest(s, actor=A_LEAD, today=NOW.date(), now=NOW)
    figures["chart"] = {"by_month": by_month}
    figures["top_categories"] = top
    return json.loads(json.dumps(figures, default=str))


def image_of(card: dict) -> bytes | None:
    for element in card["body"]:
        if element["type"] == "Image":
            return base64.b64decode(element["url"].removeprefix("data:image/png;base64,"))
    return None


def test_the_digest_reaches_the_leads_as_one_card_with_its_chart(engine):
    bot = TeamsBot(engine)
    try:
        by_month, top = worst_year()
        with Session(engine) as s:
            queue_digest(s, figures_for(engine, by_month, top))
            s.commit()
        bot.services.send_queued()
        calls = bot.connector.wait_for(
            lambda calls: any(c.conversation_id == LEADS and c.status < 300 for c in calls)
        )
        [post] = [c for c in calls if c.conversation_id == LEADS]
        assert post.status == 201
        assert len(json.dumps(post.body).encode()) < MAX_MESSAGE_BYTES
        card = post.body["attachments"][0]["content"]
        assert card["body"][0]["text"] == "Weekly digest"
        assert "New cases" in json.dumps(card)
        png = image_of(card)
        assert png is not None and png.startswith(b"\x89PNG")
        image = next(e for e in card["body"] if e["type"] == "Image")
        assert image["altText"].startswith("Bar chart of cases received per month")
        # The chart row Slack posts as a file is done without a second message here.
        settled = _settled(engine)
        assert sorted(m.kind for m in settled) == ["jobs.digest", "jobs.digest_chart"]
        assert [c.conversation_id for c in bot.connector.sent(LEADS)] == [LEADS]
    finally:
        bot.close()


def _settled(engine, timeout: float = 10.0) -> list[OutboxMessage]:
    """The outbox rows once none is waiting or mid-delivery (polled until a deadline, as
    conftest.wait_settled: the worker runs in the app's own thread)."""
    deadline = time.monotonic() + timeout
    while True:
        with Session(engine) as s:
            found = list(s.exec(select(OutboxMessage)))
        if all(m.status != "pending" and m.claimed_until is None for m in found):
            return found
        assert time.monotonic() < deadline, f"outbox not settled: {found}"
        time.sleep(0.02)


def test_a_worst_case_year_fits_with_its_chart():
    by_month, top = worst_year()
    figures = _plain_figures(by_month, top)
    card = digest_card.digest_card(figures)
    assert card_bytes(card) <= CARD_BUDGET_BYTES
    assert image_of(card) is not None


def test_when_no_picture_fits_the_chart_comes_as_its_numbers():
    by_month, top = worst_year()
    card = digest_card.digest_card(_plain_figures(by_month, top), budget=9000)
    assert card_bytes(card) <= 9000
    assert image_of(card) is None
    text = json.dumps(card)
    assert digest_card.TABLE_NOTE in text and "2026" in text


def test_the_chart_row_is_skipped_in_teams():
    with pytest.raises(Skip):
        digest_card.render_digest_chart(None, None)


def _plain_figures(by_month: dict, top: dict) -> dict:
    """What build_digest stores, without a database (the card needs only these keys)."""
    return {
        "period": {"from": "2026-11-30", "to": "2026-12-06"},
        "new_cases": 12,
        "resolved": 3,
        "outcomes": {"upheld": 2, "not_upheld": 1},
        "share_positive": 0.66,
        "money_released_pence": {"week": 120000, "year": 9900000},
        "open_by_status": {"received": 4, "investigating": 7},
        "overdue": 2,
        "authority_replies_overdue": 1,
        "year_from": "2026-04-01",
        "year_cases_from_suppliers": 140,
        "share_voluntary": 0.2,
        "share_sme": 0.5,
        "top_categories": top,
        "target": {"central": {"resolved": 10, "on_time": 9, "share": 0.9}, "wider": None},
        "shadowing": {
            "queue": 3,
            "pending_approval": 1,
            "offers_open": 2,
            "matched": 4,
            "completed": 1,
            "feedback": {},
        },
        "undeliverable_messages": 0,
        "threshold": 3,
        "chart": {"by_month": by_month},
    }


months = st.dictionaries(
    st.dates(date(2025, 1, 1), date(2026, 12, 31)).map(lambda d: f"{d:%Y-%m}"),
    st.dictionaries(
        st.sampled_from([v for v, _ in terms.OUTCOMES] + list(ENDINGS)),
        st.integers(0, 10**6),
        max_size=10,
    ),
    max_size=12,
)
categories = st.dictionaries(
    st.one_of(
        st.sampled_from(list(terms.CATEGORY_LABELS)),
        st.text(
            st.characters(min_codepoint=32, max_codepoint=0x24F, exclude_categories=("Cc",)),
            max_size=300,
        ),
    ),
    st.integers(0, 10**6),
    max_size=12,
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(months, categories)
@example({}, {"A$1$ grant": 4})  # "$" once started matplotlib's mathematics and failed
def test_no_year_of_figures_makes_a_card_over_the_limit(by_month, top):
    card = digest_card.digest_card(_plain_figures(by_month, top))
    assert card_bytes(card) <= CARD_BUDGET_BYTES
