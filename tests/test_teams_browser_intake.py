"""Browser story in Microsoft's Teams client emulator (the Agents Playground, in Chromium): a
supplier raises a complaint through the "Raise a complaint" dialog of the message extension.
Their first submission leaves out what a late-payment complaint needs; msbot's answer brings
the dialog back with the reason under that field and every answer kept; the corrected dialog
stores one case, shows its reference, and the receipt arrives in their 1:1 chat with msbot
while the team's triage channel gets the case's card."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from handlers.local import teams_people
from models import Complaint
from tests import teams_browser as tb


@pytest.fixture
def pages(tmp_path, chromium, request):
    """`msbot local --teams`: the supplier's playground (Sam Patel) and the team's."""
    views = ("supplier", "team")
    with tb.pages_for(tmp_path, chromium, request.node.name, views) as (local, pages):
        yield local, pages["supplier"], pages["team"]


def _field(page: Page, label: str):
    return page.get_by_role("textbox", name=re.compile("^" + re.escape(label)))


def _choose(page: Page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=re.compile("^" + re.escape(label))).click()
    page.get_by_role("option", name=option, exact=True).click()


def _date(page: Page, label: str, day: str) -> None:
    """The date picker takes a typed date; leaving the field (Tab) sets it."""
    picker = page.get_by_role("combobox", name=re.compile("^" + re.escape(label)))
    picker.fill(day)
    picker.press("Tab")


def _fill_dialog(page: Page, procurement_day: str) -> None:
    _field(page, "Contracting authority").fill("Riverside NHS Trust")
    _choose(page, "Kind of authority", "Wider public sector (council, NHS trust, college, ...)")
    _field(page, "Procurement title").fill("Community transport")
    _choose(page, "Stage", "Payment")
    _choose(page, "What went wrong", "Payment / late payment")
    _date(page, "Date of the procurement", procurement_day)
    _field(page, "What happened").fill("Invoice 1042 is 94 days overdue despite three reminders.")
    _field(page, "What outcome would you like").fill("Payment, with the statutory interest.")
    _field(page, "Your organisation").fill("Patel Care Ltd")
    _choose(page, "Type of organisation", "Small or medium business (SME)")


def test_raise_a_complaint_in_the_dialog_with_a_wrong_field_first(pages):
    local, supplier, team = pages
    tb.open_personal_chat(supplier)
    tb.open_raise_complaint(supplier)
    expect(supplier.get_by_text("Tell us about a procurement")).to_be_visible()
    day = (local.services.today() - timedelta(days=40)).strftime("%Y-%m-%d")
    _fill_dialog(supplier, day)
    # Late payment, but no amount owed: only msbot (the core's validation) knows it is needed.
    supplier.get_by_role("button", name="Submit").click()

    refusal = supplier.get_by_text("For late payment, give the amount still owed.")
    expect(refusal).to_be_visible()
    refusal.scroll_into_view_if_needed()
    tb.shot(supplier, "test_raise_a_complaint_refused_field")
    # Every answer is still there.
    expect(_field(supplier, "Contracting authority")).to_have_value("Riverside NHS Trust")
    expect(_field(supplier, "What happened")).to_have_value(
        "Invoice 1042 is 94 days overdue despite three reminders."
    )
    with Session(local.engine) as session:
        assert session.exec(select(Complaint)).all() == []

    supplier.get_by_placeholder("For example 1250.00").fill("1250.00")
    _date(supplier, "Late payment only: invoice date", day)
    supplier.get_by_role("button", name="Submit").click()

    [case] = tb.wait_rows(local.engine, lambda session: session.exec(select(Complaint)).all())
    answer = supplier.get_by_text(re.compile(f"Your case reference is {case.reference}"))
    expect(answer).to_be_visible()
    # The receipt in their 1:1 chat with msbot.
    expect(supplier.get_by_text(f"Complaint {case.reference} received").last).to_be_visible()
    # The team sees the new case's card in the triage channel.
    tb.open_channel(team, teams_people.TRIAGE_CHANNEL_NAME)
    card = tb.post(team, f"Complaint {case.reference}")
    expect(card).to_have_count(1)
    expect(card.get_by_text("Riverside NHS Trust", exact=True)).to_be_visible()
