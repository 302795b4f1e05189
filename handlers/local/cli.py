"""The local workspace's command: `msbot local`."""

from __future__ import annotations

from bot.cli import Command


def cmd_local(args) -> int:
    """No Slack, no settings: msbot in a Slack-like workspace in the browser."""
    from handlers.local.server import run

    return run(args.port, args.demo, args.database_url)


def _local_options(parser) -> None:
    parser.add_argument("--demo", action="store_true", help="seed a realistic data set first")
    parser.add_argument("--port", type=int, default=8765, help="port for the page (default 8765)")
    parser.add_argument(
        "--database-url",
        default="sqlite:///msbot-local.db",
        help="database for this mode (default: msbot-local.db here, migrated automatically)",
    )


def local_commands() -> list[Command]:
    return [
        Command(
            "local",
            "try msbot in a Slack-like workspace in your browser",
            cmd_local,
            _local_options,
        )
    ]
