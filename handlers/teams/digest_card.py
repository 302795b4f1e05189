"""The weekly digest in Teams: one Adaptive Card to the leads' conversation with the figures
and the chart, inside Teams' message size limit.

Teams shows no bare image attachment in every client (the Agents Playground drops them), so the
chart travels inside the card as a ``data:`` URI. A card must stay under about 28 KB, so the
chart is drawn small and with a 16-colour palette, then smaller still if the figures leave too
little room; when even the smallest picture does not fit, the card carries the chart's numbers
as a table instead, and says so. The alt text always goes with the picture.

Slack posts the chart as a second message (``DIGEST_CHART``); here the digest card already
holds it, so that row is skipped.
"""

from __future__ import annotations

import base64
import io

from PIL import Image

from bot.jobs import notices
from bot.outbox import Skip
from bot.reports import charts, terms
from bot.reports import delivery_views as loaded
from bot.reports.digest_text import digest_sections
from handlers.teams.cards import (
    CARD_BUDGET_BYTES,
    adaptive_card,
    card_bytes,
    fact_set,
    heading,
    shorten_texts,
    text_block,
)
from handlers.teams.outgoing import TeamsOut

TITLE = "Weekly digest"
# (width, height) in inches and dots per inch, largest first: 600x337, 480x270, 400x225 pixels.
CHART_SIZES = (((8, 4.5), 75), ((8, 4.5), 60), ((8, 4.5), 50))
PALETTE_COLOURS = 16
TABLE_NOTE = "The chart did not fit in this card, so here are its numbers."


def chart_png(by_month: dict, top: dict, figsize: tuple[float, float], dpi: int) -> bytes:
    """The digest's chart at this size, reduced to a small palette (a chart of flat colours
    loses nothing, and the file shrinks to a quarter)."""
    drawn = charts.cases_chart(by_month, top, figsize=figsize, dpi=dpi)
    image = Image.open(io.BytesIO(drawn)).convert("RGB").quantize(colors=PALETTE_COLOURS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def image_element(png: bytes, alt_text: str) -> dict:
    return {
        "type": "Image",
        "url": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        "altText": alt_text[:1000],
        "size": "Stretch",
    }


def chart_table(by_month: dict, top: dict) -> list[dict]:
    """The chart's numbers as facts: each month's total with its outcomes, and the categories."""
    facts = []
    for month in sorted(by_month):
        counts = by_month[month]
        split = ", ".join(
            f"{charts.outcome_label(outcome)} {n}"
            for outcome, n in sorted(counts.items(), key=lambda item: charts.outcome_order(item[0]))
        )
        facts.append((month, f"{sum(counts.values())} ({split})" if split else "0"))
    categories = [
        (terms.CATEGORY_LABELS.get(k, k), str(n)) for k, n in top.items() if isinstance(n, int)
    ]
    return [
        text_block(TABLE_NOTE, subtle=True),
        text_block("Cases received by month, by outcome", weight="Bolder"),
        fact_set(facts or [("No cases", "0")]),
        text_block("Top categories this year", weight="Bolder"),
        fact_set(categories or [("None yet", "0")]),
    ]


def digest_card(figures: dict, *, sizes=CHART_SIZES, budget: int = CARD_BUDGET_BYTES) -> dict:
    """The digest as one card, chart included (or its table), never over the size limit."""
    body = [heading(TITLE)]
    for title, lines in digest_sections(figures):
        body.append(text_block(title, weight="Bolder", spacing="Medium"))
        body.append(text_block("\n\n".join(lines)))
    by_month = (figures.get("chart") or {}).get("by_month") or {}
    top = figures.get("top_categories") or {}
    alt = charts.alt_text(by_month, top)
    for figsize, dpi in sizes:
        card = adaptive_card([*body, image_element(chart_png(by_month, top, figsize, dpi), alt)])
        if card_bytes(card) <= budget:
            return card
    card = adaptive_card([*body, *chart_table(by_month, top)])
    # Twelve months of facts are small; long category names are shortened if need be.
    shorten_texts(card, budget)
    return card


def digest(figures: dict) -> TeamsOut:
    text = f"{TITLE}: {figures['new_cases']} new cases, {figures['overdue']} overdue"
    return TeamsOut(text=text, card=digest_card(figures))


def render_digest(session, msg) -> TeamsOut:
    return digest(loaded.figures(session, msg)["figures"])


def render_digest_chart(session, msg) -> TeamsOut:
    raise Skip()


RENDERERS = {notices.DIGEST: render_digest, notices.DIGEST_CHART: render_digest_chart}
