"""End to end in a real browser: people use msbot through the local workspace page.

The page sends msbot requests signed as Slack signs them and msbot answers over the fake Web
API, so these stories run the production code paths. SQLite only: the workspace's own database
is SQLite, and every story's core behaviour is already covered on both backends elsewhere.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session, select

from bot.bootstrap import job_registry
from bot.clock import today_uk
from bot.complaints import intake
from bot.permissions import Actor
from bot.shadowing import hosts, signup
from handlers.local.server import Local
from models import CaseNote, Complaint
from models.base import utcnow
from tests import browser
from tests.browser import be, dm_bubble, open_dm, send
from tests.people_ids import in_database, slack_id

TIMEOUT = 10_000
# A 2x2 red PNG (what a digest chart upload looks like to the workspace).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73"
    "0000001049444154789c63f8cfc000440c100a001fee03fd8b5f14d40000000049454e44ae426082"
)


def test_supplier_files_an_anonymous_complaint_and_sees_confirmation_and_dm(page, local):
    be(page, "Alex Reid — anonymous supplier")
    open_dm(page)
    send(page, "/complaint")
    modal = page.get_by_role("dialog")
    expect(modal.get_by_role("heading", name="Raise a complaint")).to_be_visible()

    # Submitting it empty: msbot's errors appear next to their fields, nothing is lost.
    modal.get_by_label("Contracting authority").fill("Westvale Borough Council")
    modal.get_by_role("button", name="Submit").click()
    expect(modal.locator(".has-error").first).to_be_visible()
    expect(modal.get_by_label("Contracting authority")).to_have_value("Westvale Borough Council")

    modal.get_by_label("Kind of authority").select_option(label="Central government")
    modal.get_by_label("Procurement title").fill("Youth services contract")
    modal.get_by_label("Stage").select_option(label="Award")
    modal.get_by_label("What went wrong").select_option(label="Feedback to bidders")
    happened = today_uk() - timedelta(days=20)
    modal.get_by_label("Date of the procurement (or of the event)").fill(happened.isoformat())
    modal.get_by_label("What happened").fill("We lost and were refused any <!channel> feedback.")
    modal.get_by_label("What outcome would you like").fill("Our scores and the reasons.")
    modal.get_by_label("Your organisation").fill("Community Works CIC")
    modal.get_by_label("Type of organisation").select_option(label="Social enterprise")
    modal.get_by_label("Keep me anonymous").check()
    modal.get_by_role("button", name="Submit").click()

    expect(modal.get_by_role("heading", name="Complaint received")).to_be_visible()
    expect(modal).to_contain_text("Your case reference is MS-")
    reference = modal.locator("b", has_text="MS-").first.inner_text()
    modal.get_by_role("button", name="Done").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(dm_bubble(page, f"We have received your complaint {reference}")).to_be_visible()

    # The supplier is not in the team's channels: they cannot see the triage channel.
    expect(page.get_by_role("button", name="# complaints-triage")).to_have_count(0)
    # The triage channel sees the case, never who raised it.
    be(page, "Ivy Chen — investigator")
    page.get_by_role("button", name="# complaints-triage").click()
    card = page.locator("#messages article").filter(has_text=reference)
    expect(card).to_be_visible()
    # (The "Assign to..." member picker lists everyone; the case itself never names them.)
    expect(card.locator(".fields")).to_contain_text("Anonymous")
    expect(card.locator(".fields")).not_to_contain_text("Alex Reid")
    posted = [c.args for c in local.workspace.fake.of("chat.postMessage")]
    assert all("UANON" not in str(a) for a in posted if a.get("channel") == "CTRIAGE")
    # The text the supplier typed is escaped: no live @channel anywhere on the page.
    expect(page.locator(".mention.broadcast")).to_have_count(0)
    assert not local.workspace.problems


def test_a_modal_is_keyboard_usable(page):
    open_dm(page)
    send(page, "/complaint")
    expect(page.get_by_role("dialog").get_by_label("Contracting authority")).to_be_focused()
    page.keyboard.press("Shift+Tab")  # focus stays inside the dialog: onto its last button
    expect(page.get_by_role("dialog").get_by_role("button", name="Submit")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#compose-text")).to_be_focused()


def test_civil_servant_signs_up_and_manager_approves_from_the_dm(page, local):
    be(page, "Chris Doyle — civil servant")
    open_dm(page)
    send(page, "/shadow signup")
    modal = page.get_by_role("dialog")
    expect(modal.get_by_role("heading", name="Work-shadowing sign-up")).to_be_visible()
    modal.get_by_label("Your department").select_option(label="HM Treasury")
    modal.get_by_label("Grade").select_option(label="Higher Executive Officer (HEO)")
    modal.get_by_label("Your role").fill("Policy adviser")
    modal.get_by_label("Where you are based").select_option(label="London")
    modal.get_by_role("radiogroup", name="How you could take part").get_by_label("Either").check()
    modal.get_by_label("Areas you are interested in").select_option(label=["Health", "Housing"])
    modal.get_by_label("What you want to learn").fill("How charities reach people.")
    start = today_uk() + timedelta(days=10)
    modal.get_by_label("Available from").fill(start.isoformat())
    modal.get_by_label("Available until").fill((start + timedelta(days=60)).isoformat())
    modal.get_by_label("Length of placement").select_option(label="A week")
    modal.get_by_label("Your line manager").select_option(label="Maya Singh (line manager)")
    modal.get_by_role("button", name="Submit").click()
    expect(modal.get_by_role("heading", name="Sign-up received")).to_be_visible()
    expect(modal).to_contain_text("We have asked @Maya Singh")
    modal.get_by_role("button", name="Done").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    be(page, "Maya Singh — line manager")
    request = dm_bubble(page, "needs your approval")
    expect(request).to_contain_text("@Chris Doyle")
    # Keyboard: focus stays on the button while other messages arrive; Enter presses it.
    approve = request.get_by_role("button", name="Approve")
    approve.focus()
    client = WebClient(token="xoxb-local", base_url=local.workspace.fake.url)
    client.chat_postMessage(channel="DUMANAGER", text="Something else arrived")
    expect(dm_bubble(page, "Something else arrived")).to_be_visible()
    expect(approve).to_be_focused()
    page.keyboard.press("Enter")
    expect(request).to_contain_text("approved", ignore_case=True)
    expect(request.get_by_role("button", name="Approve")).to_have_count(0)

    be(page, "Chris Doyle — civil servant")
    expect(dm_bubble(page, "Your line manager approved")).to_be_visible()
    assert not local.workspace.problems


def _queued_applicant_and_open_host(local) -> None:
    """The round's inputs, made through the core as the demo makes them."""
    today, departments = today_uk(), local.settings.departments
    start, end = today + timedelta(days=14), today + timedelta(days=120)
    hosts.offer_places(
        local.engine,
        hosts.HostForm(
            organisation="Shelter Together",
            contact_name="Hugo",
            areas=("housing",),
            region="london",
            mode="either",
            capacity=1,
            available_from=start,
            available_to=end,
            activities="Visits",
        ),
        actor=Actor(in_database(local.engine, "UHOST")),
        submission_key="h1",
        today=today,
        departments=departments,
    )
    applicant = signup.sign_up(
        local.engine,
        signup.SignupForm(
            department="HM Treasury",
            grade="HEO",
            role="Adviser",
            region="london",
            mode="either",
            interests=("housing",),
            learning_goals="Learn",
            available_from=start,
            available_to=end,
            length="week",
            manager_id=in_database(local.engine, "UMANAGER"),
        ),
        actor=Actor(in_database(local.engine, "UCIVIL")),
        submission_key="s1",
        today=today,
        departments=departments,
    )
    manager = Actor(in_database(local.engine, "UMANAGER"))
    signup.decide(local.engine, applicant.id, actor=manager, approve=True, now=utcnow())


