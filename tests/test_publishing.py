"""Publishing a case summary is an investigator's choice, made in the resolve form (signed HTTP
in, stored rows and the yearly report out, on SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session

from bot.reports.annual import build_report, service_year
from bot.reports.render import render
from handlers.slack.complaints import case_card, investigation_forms
from tests import investigation_slack as ev
from tests.conftest import TRIAGE, start_app
from tests.people_ids import slack_id
from tests.reports_fixture import A_LEAD
from tests.test_investigation_slack import (
    INV1,
    TEAM,
    case_row,
    file_case,
    mention,
    press_form_button,
    resolve_values,
    submit_form,
    wait_row,
)


@pytest.fixture
def slack(engine, stub):
    running = start_app(engine, stub, **TEAM)
    yield running.slack
    running.close()


TICKED = {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}
SUMMARY = "A council paid a small charity's overdue invoice."


def worked_case(slack, session, stub):
    case = file_case(slack, session, anonymous=False, payment=True)
    ev.button(slack, case_card.ASSIGN_SELF, case.reference, user=INV1, channel=TRIAGE)
    wait_row(
        session, lambda s: slack_id(case_row(s, case.reference).assignee_id) == INV1, "assigned"
    )
    for target in ("triaged", "investigating"):
        mention(slack, case, INV1, f"status {target}")
        wait_row(session, lambda s, t=target, r=case.reference: case_row(s, r).status == t, target)
    return case


def published_summaries(engine, session) -> tuple[list, str]:
    with Session(engine) as s:
        report = build_report(s, *service_year(2026), actor=A_LEAD)
    return report.summaries, render(report, "json", 3)


def test_the_resolve_form_asks_and_says_what_will_be_published(slack, stub, session, engine):
    case = worked_case(slack, session, stub)
    view = press_form_button(slack, stub, case, INV1, "resolve")
    blocks = {b.get("block_id"): b for b in view["blocks"] if b.get("block_id")}
    choice = blocks["publishable"]
    assert choice["element"]["type"] == "checkboxes" and choice.get("optional") is True
    assert "initial_options" not in choice["element"]  # not published until ticked
    assert choice["element"]["options"][0]["text"]["text"] == "Publish this anonymised summary"
    said = json.dumps(view["blocks"][view["blocks"].index(choice) + 1])
    for part in ("summary for publication", "outcome", "Borsetshire County Council"):
        assert part in said
    assert "Never the supplier" in said and "Ambridge Mind" not in said

    # Resolved without ticking: stored as not publishable, and the report shows no summary.
    reply = submit_form(slack, investigation_forms.RESOLVE, case.reference, resolve_values(), INV1)
    assert reply.status == 200
    stored = wait_row(session, lambda s: (c := case_row(s)).status == "resolved" and c, "resolved")
    assert stored.publishable is False
    summaries, out = published_summaries(engine, session)
    assert summaries == [] and SUMMARY not in out


def test_a_ticked_summary_is_published_without_the_supplier(slack, stub, session, engine):
    case = worked_case(slack, session, stub)
    press_form_button(slack, stub, case, INV1, "resolve")
    values = resolve_values(publishable=TICKED)
    submit_form(slack, investigation_forms.RESOLVE, case.reference, values, INV1)
    stored = wait_row(session, lambda s: (c := case_row(s)).status == "resolved" and c, "resolved")
    assert stored.publishable is True
    summaries, out = published_summaries(engine, session)
    assert [s.summary for s in summaries] == [SUMMARY]
    assert summaries[0].authority == "Borsetshire County Council"
    assert "Ambridge Mind" not in out and "USUP1" not in out
