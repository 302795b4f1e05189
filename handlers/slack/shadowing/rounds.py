"""Matching rounds, for coordinators: `/shadow round` (a dry run, in the background) and the
button that commits it (round_blocks.py draws both)."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.permissions import Actor
from bot.shadowing import rounds, views
from handlers.slack.commands import Subcommand
from handlers.slack.services import Services
from handlers.slack.shadowing.common import (
    attempt,
    explain,
    on_click,
    post_privately,
    refuse_unless_allowed,
)
from handlers.slack.shadowing.round_blocks import ROUND_COMMIT, round_committed, round_summary


def _round(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
    if refuse_unless_allowed(ack, actor, "run_rounds"):
        return
    ack(text="Working out a dry run of the next matching round…")
    services.in_background(
        _dry_run, services, body.get("channel_id"), body.get("user_id", ""), actor
    )


def _dry_run(services: Services, channel: str | None, user: str, actor: Actor) -> None:
    """``user``: the coordinator's Slack account, told the result privately."""
    matched, problem = attempt(
        lambda: rounds.dry_run(services.engine, actor=actor, now=services.now())
    )
    if problem:
        post_privately(services, channel, user, explain(problem))
        return
    post_privately(services, channel, user, *round_summary(views.round_view(matched)))


def _commit_round(services: Services, round_id: int, actor: Actor):
    # The core refuses a second commit of the same round with a message saying so.
    committed = rounds.commit(
        services.engine,
        round_id,
        actor=actor,
        now=services.now(),
        expiry_days=services.settings.offer_expiry_days,
    )
    return round_committed(views.round_view(committed), services.settings.offer_expiry_days)


def register(app: App, services: Services) -> None:
    on_click(app, services, ROUND_COMMIT, _commit_round)


# Its `/shadow` subcommands, in help order; the app factory builds the router from them.
SUBCOMMANDS = (
    Subcommand(
        "round", "round", "coordinators: dry-run the next matching round, then commit it", _round
    ),
)
