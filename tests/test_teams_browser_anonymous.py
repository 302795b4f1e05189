"""Browser story in Microsoft's Teams client emulator (the Agents Playground, in Chromium): an
anonymous supplier's answer reaches the team without their name. The lead asks a question from
the triage card ("Message the supplier"); it arrives in the supplier's 1:1 chat with msbot
(their own playground page); their plain reply there is relayed into the card's thread, and
nothing on the team's page, nor in what msbot sent the team, names them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from handlers.local import teams_local, teams_people
from tests import teams_browser as tb

SUPPLIER = teams_people.ACCOUNTS["UANON"]  # Alex Reid, who asked to stay anonymous
QUESTION = "Which lot did you bid for, and when were you told the result?"
ANSWER = "Lot 3, and we heard on 2 November by email."


@pytest.fixture
def pages(tmp_path, chromium, request):
    views = ("team", "anonymous")
    with tb.pages_for(tmp_path, chromium, request.node.name, views) as (local, pages):
        yield local, pages["team"], pages["anonymous"]


def test_an_anonymous_suppliers_answer_is_relayed_without_their_name(pages):
    local, team, supplier = pages
    case = tb.raise_case(local, "UANON", anonymous=True, organisation_name="Reid Youth Trust")
    sent = tb.record_sends(local)
    tb.open_channel(team, teams_people.TRIAGE_CHANNEL_NAME)
    card = tb.post(team, f"Complaint {case.reference}")
    expect(card.get_by_text("Anonymous supplier", exact=True)).to_be_visible()

    tb.press(card, "Message the supplier")
    card.get_by_role("textbox", name=re.compile("^Message to the supplier")).fill(QUESTION)
    card.get_by_role("checkbox", name=re.compile("^Wait for their answer")).first.check()
    tb.press(card, "Send")

    # The question in the supplier's 1:1 chat with msbot, and their plain answer there.
    tb.open_personal_chat(supplier)
    expect(supplier.get_by_text(QUESTION).last).to_be_visible()
    tb.type_in(supplier, tb.compose_box(supplier), ANSWER)

    # The answer in the card's thread, from "the supplier", never by name.
    expect(card.get_by_text(re.compile(re.escape(ANSWER)))).to_be_visible()
    for name in (SUPPLIER.name, SUPPLIER.person.name.split()[0], "Reid Youth Trust"):
        expect(team.get_by_text(re.compile(re.escape(name)))).to_have_count(0)
    # Nor does anything msbot sent to the team's playground (card refreshes, thread lines).
    team_connector = teams_local.connector_url(local.playgrounds["team"].port)
    to_team = " ".join(body for url, body in sent if url.startswith(team_connector))
    assert ANSWER in to_team
    assert SUPPLIER.name not in to_team and "Reid Youth Trust" not in to_team
