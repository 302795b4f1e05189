"""The Slack edge of people: the sender of each kind of request becomes a person once per
request; renderers show a person as a mention of their Slack account or as their name."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot import people
from bot.db import transaction
from bot.people import PersonRef
from handlers.slack.people import person_of, slack_ids, slack_user
from handlers.slack.slack_text import mention
from models import PlatformAccount

COMMAND = {"command": "/complaint", "user_id": "U1", "team_id": "T1", "user_name": "ivy"}
ACTION = {
    "type": "block_actions",
    "team": {"id": "T1", "domain": "x"},
    "user": {"id": "U1", "username": "ivy", "name": "ivy", "team_id": "T1"},
}
EVENT = {"type": "event_callback", "team_id": "T1", "event": {"type": "message", "user": "U1"}}


@pytest.mark.parametrize("body", [COMMAND, ACTION, EVENT], ids=["command", "action", "event"])
def test_every_kind_of_request_names_its_sender(body):
    user_id, team_id, _ = slack_user(body)
    assert (user_id, team_id) == ("U1", "T1")


def test_a_request_from_nobody_is_nobody(engine):
    assert slack_user({"type": "event_callback", "event": {"type": "app_rate_limited"}}) == (
        None,
        None,
        None,
    )
    assert person_of(engine, {"user": "not a dict"}) is None


def test_the_sender_is_resolved_once_per_request(engine, session):
    context: dict = {}
    first = person_of(engine, ACTION, context)
    assert first.account(people.SLACK) == "U1" and first.name == "ivy"
    # The same request asks again: answered from its context, with no second look-up.
    assert person_of(engine.execution_options(), {}, context) is first
    # The next request by the same user is the same person, whatever kind of request it is.
    assert person_of(engine, COMMAND, {}).id == first.id
    assert person_of(engine, EVENT, {}).id == first.id
    [account] = session.exec(select(PlatformAccount).where(PlatformAccount.user_id == "U1")).all()
    assert (account.workspace, account.user_id) == ("T1", "U1")


def test_the_transport_finds_a_persons_slack_id(engine, session):
    with transaction(engine) as s:
        on_slack = people.person_for(s, people.SLACK, "T1", "U1")
        on_teams = people.person_for(s, people.TEAMS, "tenant", "29:abcdefgh12")
    found = slack_ids(session, [on_slack.id, on_teams.id, None])
    assert found == {on_slack.id: "U1"}


def test_a_person_is_shown_as_a_mention_of_their_slack_account_or_their_name():
    assert mention(PersonRef(1, "Ivy", (("teams", "29:x"), ("slack", "U1AB")))) == "<@U1AB>"
    assert mention(PersonRef(2, "Tia <!here>", (("teams", "29:x"),))) == "Tia &lt;!here&gt;"
    assert mention(PersonRef(3, None, ())) == "someone"
    # Until every caller passes a person: a Slack id we can vouch for, else plain text.
    assert mention("U1AB") == "<@U1AB>"
    assert mention("<!channel>") == "&lt;!channel&gt;"
    assert mention(None) == "someone"
