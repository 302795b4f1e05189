"""The `msbot` command: the core's commands (bot/cli.py) plus each front end's own.

This is where the front ends are assembled: Slack contributes `serve` (and the transport
`outbox --send` posts with), the local workspace `local`, Teams `serve-teams`,
`teams-package` and `local --teams`.
"""

from __future__ import annotations

import sys

from bot import cli as core_cli
from handlers.local.cli import local_commands
from handlers.slack.cli import slack_commands, slack_transport
from handlers.teams.cli import teams_commands, with_teams


def commands() -> list[core_cli.Command]:
    return [
        *slack_commands(),
        *core_cli.core_commands(transport_for=slack_transport),
        *(with_teams(local) for local in local_commands()),
        *teams_commands(),
    ]


DESCRIPTION = "msbot: the bot's commands (the core's, and each front end's)."


def build_parser():
    return core_cli.build_parser(commands(), description=DESCRIPTION)


def main(argv: list[str] | None = None) -> int:
    return core_cli.main(argv, commands(), DESCRIPTION)


if __name__ == "__main__":
    sys.exit(main())
