"""The Teams front end's contribution to the `msbot` command: `serve-teams`, `teams-package`,
and `--teams` on `msbot local`, as command records (bot.cli.Command) the launcher
(handlers/cli.py) lists.
"""

from __future__ import annotations

import sys

from bot.cli import Command
from bot.config import ConfigError


def cmd_serve_teams(args) -> int:
    from bot.bootstrap import build, load_settings
    from bot.db import make_engine
    from bot.logs import configure_logging
    from bot.migrate import startup_problem
    from handlers.teams.server import serve
    from handlers.teams.settings import load_teams_settings

    problems: list[str] = []
    core = teams = None
    try:
        core = load_settings()
    except ConfigError as exc:
        problems += exc.problems
    try:
        teams = load_teams_settings("serve")
    except ConfigError as exc:
        problems += exc.problems
    if core is None or teams is None:
        print("msbot serve-teams cannot start; fix these settings:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    configure_logging(core.log_format, core.log_level, slack_bodies=False)
    engine = make_engine(core.database_url)
    problem = startup_problem(engine)
    if problem:
        print(f"msbot serve-teams cannot start: {problem}", file=sys.stderr)
        return 3
    serve(teams, engine, host=args.host, core=build(core, engine))
    return 0


def cmd_local_teams(args) -> int:
    from handlers.local import teams_local

    if getattr(args, "demo", False):
        print("--demo with --teams comes with the neutral core; starting without demo data.")
    port = args.port if args.port != LOCAL_SLACK_PORT else teams_local.DEFAULT_PORT
    return teams_local.run(port)


# `msbot local`'s own default port: with --teams and no --port, the Teams front end takes the
# Bot Framework's usual 3978 instead.
LOCAL_SLACK_PORT = 8765


def _local_with_teams(plain):
    """`msbot local` as before, or the Teams front end with --teams."""

    def local(args) -> int:
        return cmd_local_teams(args) if getattr(args, "teams", False) else plain(args)

    return local


def _serve_teams_options(parser) -> None:
    parser.add_argument(
        "--host", default="0.0.0.0", help="address to listen on (default all interfaces)"
    )


def with_teams(local: Command) -> Command:
    """`msbot local` that also takes --teams (the Teams front end on loopback instead)."""

    def options(parser) -> None:
        local.options(parser)
        parser.add_argument(
            "--teams",
            action="store_true",
            help="the Microsoft Teams front end instead (port 3978), with the Teams emulator",
        )

    return Command(local.name, local.help, _local_with_teams(local.run), options)


def teams_commands() -> list[Command]:
    from handlers.teams.package import PACKAGE_HELP, add_package_options, cmd_teams_package

    return [
        Command(
            "serve-teams",
            "run the Microsoft Teams bot (POST /api/messages on TEAMS_PORT, JWT always checked)",
            cmd_serve_teams,
            _serve_teams_options,
        ),
        Command("teams-package", PACKAGE_HELP, cmd_teams_package, add_package_options),
    ]
