"""Browser stories in Microsoft's Teams client emulator (the Agents Playground, in Chromium):
the team's side of a case. A supplier's complaint arrives as a card in the triage channel; a
lead takes it with "Assign to me" and the same card changes in place; replies in the card's
thread become notes, and a mention of msbot there runs a thread command whose answer is
private (the person's 1:1 chat, never the channel)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from bot.people import TEAMS
from handlers.local import teams_people
from models import CaseNote, Complaint, PlatformAccount
from tests import teams_browser as tb

LEAD = teams_people.ACCOUNTS["ULEAD"]


@pytest.fixture
def team(tmp_path, chromium, request):
    """`msbot local --teams` with the team's playground, signed in as the lead (Lena Okafor)."""
    with tb.pages_for(tmp_path, chromium, request.node.name, ("team",)) as (local, pages):
        yield local, pages["team"]


def _lead_person_id(local) -> int:
    with Session(local.engine) as session:
        return session.exec(
            select(PlatformAccount.person_id).where(
                PlatformAccount.platform == TEAMS, PlatformAccount.user_id == LEAD.aad_object_id
            )
        ).one()


def test_assign_to_me_changes_the_triage_card_in_place(team):
    local, page = team
    case = tb.raise_case(local)
    tb.open_channel(page, teams_people.TRIAGE_CHANNEL_NAME)
    heading = f"Complaint {case.reference}"
    card = tb.post(page, heading)
    expect(card).to_have_count(1)
    expect(card.get_by_text("Unassigned", exact=True)).to_be_visible()

    tb.press(card, "Assign to me")

    # The same card now names the lead and no longer offers the button; no second card.
    expect(card.get_by_text(LEAD.name, exact=True)).to_be_visible()
    expect(card.get_by_role("button", name="Assign to me")).to_have_count(0)
    expect(card.get_by_role("button", name="Triage", exact=True)).to_be_visible()
    expect(tb.post(page, heading)).to_have_count(1)
    # What happened is said in the card's thread, for the team.
    line = card.get_by_text(re.compile(rf"{LEAD.name} .*assigned", re.IGNORECASE))
    expect(line).to_be_visible()
    # The picture for the README: the card changed in place, the line in its thread below.
    line.scroll_into_view_if_needed()
    tb.shot(page, "teams_triage_card_assigned")
    lead = _lead_person_id(local)
    with Session(local.engine) as session:
        assert session.get(Complaint, case.id).assignee_id == lead


def test_a_reply_is_a_note_and_a_mention_answers_privately(team):
    local, page = team
    case = tb.raise_case(local)
    tb.open_channel(page, teams_people.TRIAGE_CHANNEL_NAME)
    card = tb.post(page, f"Complaint {case.reference}")
    expect(card).to_have_count(1)
    root = tb.card_activity_id(local, case)

    note = "Rang the council's procurement lead; they will send the scoring sheet."
    tb.type_in(page, tb.reply_box(card), note)
    expect(card.get_by_text(note, exact=True)).to_be_visible()
    tb.deliver_thread_reply(local, "ULEAD", root, note)

    tb.type_in(page, tb.reply_box(card), "timeline", mention=True)

    # The timeline is for the person who asked: their 1:1 chat with msbot, not the channel.
    tb.open_personal_chat(page)
    # (.last: the chat list previews the newest message too)
    answer = page.get_by_text(re.compile(rf"^Timeline of {case.reference}")).last
    expect(answer).to_be_visible()
    expect(answer).to_contain_text("Rang the council")
    with Session(local.engine) as session:
        notes = session.exec(select(CaseNote).where(CaseNote.complaint_id == case.id)).all()
    assert [n.text for n in notes] == [note]
    tb.open_channel(page, teams_people.TRIAGE_CHANNEL_NAME)
    card = tb.post(page, f"Complaint {case.reference}")
    expect(card.get_by_text(note, exact=True)).to_be_visible()
    expect(card.get_by_text(re.compile("^Timeline of"))).to_have_count(0)
