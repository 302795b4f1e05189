"""The Teams front end's contribution to the `msbot` command: `serve-teams`.

Kept apart from handlers/cli.py so the launcher only has to call ``register``.
"""

from __future__ import annotations

import sys

from bot.config import ConfigError


def cmd_serve_teams(args) -> int:
    from bot.config import load_settings
    from bot.db import make_engine
    from bot.logs import configure_logging
    from bot.migrate import pending_message
    from handlers.teams.server import serve
    from handlers.teams.settings import load_teams_settings

    problems: list[str] = []
    core = teams = None
    try:
        core = load_settings(require_slack=False)
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
    try:
        problem = pending_message(engine)
    except Exception as exc:
        problem = f"The database cannot be reached: {exc}"
    if problem:
        print(f"msbot serve-teams cannot start: {problem}", file=sys.stderr)
        return 3
    serve(teams, engine, host=args.host)
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
    if getattr(plain, "handles_teams", False):
        return plain

    def local(args) -> int:
        return cmd_local_teams(args) if getattr(args, "teams", False) else plain(args)

    local.handles_teams = True
    return local


def register(subs, commands: dict) -> None:
    """Add the Teams commands to the launcher's subparsers and its command table: `serve-teams`,
    and `--teams` on `msbot local` when the launcher has that command."""
    serve_teams = subs.add_parser(
        "serve-teams",
        help="run the Microsoft Teams bot (POST /api/messages on TEAMS_PORT, JWT always checked)",
    )
    serve_teams.add_argument(
        "--host", default="0.0.0.0", help="address to listen on (default all interfaces)"
    )
    commands["serve-teams"] = cmd_serve_teams
    local = subs.choices.get("local")
    if local is not None and "local" in commands:
        local.add_argument(
            "--teams",
            action="store_true",
            help="the Microsoft Teams front end instead (port 3978), with the Teams emulator",
        )
        commands["local"] = _local_with_teams(commands["local"])
