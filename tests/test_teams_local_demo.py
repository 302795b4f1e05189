"""`msbot local --teams --demo` in Microsoft's Teams client emulator (the Agents Playground, in
Chromium): the demo's cases arrive as cards in the team's triage channel and the suppliers'
receipts in their 1:1 chats, everything made through the core with the demo's people as Teams
accounts (the lead holds the lead role by their Teams id)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from bot.people import TEAMS
from handlers.local import demo, teams_people
from models import Complaint, PlatformAccount
from tests import teams_browser as tb


@pytest.fixture
def local(tmp_path):
    running = tb.start(tmp_path, views=("team", "supplier"), demo_data=True)
    yield running
    running.close()


def test_the_demo_in_teams(local, chromium, request):
    # The demo's data is made once the team's page has opened: the playground keeps no
    # history, so its cards arrive on a page that shows them.
    assert not local.seeded
    team = tb.open_page(chromium, local.playgrounds["team"])
    assert local.demo_ready.wait(60) and local.seeded
    with Session(local.engine) as session:
        cases = session.exec(select(Complaint).order_by(Complaint.id)).all()
        accounts = session.exec(select(PlatformAccount)).all()
    assert len(cases) == len(demo.CASES) + 1  # and the spot check
    # Everyone in the demo is a Teams account in the demo's tenant.
    assert {(a.platform, a.workspace) for a in accounts} == {(TEAMS, teams_people.TENANT_ID)}
    lead = teams_people.ACCOUNTS["ULEAD"].aad_object_id
    assert lead in local.services.settings.lead_user_ids

    supplier = tb.open_page(chromium, local.playgrounds["supplier"])
    try:
        tb.open_channel(team, teams_people.TRIAGE_CHANNEL_NAME)
        newest = cases[-1]  # the channel shows the newest post first
        expect(tb.post(team, f"Spot check {newest.reference}")).to_have_count(1)

        # The playground shows a 1:1 chat from the moment its page opens (the demo's receipts
        # went out before): Sam asks msbot for the status of their complaints.
        tb.type_in(supplier, tb.compose_box(supplier), "status")
        sams = [c for c in cases if c.organisation_name == "Patel Care Ltd"]
        for case in sams:
            expect(supplier.get_by_text(case.reference).last).to_be_visible()
    finally:
        tb.shot(team, request.node.name)
        tb.shot(supplier, request.node.name + "_supplier")
        for page in (team, supplier):
            page.context.close()
