"""Microsoft's Teams client emulator in Chromium, talking to the Teams front end running here:
what a person sees when they open msbot in Teams and ask it for help."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from handlers.local import teams_local
from handlers.teams import welcome
from tests import browser
from tests.teams_playground import listening_addresses, require_playground

SEEN = 15_000


@pytest.fixture
def playground():
    """What `msbot local --teams` starts: the front end (no token: the playground sends none)
    and the playground pointed at it."""
    require_playground()
    running = teams_local.start(port=0)
    yield running.playground
    running.close()


@pytest.fixture
def teams_page(chromium, playground, request):
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(SEEN)
    tab = context.new_page()
    tab.goto(playground.url)
    yield tab
    browser.screenshot(tab, request.node.name)
    context.close()


def test_help_in_teams_gets_the_welcome_card(teams_page, playground):
    cards = teams_page.get_by_text(welcome.WELCOME_TITLE, exact=True)
    # Opening the chat installs msbot, which says hello once.
    expect(cards).to_have_count(1, timeout=SEEN)

    teams_page.locator("[data-lexical-editor=true]").click()
    teams_page.keyboard.type("help")
    teams_page.keyboard.press("Enter")

    # The person's message in the chat (the chat list shows it as a preview too).
    expect(teams_page.locator("span").get_by_text("help", exact=True)).to_be_visible()
    expect(cards).to_have_count(2, timeout=SEEN)
    expect(teams_page.get_by_text(welcome.NOT_YET_TEXT).nth(1)).to_be_visible()
    expect(teams_page.get_by_text(welcome.HELP_HINT).nth(1)).to_be_visible()


def test_the_playground_listens_on_loopback_only(playground):
    # Without tools/teams-playground/loopback.cjs it would listen on every interface (::).
    assert listening_addresses(playground.port) == {"127.0.0.1"}
