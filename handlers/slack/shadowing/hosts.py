"""Hosts: `/shadow host` and its modal, `/shadow places`, `/shadow close` and `/shadow reopen`."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot.permissions import Actor
from bot.shadowing import hosts as core
from handlers.slack.commands import Subcommand, whole_number
from handlers.slack.services import Services
from handlers.slack.shadowing import forms
from handlers.slack.shadowing.common import (
    Numbered,
    open_modal,
    save_form,
    submission,
    submitter,
)
from handlers.slack.slack_text import safe


def _host(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    open_modal(services, ack, body, forms.host_modal(services.settings.departments))


def _places(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
    places = Numbered(
        "host",
        "Say which host and how many places, for example `/shadow places 12 3`. "
        "`/shadow status` lists your host numbers.",
    )
    capacity = whole_number(args[1]) if len(args) == 2 else None
    if capacity is None:
        ack(text=places.usage)
        return
    host_id = places.change(
        services, ack, args, core.change_capacity, actor=actor, capacity=capacity
    )
    if host_id is None:
        return
    services.send_queued()
    ack(text=f"Host {host_id} now offers {capacity} {'place' if capacity == 1 else 'places'}.")


def _open_or_close(open_: bool):
    verb = "reopen" if open_ else "close"
    host = Numbered(
        "host",
        f"Say which host, for example `/shadow {verb} 12`. "
        "`/shadow status` lists your host numbers.",
    )

    def run(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
        if len(args) != 1:
            ack(text=host.usage)
            return
        now = services.now()
        host_id = host.change(services, ack, args, core.set_open, actor=actor, open_=open_, now=now)
        if host_id is None:
            return
        if open_:
            ack(text=f"Host {host_id} is open again: the next round can offer its free places.")
        else:
            ack(
                text=f"Host {host_id} is closed: rounds make it no new offers. Offers and "
                f"placements already made carry on. Reopen with `/shadow reopen {host_id}`."
            )

    return run


def register(app: App, services: Services) -> None:
    @app.view(forms.HOST_CALLBACK)
    def host_submitted(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
        submitter(body)
        save_form(
            services,
            ack,
            forms.HOST_FIELDS,
            lambda: core.offer_places(
                services.engine, forms.read_host(view), **submission(services, view, context)
            ),
            lambda host: forms.host_done(host.id, safe(host.organisation, 200), host.capacity),
        )


# Its `/shadow` subcommands, in help order; the app factory builds the router from them.
SUBCOMMANDS = (
    Subcommand("host", "host", "offer places at your organisation", _host),
    Subcommand("places", "places <host> <number>", "change how many places you offer", _places),
    Subcommand(
        "close", "close <host>", "stop new offers to your places (for now)", _open_or_close(False)
    ),
    Subcommand("reopen", "reopen <host>", "take new offers again", _open_or_close(True)),
)