def test_coordinator_runs_a_round_and_both_sides_accept(page, local):
    _queued_applicant_and_open_host(local)
    be(page, "Cora Wallace — coordinator")
    open_dm(page)
    send(page, "/shadow round")
    summary = dm_bubble(page, "Dry run of matching round").last
    expect(summary).to_contain_text("Only visible to you")
    summary.get_by_role("button", name="Commit round").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Send offers").click()
    expect(summary.get_by_role("button", name="Commit round")).to_have_count(0)

    be(page, "Chris Doyle — civil servant")
    offer = dm_bubble(page, "You have a work-shadowing offer from Shelter Together")
    offer.get_by_role("button", name="Accept").click()
    expect(offer).to_contain_text("accepted", ignore_case=True)

    be(page, "Hugo Brennan — host")
    offer = dm_bubble(page, "has been matched to Shelter Together")
    offer.get_by_role("button", name="Accept").click()
    expect(dm_bubble(page, "confirmed").first).to_be_visible()
    assert not local.workspace.problems


def test_mrkdwn_renders_as_slack_does_and_a_broken_rule_is_shown(page, local):
    client = WebClient(token="xoxb-local", base_url=local.workspace.fake.url)
    client.chat_postMessage(
        channel="CTRIAGE",
        text="<!channel> *bold* _it_ `code` &lt;!here&gt; <https://gov.example|the notice>",
    )
    client.files_upload_v2(
        channel="CTRIAGE", content=PNG, filename="chart.png", title="Weekly chart"
    )
    rich = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "user", "user_id": "UINVEST1"},
                    {"type": "text", "text": " took it", "style": {"italic": True}},
                ],
            }
        ],
    }
    client.chat_postMessage(channel="CTRIAGE", text="note", blocks=[rich])
    with pytest.raises(SlackApiError):
        client.api_call("chat.postMesage")
    be(page, "Ivy Chen — investigator")
    page.get_by_role("button", name="# complaints-triage").click()
    expect(page.locator("#messages .mention", has_text="@Ivy Chen")).to_be_visible()
    expect(page.locator("#messages i", has_text="took it")).to_be_visible()
    message = page.locator("#messages article").first
    # An unescaped broadcast is live (and highlighted); an escaped one is plain text.
    expect(message.locator(".mention.broadcast")).to_have_text("@channel")
    expect(message).to_contain_text("<!here>")
    expect(message.locator(".text b")).to_have_text("bold")
    expect(message.locator("i")).to_have_text("it")
    expect(message.locator("code")).to_have_text("code")
    expect(message.get_by_role("link", name="the notice")).to_have_attribute(
        "href", "https://gov.example"
    )
    expect(page.get_by_role("img", name="Weekly chart")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("unknown_method")
    page.get_by_role("button", name="Inspector").click()
    expect(page.locator("#log .problem")).to_contain_text("chat.postMesage")


def test_app_home_threads_and_mentions_reach_msbot_as_slack_sends_them(page, local):
    client = WebClient(token="xoxb-local", base_url=local.workspace.fake.url)
    card = client.chat_postMessage(channel="CTRIAGE", text="Not a case card")

    be(page, "Lena Okafor — lead")
    page.get_by_role("button", name="msbot · Home").click()
    expect(page.get_by_role("heading", name="Team queue")).to_be_visible()

    page.get_by_role("button", name="# complaints-triage").click()
    page.get_by_role("button", name="Reply in thread").click()
    page.locator("#thread-text").fill("On it")
    page.locator("#thread-text").press("Enter")
    expect(page.locator("#thread-messages article").filter(has_text="On it")).to_be_visible()
    expect(page.get_by_role("button", name="1 reply")).to_be_visible()
    send(page, "@msbot help")
    expect(page.locator("#messages .mention").first).to_have_text("@msbot")
    # Outside a case thread msbot says so, privately.
    expect(page.locator("#messages article").filter(has_text="Only visible to you")).to_be_visible()

    ws = local.workspace
    assert ws.wait_for_request("app_home_opened")["payload"]["event"]["user"] == "ULEAD"
    reply = ws.wait_for_request("message")["payload"]["event"]
    assert (reply["thread_ts"], reply["text"]) == (card["ts"], "On it")
    assert ws.wait_for_request("app_mention")["payload"]["event"]["text"] == "<@UBOT> help"
    assert not ws.problems


def _file_a_complaint(local) -> str:
    """A supplier's complaint, stored through the core as intake stores it; its card is sent."""
    today = today_uk()
    result = intake.submit(
        local.engine,
        intake.ComplaintForm(
            authority_name="Northshire County Council",
            authority_kind="wider",
            procurement_title="Home care framework",
            stage="evaluation",
            category="evaluation",
            procurement_date=today - timedelta(days=30),
            what_happened="Our quality score was cut with no reason given.",
            outcome_wanted="A fair re-evaluation.",
            organisation_name="Patel Care Ltd",
            organisation_type="sme",
        ),
        actor=Actor(in_database(local.engine, "USUPPLIER")),
        submission_key="browser-case",
        today=today,
        policy=intake.IntakePolicy(
            sla_central_months=local.settings.sla_central_months,
            sla_wider_months=local.settings.sla_wider_months,
        ),
    )
    local.services.send_queued()
    return result.complaint.reference


def _eventually(check, what: str, timeout: float = 10.0):
    """Poll the database until ``check()`` returns something (a bounded wait for a condition,
    as Playwright's expect does for the page)."""
    deadline = time.monotonic() + timeout
    while (found := check()) is None or found == []:
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return found


def test_investigator_assigns_from_the_card_and_replies_in_its_thread(page, local):
    reference = _file_a_complaint(local)
    be(page, "Ivy Chen — investigator")
    page.get_by_role("button", name="# complaints-triage").click()
    card = page.locator("#messages article").filter(has_text=f"Complaint {reference}")
    expect(card.locator(".fields")).to_contain_text("Unassigned")
    card.get_by_role("button", name="Assign to me").click()

    # The same message is updated in place (chat.update): one card, now hers.
    expect(card.locator(".fields")).to_contain_text("@Ivy Chen")
    expect(card.get_by_role("button", name="Assign to me")).to_have_count(0)
    expect(
        page.locator("#messages article").filter(has_text=f"Complaint {reference}")
    ).to_have_count(1)
    fake = local.workspace.fake
    (first,) = [
        c
        for c in fake.of("chat.postMessage")
        if c.args.get("channel") == "CTRIAGE" and not c.args.get("thread_ts")
    ]
    fake.wait_for_call("chat.update", channel="CTRIAGE", ts=first.response["ts"])

    # Her reply in the card's thread is kept as an internal case note.
    card.locator(".thread-link").click()  # "1 reply": msbot noted the assignment there
    page.locator("#thread-text").fill("Called the council; they will send the scores.")
    page.locator("#thread-text").press("Enter")
    thread = page.locator("#thread-messages article")
    expect(thread.filter(has_text="Called the council")).to_be_visible()
    expect(thread.filter(has_text="assigned")).not_to_have_count(0)

    def note():
        with Session(local.engine) as s:
            return s.exec(select(CaseNote)).first()

    stored = _eventually(note, "the case note")
    assert (slack_id(stored.author_id, local.engine), stored.text) == (
        "UINVEST1",
        "Called the council; they will send the scores.",
    )
    with Session(local.engine) as s:
        case = s.exec(select(Complaint).where(Complaint.reference == reference)).one()
    assert (slack_id(case.assignee_id, local.engine), stored.complaint_id) == ("UINVEST1", case.id)
    assert not local.workspace.problems


def test_lead_opens_app_home_and_sees_the_team_queue(chromium, tmp_path, request):
    demo = Local(database_url=f"sqlite:///{tmp_path}/demo.db", seed_demo=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT)
    tab = context.new_page()
    try:
        tab.goto(demo.url)
        be(tab, "Lena Okafor — lead")
        tab.get_by_role("button", name="msbot · Home").click()
        home = tab.locator("#home")
        expect(home.get_by_role("heading", name="Team queue")).to_be_visible()
        for label in ("Waiting for the authority", "Waiting for the supplier", "Follow-up due"):
            expect(home).to_contain_text(label)
        expect(home.get_by_role("heading", name="Your cases")).to_be_visible()
        # The unassigned queue holds the demo's one new case, with its reference.
        expect(home).to_contain_text("Unassigned queue")
        expect(home).to_contain_text("MS-")
        published = demo.workspace.fake.wait_for_call("views.publish", user_id="ULEAD")
        assert published.args["view"]["type"] == "home"
        assert not demo.workspace.problems
    finally:
        browser.screenshot(tab, request.node.name)
        context.close()
        demo.close()


def test_a_lead_runs_the_weekly_digest_now_and_sees_it_with_its_chart(page, local):
    _file_a_complaint(local)
    # The control lists exactly the registry's jobs (filled in once the page has asked the
    # server for them: wait for them rather than read a list still empty on a busy machine).
    names = sorted(job.name for job in job_registry().all())
    expect(page.locator("#job option")).to_have_count(len(names))
    options = page.locator("#job option").all_inner_texts()
    assert options == names
    assert "weekly_digest" in options

    be(page, "Lena Okafor — lead")
    page.get_by_label("Scheduled job").select_option("weekly_digest")
    page.get_by_role("button", name="Run now").click()
    page.get_by_role("button", name="# complaints-leads").click()
    digest = page.locator("#messages article").first
    expect(digest).to_be_visible()
    chart = page.locator("#messages article img")
    expect(chart).to_be_visible()
    # The chart is the PNG msbot uploaded (files_upload_v2), shown from the fake's store.
    fake = local.workspace.fake
    done = fake.wait_for_call("files.completeUploadExternal", channel_id="CLEADS")
    assert done.ok
    assert any(data.startswith(b"\x89PNG") for data in fake.uploads.values())
    assert chart.evaluate("img => img.naturalWidth") > 100
    expect(chart).to_be_in_viewport()  # scrolled into view once it loaded
    assert local.workspace.log[-1]["name"] != "problem"
    assert not local.workspace.problems


def test_investigator_tells_the_supplier_and_their_dm_thread_reply_returns_to_the_case(page, local):
    reference = _file_a_complaint(local)
    be(page, "Ivy Chen — investigator")
    page.get_by_role("button", name="# complaints-triage").click()
    card = page.locator("#messages article").filter(has_text=f"Complaint {reference}")
    card.get_by_role("button", name="Assign to me").click()
    expect(card.locator(".fields")).to_contain_text("@Ivy Chen")
    card.locator(".thread-link").click()
    page.locator("#thread-text").fill("@msbot tell-supplier Could you send us the scores?")
    page.locator("#thread-text").press("Enter")

    # The supplier gets it by DM and answers in that message's thread (message.im).
    be(page, "Sam Patel — supplier")
    open_dm(page)
    relay = dm_bubble(page, "Could you send us the scores?").last
    expect(relay).to_be_visible()
    relay.locator(".thread-link").click()
    page.locator("#thread-text").fill("Attached: 4 out of 10, no reasons.")
    page.locator("#thread-text").press("Enter")

    # Back in the case thread, the answer is there, and kept as the supplier's note.
    be(page, "Ivy Chen — investigator")
    page.get_by_role("button", name="# complaints-triage").click()
    card.locator(".thread-link").click()
    expect(
        page.locator("#thread-messages article").filter(has_text="4 out of 10, no reasons")
    ).to_be_visible()
    # msbot's line quoting what was sent shows as a quote, as Slack shows ">text".
    expect(
        page.locator("#thread-messages blockquote").filter(has_text="Could you send us")
    ).to_be_visible()

    def note():
        with Session(local.engine) as s:
            return s.exec(select(CaseNote).where(CaseNote.from_supplier)).first()

    stored = _eventually(note, "the supplier's note")
    assert stored.text == "Attached: 4 out of 10, no reasons."
    ws = local.workspace
    assert ws.wait_for_request("app_mention")["payload"]["event"]["thread_ts"]
    im = [
        e["payload"]["event"]
        for e in ws.log
        if e["kind"] == "request"
        and e["name"] == "message"
        and e["payload"]["event"].get("channel_type") == "im"
    ]
    assert im and im[-1]["thread_ts"] and im[-1]["user"] == "USUPPLIER"
    assert not ws.problems
