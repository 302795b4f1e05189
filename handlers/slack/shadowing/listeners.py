"""`/shadow` and every work-shadowing button and modal: the package's entry point for
handlers/slack/app.py.

Each use has its own module with its subcommands, listeners and messages: signup, hosts,
offers, placements, rounds, conflicts and status. Importing them registers their subcommands
on the one router (in this order, which is the order of the help text).
"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from handlers.slack.services import Services
from handlers.slack.shadowing import conflicts, hosts, offers, placements, rounds, signup, status
from handlers.slack.shadowing.common import router

USES = (signup, hosts, status, offers, placements, rounds, conflicts)


@router.sub("help", "help", "show this help")
def _help(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    ack(text=router.help_text())


def register(app: App, services: Services) -> None:
    @app.command("/shadow")
    def shadow_command(ack: Ack, body: dict, context: BoltContext) -> None:
        router.dispatch(services, ack, body, context)

    for use in USES:
        use.register(app, services)
