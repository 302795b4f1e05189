"""`msbot local --teams`: the Teams front end on loopback, unauthenticated (the playground sends
no token), and the launcher's `local` command still the Slack workspace without --teams."""

from __future__ import annotations

import httpx
import pytest

from handlers import cli
from handlers.local import server as slack_local
from handlers.local import teams_local
from handlers.local.fake_connector import FakeConnector
from handlers.teams.connector import TeamsConnector
from tests.teams_playground import listening_addresses
from tests.teams_support import BOT, PERSONAL, USER, activity


@pytest.fixture
def connector():
    fake = FakeConnector()
    fake.install_for(USER)
    TeamsConnector(min_interval=0).open_personal_chat(fake.url, BOT, USER, None)
    yield fake
    fake.close()


def test_local_teams_answers_without_a_token_on_loopback_only(connector, tmp_path):
    running = teams_local.start(
        port=0, with_playground=False, database_url=f"sqlite:///{tmp_path}/teams.db"
    )
    try:
        answer = httpx.post(running.bot.messages_url, json=activity(connector.url, "hello"))
        assert answer.status_code == 200
        connector.wait_for(lambda calls: any(c.conversation_id == PERSONAL for c in calls))
        assert listening_addresses(running.bot.port) == {"127.0.0.1"}
    finally:
        running.close()


@pytest.mark.parametrize(
    ("argv", "started_with"),
    [
        (["local", "--teams"], (3978, False, teams_local.DEFAULT_DATABASE_URL)),
        (
            ["local", "--teams", "--demo", "--port", "4000"],
            (4000, True, teams_local.DEFAULT_DATABASE_URL),
        ),
        (
            ["local", "--teams", "--database-url", "sqlite:///elsewhere.db"],
            (3978, False, "sqlite:///elsewhere.db"),
        ),
    ],
)
def test_local_with_teams_runs_the_teams_front_end(monkeypatch, argv, started_with):
    started: list[tuple] = []
    monkeypatch.setattr(teams_local, "run", lambda *args: started.append(args) or 0)
    monkeypatch.setattr(slack_local, "run", lambda *a: pytest.fail("the Slack workspace ran"))
    assert cli.main(argv) == 0
    # Its own database by default: the Slack workspace's knows its people by Slack ids.
    assert started == [started_with]


def test_local_without_teams_is_still_the_slack_workspace(monkeypatch):
    ran: list[tuple] = []
    monkeypatch.setattr(slack_local, "run", lambda *args: ran.append(args) or 0)
    monkeypatch.setattr(teams_local, "run", lambda *a: pytest.fail("Teams ran"))
    assert cli.main(["local", "--port", "9000"]) == 0
    assert ran == [(9000, False, "sqlite:///msbot-local.db")]
    # Building the parser again does not wrap the command twice.
    cli.build_parser()
    assert cli.main(["local"]) == 0 and len(ran) == 2


def test_without_the_playground_local_teams_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(teams_local, "installed", lambda: False)
    url = f"sqlite:///{tmp_path}/teams.db"
    running = teams_local.start(port=0, demo_data=True, database_url=url)
    try:
        said = "\n".join(teams_local.describe(running, url, demo_data=True))
        assert running.playgrounds == {}
        assert running.seeded  # no team page to wait for: seeded at once
        assert "(cd tools/teams-playground && npm ci)" in said
        assert running.bot.messages_url in said and url in said
    finally:
        running.close()
