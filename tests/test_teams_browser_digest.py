"""Browser story in Microsoft's Teams client emulator (the Agents Playground, in Chromium): the
weekly digest reaches the leads' channel as one Adaptive Card with its figures and the chart
inside it (the playground shows no bare image attachment), on the demo's data."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from handlers.local import teams_people
from handlers.teams import digest_card
from tests import teams_browser as tb


@pytest.fixture
def lead(tmp_path, chromium, request):
    """`msbot local --teams --demo`, the team's playground signed in as the lead."""
    name = request.node.name
    with tb.pages_for(tmp_path, chromium, name, ("team",), demo_data=True) as (local, pages):
        yield local, pages["team"]


def test_the_weekly_digest_is_one_card_with_its_chart_in_the_leads_channel(lead):
    local, page = lead
    # The demo's data is made once the team's page has opened (handlers/local/teams_local.py).
    assert local.demo_ready.wait(60)
    assert local.run_job("weekly_digest") == "done"

    tb.open_channel(page, "General")  # the demo team's General channel is the leads'
    digest = tb.post(page, digest_card.TITLE)
    expect(digest).to_have_count(1)
    expect(digest.get_by_text(digest_card.TITLE, exact=True)).to_be_visible()
    chart_name = re.compile("^Bar chart of cases received per month")
    chart = digest.get_by_role("img", name=chart_name)
    chart.scroll_into_view_if_needed()  # the screenshot shows the chart
    expect(chart).to_be_visible()
    # The picture really drew (a broken data: URI has no natural width).
    assert chart.evaluate("img => img.complete && img.naturalWidth") > 100
    # One message: the chart did not come as a second post.
    expect(page.get_by_role("img", name=chart_name)).to_have_count(1)
    assert teams_people.LEADS_CHANNEL_ID == teams_people.TEAM_ID
