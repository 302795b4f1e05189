"""What the Teams browser stories share: `msbot local --teams` started for a test (its own
SQLite database, one Agents Playground per person), a Chromium page on a person's playground,
and what a person does there (open a channel or the 1:1 chat, press a card's button, reply in
a card's thread, mention msbot, open the "Raise a complaint" dialog).

The playground is Microsoft's Teams client emulator; these helpers find things the way a person
does (by the words on screen), scoped to one post (a ``role=group`` card in the channel).
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import httpx
from playwright.sync_api import Locator, Page, expect
from sqlmodel import Session

from bot.complaints import intake
from bot.conversations import CASE_CARD, message_of
from bot.db import transaction
from bot.people import TEAMS, person_for
from bot.permissions import Actor
from handlers.local import teams_local, teams_people
from handlers.teams.package import RAISE_COMPLAINT_COMMAND
from models import Complaint
from tests import browser
from tests.teams_playground import require_playground

SEEN = 20_000  # ms: long enough for the outbox worker (1 s interval) and a card's refresh


def start(tmp_path, views=("team",), demo_data: bool = False) -> teams_local.LocalTeams:
    """What `msbot local --teams` starts, on a throwaway database; fails (in CI) or skips
    when the playground is not installed, rather than running without it."""
    require_playground()
    return teams_local.start(
        port=0,
        database_url=f"sqlite:///{tmp_path}/teams-local.db",
        views=views,
        demo_data=demo_data,
    )


def open_page(chromium, playground, width: int = 1280, height: int = 900) -> Page:
    context = chromium.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(SEEN)
    # What msbot posts arrives through the outbox: on a loaded CI machine that can take longer
    # than expect()'s own 5 s, so the stories wait as long as their clicks do (bounded).
    expect.set_options(timeout=SEEN)
    page = context.new_page()
    page.goto(playground.url, wait_until="networkidle")
    # The playground installs msbot for the person when the page opens. Its log panel (the
    # requests, for developers) is closed: the screenshots show what a person reads.
    expect(page.get_by_text("Personal Chat", exact=True).first).to_be_visible()
    page.get_by_title("Toggle Log Panel").click()
    return page


@contextlib.contextmanager
def pages_for(tmp_path, chromium, name: str, views, demo_data: bool = False):
    """`msbot local --teams` with a page open on each view's playground: (local, {view: page});
    each page's last screen is saved as ``<name>_<view>.png`` under test-artifacts/."""
    local = start(tmp_path, views=views, demo_data=demo_data)
    pages: dict[str, Page] = {}
    try:
        for view in views:
            pages[view] = open_page(chromium, local.playgrounds[view])
        yield local, pages
    finally:
        for view, page in pages.items():
            shot(page, f"{name}_{view}")
            page.context.close()
        local.close()


def shot(page: Page, name: str):
    return browser.screenshot(page, name)


# Where a person goes.
def open_channel(page: Page, name: str) -> None:
    page.get_by_role("treeitem", name=f"{teams_people.TEAM_NAME} - {name}").click()
    expect(page.get_by_text("Start a new post")).to_be_visible()


def open_personal_chat(page: Page) -> None:
    page.get_by_role("treeitem", name="Personal Chat").click()


def post(page: Page, text: str) -> Locator:
    """The channel post (a card and its replies) showing ``text``."""
    return page.get_by_role("group").filter(has_text=text)


# What a person does.
def press(card: Locator, title: str) -> None:
    card.get_by_role("button", name=title, exact=True).click()


def type_in(page: Page, editor: Locator, text: str, mention: bool = False) -> None:
    """Type into a compose box (the 1:1 chat's, or a post's reply box) and send; with
    ``mention``, start with @msbot picked from the suggestions, as a person does."""
    editor.click()
    if mention:
        page.keyboard.type("@")
        page.get_by_role("menuitem", name=teams_people.BOT_NAME).click()
        page.keyboard.type(" ")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def reply_box(card: Locator) -> Locator:
    return card.locator("[data-lexical-editor=true]")


def compose_box(page: Page) -> Locator:
    return page.locator("[data-lexical-editor=true]").last


