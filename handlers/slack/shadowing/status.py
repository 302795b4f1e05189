"""Read-only answers: `/shadow status` for everyone, `/shadow report` for coordinators.
The core builds what they show; status_blocks.py draws it."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.db import transaction
from bot.errors import StoreUnavailable
from bot.permissions import Actor
from bot.shadowing import report as reporting
from bot.shadowing import signup, views
from handlers.slack.commands import Subcommand
from handlers.slack.complaints import team
from handlers.slack.services import Services
from handlers.slack.shadowing.common import (
    UNAVAILABLE,
    post_privately,
    refuse_unless_allowed,
)
from handlers.slack.shadowing.status_blocks import report_blocks, status_blocks


def my_status(services: Services, body: dict, *, if_signed_up: bool = False):
    """The sender's `/shadow status` answer (text, blocks); with ``if_signed_up``, None unless
    they have an active sign-up. Raises StoreUnavailable when the database can't be read."""
    person = team.sender(services, body)
    with transaction(services.engine) as s:
        if if_signed_up and signup.active_signup(s, person) is None:
            return None
        return status_blocks(views.my_shadowing(s, person))


def _status(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    try:
        text, blocks = my_status(services, body)
    except StoreUnavailable:
        ack(text=UNAVAILABLE)
        return
    ack(text=text, blocks=blocks)


def _report(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
    if refuse_unless_allowed(ack, actor, "see_report"):
        return
    ack(text="Working on the report…")
    services.in_background(_send_report, services, body.get("channel_id"), body.get("user_id", ""))


def _send_report(services: Services, channel: str | None, user: str) -> None:
    try:
        with transaction(services.engine) as s:
            report = reporting.build_report(s, now=services.now())
    except StoreUnavailable:
        post_privately(services, channel, user, UNAVAILABLE)
        return
    post_privately(services, channel, user, *report_blocks(report))


def register(app: App, services: Services) -> None:
    """Nothing but the subcommands above, registered on import."""


# Its `/shadow` subcommands, in help order; the app factory builds the router from them.
SUBCOMMANDS = (
    Subcommand(
        "status",
        "status",
        "your sign-up, the places you offer, your offers and placements",
        _status,
    ),
    Subcommand("report", "report", "coordinators: figures for the scheme so far", _report),
)
