"""Every user-facing request, as a list of (name, request) pairs for tests/test_db_silent.py:
slash subcommands, button clicks, modal opens and submissions of both features, mention
commands, thread notes and App Home. Each is sent while the database is silent."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlencode

from handlers.slack.complaints import case_card
from tests import forms
from tests import investigation_slack as ev
from tests.conftest import TRIAGE
from tests.slack_client import FakeSlack, Reply
from tests.test_investigation_slack import resolve_values
from tests.test_shadow_gaps import conflict_values
from tests.test_shadow_slack import host_values, radio, signup_values

SUPPLIER, INV, LEAD, COORD = "USUP1", "UINV1", "ULEAD1", "UCOORD"
TEAM = {"INVESTIGATOR_IDS": INV, "LEAD_IDS": LEAD, "SHADOW_COORDINATOR_IDS": COORD}
REF = "MS-2026-0001"


class Ctx:
    """What a request needs: the signed client, the stub's response_url, the case's card."""

    def __init__(self, slack: FakeSlack, response_url: str, card_ts: str):
        self.slack, self.response_url, self.card_ts = slack, response_url, card_ts

    def click(self, action_id: str, value: str, user: str, block_id: str = "b") -> Reply:
        return self.slack.block_action(
            action_id,
            value,
            user=user,
            block_id=block_id,
            channel=TRIAGE,
            response_url=self.response_url,
        )

    def users_select(self, action_id: str, block_id: str, chosen: str, user: str) -> Reply:
        payload = {
            "type": "block_actions",
            "team": {"id": "T1", "domain": "t"},
            "user": {"id": user, "username": user, "team_id": "T1"},
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": "trig-select",
            "container": {"type": "message", "channel_id": TRIAGE, "message_ts": "1.1"},
            "channel": {"id": TRIAGE},
            "message": {"ts": "1.1", "text": "x"},
            "response_url": self.response_url,
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block_id,
                    "selected_user": chosen,
                    "type": "users_select",
                    "action_ts": "1.2",
                }
            ],
            "is_enterprise_install": False,
        }
        return self.slack.post(urlencode({"payload": json.dumps(payload)}))

    def event(self, event: dict, retry: int | None = None) -> Reply:
        return ev.send_event(self.slack, event, retry=retry)


def _cmd(command: str, text: str, user: str) -> Callable[[Ctx], Reply]:
    return lambda c: c.slack.command(command, text, user=user)


def _view(callback_id: str, values: dict, user: str, meta: str = "") -> Callable[[Ctx], Reply]:
    return lambda c: c.slack.view_submission(callback_id, values, user=user, private_metadata=meta)


PATHS: list[tuple[str, Callable[[Ctx], Reply]]] = [
    # /complaint subcommands
    ("/complaint status", _cmd("/complaint", "status", SUPPLIER)),
    ("/complaint status REF", _cmd("/complaint", f"status {REF}", SUPPLIER)),
    ("/complaint withdraw", _cmd("/complaint", f"withdraw {REF} changed my mind", SUPPLIER)),
    ("/complaint timeline", _cmd("/complaint", f"timeline {REF}", INV)),
    ("/complaint digest", _cmd("/complaint", "digest", LEAD)),
    ("/complaint report", _cmd("/complaint", "report", LEAD)),
    ("/complaint spotcheck", _cmd("/complaint", "spotcheck", INV)),
    # /shadow subcommands
    ("/shadow status", _cmd("/shadow", "status", "UAPPL1")),
    ("/shadow withdraw", _cmd("/shadow", "withdraw moving on", "UAPPL1")),
    ("/shadow end", _cmd("/shadow", "end 1 sorry", "UAPPL1")),
    ("/shadow places", _cmd("/shadow", "places 1 3", "UHOST1")),
    ("/shadow close", _cmd("/shadow", "close 1", "UHOST1")),
    ("/shadow reopen", _cmd("/shadow", "reopen 1", "UHOST1")),
    ("/shadow round", _cmd("/shadow", "round", COORD)),
    ("/shadow report", _cmd("/shadow", "report", COORD)),
    ("/shadow conflicts", _cmd("/shadow", "conflicts", COORD)),
    ("/shadow conflict (form)", _cmd("/shadow", "conflict", COORD)),
    ("/shadow clear", _cmd("/shadow", "clear 1 a chaperone at every visit", COORD)),
    # complaint card buttons
    ("click Assign to me", lambda c: c.click(case_card.ASSIGN_SELF, REF, INV)),
    (
        "click Assign to...",
        lambda c: c.users_select(case_card.ASSIGN_TO, f"case|{REF}", INV, LEAD),
    ),
    ("click Triage", lambda c: c.click(case_card.DO, f"{REF}|triage", INV)),
    ("click Resolve (form)", lambda c: c.click(case_card.OPEN_FORM, f"{REF}|resolve", INV)),
    # shadowing buttons
    ("click Approve", lambda c: c.click("shadow_approve", "1", "UMGR1")),
    ("click Accept offer", lambda c: c.click("shadow_offer_accept", "1", "UAPPL1")),
    ("click Commit round", lambda c: c.click("shadow_round_commit", "1", COORD)),
    ("click Mark completed", lambda c: c.click("shadow_complete", "1", "UHOST1")),
    ("click Set dates (form)", lambda c: c.click("shadow_schedule_open", "1", "UAPPL1")),
    ("click Feedback (form)", lambda c: c.click("shadow_feedback_open", "1", "UAPPL1")),
    # modal submissions
    ("submit complaint", _view("complaint_form", forms.complaint(), SUPPLIER)),
    ("submit resolve", _view("complaint_resolve", resolve_values(), INV, REF)),
    (
        "submit out of scope",
        _view("complaint_out_of_scope", {"reason": forms.text("Not a procurement.")}, INV, REF),
    ),
    ("submit spot check", _view("complaint_spot_check", forms.complaint(), INV)),
    ("submit shadow signup", _view("shadow_signup", signup_values(), "UAPPL2")),
    ("submit shadow host", _view("shadow_host", host_values(), "UHOST2")),
    ("submit shadow conflict", _view("shadow_conflict", conflict_values("UAPPL1", 1), COORD)),
    (
        "submit placement dates",
        _view(
            "shadow_schedule",
            {"start_date": forms.day("2026-12-07"), "end_date": forms.day("2026-12-11")},
            "UAPPL1",
            "1",
        ),
    ),
    (
        "submit feedback",
        _view(
            "shadow_feedback",
            {
                "worthwhile": radio("5"),
                "learned": forms.text("A lot."),
                "would_recommend": radio("yes"),
            },
            "UAPPL1",
            "1",
        ),
    ),
    # mention commands in the case thread
    (
        "@msbot status",
        lambda c: c.event(ev.mention(TRIAGE, c.card_ts, INV, "status triaged")),
    ),
    ("@msbot timeline", lambda c: c.event(ev.mention(TRIAGE, c.card_ts, INV, "timeline"))),
    # a thread note on Slack's last retry (earlier attempts are answered 503 for a retry)
    (
        "thread note",
        lambda c: c.event(ev.reply(TRIAGE, c.card_ts, INV, "Rang the council."), retry=3),
    ),
    (
        "App Home",
        lambda c: c.event(
            {"type": "app_home_opened", "user": INV, "channel": "DH1", "tab": "home"}
        ),
    ),
]
