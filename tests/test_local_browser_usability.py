"""The local workspace as a keyboard user, a person on a narrow screen and a supplier use it.

Browser stories (Debian's chromium via Playwright) for what a first-time user hit: a form left
on screen after switching person, keyboard focus lost from the sidebar when anything arrived,
no layout for a 390 px window, and suppliers reading the team's channels.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser import be, open_dm, send


def _wait_for_a_change(page, since: int) -> None:
    page.wait_for_function(f"Number(document.body.dataset.version) > {since}")


def _version(page) -> int:
    return int(page.evaluate("document.body.dataset.version || -1"))


def test_switching_person_with_a_form_open_shows_each_person_their_own_screen(page, local):
    be(page, "Sam Patel — supplier")
    open_dm(page)
    send(page, "/complaint")
    form = page.get_by_role("dialog")
    expect(form.get_by_role("heading", name="Raise a complaint")).to_be_visible()

    # Another person has no form open: theirs is not left on screen.
    be(page, "Ivy Chen — investigator")
    expect(page.get_by_role("dialog")).to_have_count(0)

    # Back to the supplier: their form is there, and its Cancel works.
    be(page, "Sam Patel — supplier")
    expect(form.get_by_role("heading", name="Raise a complaint")).to_be_visible()
    form.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert local.workspace.modals.get("USUPPLIER") == []

    # Escape closes a reopened form too.
    send(page, "/complaint")
    expect(form).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert not local.workspace.problems


def test_keyboard_focus_stays_on_the_sidebar_while_messages_arrive(page, local):
    be(page, "Lena Okafor — lead")
    leads = page.get_by_role("navigation").get_by_role("button", name="# complaints-leads")
    leads.focus()
    for n in range(3):
        since = _version(page)
        local.workspace.say("UINVEST1", "CTRIAGE", f"Arriving while focused {n}")
        _wait_for_a_change(page, since)
        expect(leads).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#conversation-title")).to_have_text("# complaints-leads")
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("button", name="# complaints-leads")).to_be_focused()


def test_a_390_px_window_gives_the_conversation_the_width(chromium, local):
    context = chromium.new_context(viewport={"width": 390, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    try:
        tab.goto(local.url)
        be(tab, "Ivy Chen — investigator")
        tab.get_by_role("button", name="# complaints-triage").click()
        local.workspace.say("UINVEST2", "CTRIAGE", "A long line " * 30)
        message = tab.locator("#messages article").last
        expect(message).to_contain_text("A long line")
        width = tab.evaluate("document.documentElement.clientWidth")
        conversation = tab.locator("main.conversation").bounding_box()
        composer = tab.locator("#compose-text").bounding_box()
        box = message.bounding_box()
        assert conversation["width"] >= width - 2, conversation
        assert composer["width"] >= 250, composer
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
        # Nothing scrolls sideways.
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        # A thread covers the conversation at this width, and closes back to it.
        message.get_by_role("button", name="Reply in thread").click()
        thread = tab.locator("#thread").bounding_box()
        assert thread["width"] >= width - 2, thread
        tab.get_by_role("button", name="Close thread").click()
        expect(tab.locator("#thread")).to_be_hidden()
        tab.screenshot(path=_artifact("narrow-window"))
    finally:
        context.close()


def test_suppliers_are_not_in_the_teams_channels(page, local):
    be(page, "Sam Patel — supplier")
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("button", name="msbot", exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name="# complaints-triage")).to_have_count(0)
    expect(nav.get_by_role("button", name="# complaints-leads")).to_have_count(0)
    # What Slack would refuse: posting where they are not a member reaches nobody.
    refused = local.workspace.say("USUPPLIER", "CTRIAGE", "Let me in")
    assert refused["status"] == 403
    assert not [m for m in local.workspace.messages if m["text"] == "Let me in"]

    be(page, "Ivy Chen — investigator")
    expect(nav.get_by_role("button", name="# complaints-triage")).to_be_visible()
    expect(nav.get_by_role("button", name="# complaints-leads")).to_have_count(0)
    be(page, "Lena Okafor — lead")
    expect(nav.get_by_role("button", name="# complaints-leads")).to_be_visible()


def _artifact(name: str) -> str:
    from tests import browser

    browser.ARTIFACTS.mkdir(exist_ok=True)
    return str(browser.ARTIFACTS / f"{name}.png")
