"""`/shadow` and every work-shadowing button and modal: the package's entry point for
handlers/slack/app.py.

Each use has its own module with its subcommands, listeners and messages: signup, hosts,
status, offers, placements, rounds and conflicts. Their subcommands are listed in that order,
which is the order of the help text; the app factory builds `/shadow`'s router from them.
"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from handlers.slack.commands import HELP, CommandRouter
from handlers.slack.services import Services
from handlers.slack.shadowing import conflicts, hosts, offers, placements, rounds, signup, status

USES = (signup, hosts, status, offers, placements, rounds, conflicts)


def register(app: App, services: Services, router: CommandRouter) -> None:
    """``router``: `/shadow` with SUBCOMMANDS (handlers/slack/app.py)."""

    @app.command("/shadow")
    def shadow_command(ack: Ack, body: dict, context: BoltContext) -> None:
        router.dispatch(services, ack, body, context)

    for use in USES:
        use.register(app, services)


# `/shadow`'s subcommands: each use's, in USES order, then help.
SUBCOMMANDS = (*(sub for use in USES for sub in use.SUBCOMMANDS), HELP)
