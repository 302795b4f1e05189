"""Microsoft's Teams client emulator in Chromium, talking to the Teams front end running here:
what a person sees when they open msbot in Teams and ask it for help."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from handlers.teams import welcome
from tests import browser, teams_browser
from tests.teams_playground import listening_addresses

SEEN = 15_000


@pytest.fixture
def playground(tmp_path):
    """What `msbot local --teams` starts: the front end (no token: the playground sends none)
    and a playground pointed at it, here a supplier's."""
    running = teams_browser.start(tmp_path, views=("supplier",))
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


def test_help_in_teams_lists_what_msbot_does(teams_page, playground):
    cards = teams_page.get_by_text(welcome.WELCOME_TITLE, exact=True)
    # Opening the chat installs msbot, which says hello once.
    expect(cards).to_have_count(1, timeout=SEEN)

    teams_page.locator("[data-lexical-editor=true]").click()
    teams_page.keyboard.type("help")
    teams_page.keyboard.press("Enter")

    # The person's message in the chat (the chat list shows it as a preview too), and the
    # words msbot understands in a 1:1 chat.
    expect(teams_page.locator("span").get_by_text("help", exact=True)).to_be_visible()
    expect(teams_page.get_by_text("What I can do", exact=True)).to_be_visible(timeout=SEEN)
    for word in ("home", "complaint", "status"):
        expect(teams_page.get_by_text(word, exact=True).last).to_be_visible()
    expect(cards).to_have_count(1)


def test_the_playground_listens_on_loopback_only(playground):
    # Without tools/teams-playground/loopback.cjs it would listen on every interface (::).
    assert listening_addresses(playground.port) == {"127.0.0.1"}