def open_raise_complaint(page: Page) -> None:
    """The message extension's action command, as the compose box's "+" offers it (the
    playground does not read the manifest, so the person names the command as it is there)."""
    page.get_by_role("button", name="Trigger Message Extension App").last.click()
    page.get_by_text("Action Command", exact=True).click()
    page.get_by_placeholder("Input command id or leave blanks").fill(RAISE_COMPLAINT_COMMAND)
    page.get_by_role("button", name="Create").click()


# Cases made as the core makes them, for stories about what follows intake.
def raise_case(local: teams_local.LocalTeams, who: str = "USUPPLIER", **changes) -> Complaint:
    """A complaint raised by the demo person ``who`` (their Teams account), as the dialog
    would store it; its triage card is queued for the team's channel."""
    engine, settings = local.engine, local.services.settings
    account = teams_people.ACCOUNTS[who]
    with transaction(engine) as session:
        reporter = person_for(
            session, TEAMS, teams_people.TENANT_ID, account.aad_object_id, account.name
        ).id
    today = local.services.today()
    answers = {
        "authority_name": "Northshire County Council",
        "authority_kind": "wider",
        "procurement_title": "Home care framework 2026",
        "stage": "evaluation",
        "category": "evaluation",
        "procurement_date": today - timedelta(days=30),
        "what_happened": "Our quality score was cut from 8 to 4 with no reason given.",
        "outcome_wanted": "A fair re-evaluation, or a clear explanation.",
        "organisation_name": "Patel Care Ltd",
        "organisation_type": "sme",
    }
    form = intake.ComplaintForm(**{**answers, **changes})
    policy = intake.IntakePolicy(
        sla_central_months=settings.sla_central_months,
        sla_wider_months=settings.sla_wider_months,
    )
    result = intake.submit(
        engine,
        form,
        actor=Actor(reporter),
        submission_key=f"story-{uuid.uuid4().hex}",
        today=today,
        policy=policy,
    )
    local.services.send_queued()
    return result.complaint


def wait_rows(engine, query: Callable[[Session], list], timeout: float = SEEN / 1000) -> list:
    """Poll the database (a fresh session each time: a SQLite session would hold the write
    lock the front end needs) until ``query`` finds rows; bounded."""
    deadline = time.monotonic() + timeout
    while True:
        with Session(engine) as session:
            found = list(query(session))
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def card_activity_id(local: teams_local.LocalTeams, case: Complaint) -> str:
    with Session(local.engine) as session:
        posted = message_of(session, TEAMS, CASE_CARD, case.id)
    assert posted is not None, "the case's card was not posted in Teams"
    return posted.message_id


def deliver_thread_reply(
    local: teams_local.LocalTeams, who: str, root_id: str, text: str, shown_id: str | None = None
) -> None:
    """A plain reply in a card's thread reaching msbot as Teams delivers it to an app with the
    ChannelMessage.Read.Group consent. The playground does not emulate that consent (it
    forwards a channel message only when it mentions msbot), so the story types the reply in
    the playground, where the team sees it, and this delivers the same message to msbot."""
    account = teams_people.ACCOUNTS[who]
    playground = local.playgrounds["team"]
    body = {
        "type": "message",
        "id": shown_id or uuid.uuid4().hex,
        "channelId": "msteams",
        "serviceUrl": teams_local.connector_url(playground.port),
        "from": {"id": account.user_id, "name": account.name, "aadObjectId": account.aad_object_id},
        "recipient": {"id": teams_people.BOT_APP_ID, "name": teams_people.BOT_NAME},
        "conversation": {
            "id": f"{teams_people.TRIAGE_CHANNEL_ID};messageid={root_id}",
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": teams_people.TENANT_ID,
        },
        "channelData": {
            "tenant": {"id": teams_people.TENANT_ID},
            "channel": {"id": teams_people.TRIAGE_CHANNEL_ID},
            "team": {"id": teams_people.TEAM_ID},
        },
        "text": text,
        "textFormat": "plain",
    }
    answer = httpx.post(local.bot.messages_url, json=body, timeout=20)
    assert answer.status_code == 200, answer.text


def record_sends(local: teams_local.LocalTeams) -> list[tuple[str, str]]:
    """Every request msbot makes to a Bot Connector from now on, as (url, JSON body): what it
    sent, whichever playground shows it."""
    connector = local.services.connector
    sent: list[tuple[str, str]] = []
    send = connector._send

    def recording(method: str, url: str, body: dict):
        sent.append((url, json.dumps(body)))
        return send(method, url, body)

    connector._send = recording
    return sent
