"""Hosts: `/shadow host` and its modal, `/shadow places`, `/shadow close` and `/shadow reopen`."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot.permissions import Actor
from bot.shadowing import hosts as core
from handlers.slack.commands import Subcommand, record_id, whole_number
from handlers.slack.services import Services
from handlers.slack.shadowing import forms
from handlers.slack.shadowing.common import attempt, explain, no_such, refused, submitter
from handlers.slack.slack_text import safe


def _host(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    ack()
    services.after_ack(
        services.client.views_open,
        trigger_id=body.get("trigger_id"),
        view=forms.host_modal(services.settings.departments),
    )


def _changed(ack: Ack, raw_id: str, change) -> int | None:
    """Run ``change(host_id)`` on the host the user named; on a bad number or a refusal,
    answer why (nothing changed) and return None."""
    host_id = record_id(raw_id)
    if host_id is None:
        ack(text=no_such("host", raw_id, "`/shadow status`"))
        return None
    _, problem = attempt(lambda: change(host_id))
    if problem:
        ack(text=explain(problem, "Nothing changed. "))
        return None
    return host_id


def _places(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
    host_id = whole_number(args[0]) if args else None
    capacity = whole_number(args[1]) if len(args) > 1 else None
    if len(args) != 2 or host_id is None or capacity is None:
        ack(
            text="Say which host and how many places, for example `/shadow places 12 3`. "
            "`/shadow status` lists your host numbers."
        )
        return
    host_id = _changed(
        ack,
        args[0],
        lambda host: core.change_capacity(services.engine, host, actor=actor, capacity=capacity),
    )
    if host_id is None:
        return
    services.send_queued()
    places = "place" if capacity == 1 else "places"
    ack(text=f"Host {host_id} now offers {capacity} {places}.")


def _open_or_close(open_: bool):
    verb = "reopen" if open_ else "close"

    def run(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
        if len(args) != 1 or whole_number(args[0]) is None:
            ack(
                text=f"Say which host, for example `/shadow {verb} 12`. "
                "`/shadow status` lists your host numbers."
            )
            return
        host_id = _changed(
            ack,
            args[0],
            lambda host: core.set_open(
                services.engine, host, actor=actor, open_=open_, now=services.now()
            ),
        )
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
        host, problem = attempt(
            lambda: core.offer_places(
                services.engine,
                forms.read_host(view),
                actor=context["actor"],
                submission_key=view.get("id"),
                today=services.today(),
                departments=services.settings.departments,
            )
        )
        if problem:
            refused(ack, forms.HOST_FIELDS, problem)
            return
        view_done = forms.host_done(host.id, safe(host.organisation, 200), host.capacity)
        ack(response_action="update", view=view_done)
        services.send_queued()


# Its `/shadow` subcommands, in help order; the app factory builds the router from them.
SUBCOMMANDS = (
    Subcommand("host", "host", "offer places at your organisation", _host),
    Subcommand("places", "places <host> <number>", "change how many places you offer", _places),
    Subcommand(
        "close", "close <host>", "stop new offers to your places (for now)", _open_or_close(False)
    ),
    Subcommand("reopen", "reopen <host>", "take new offers again", _open_or_close(True)),
)
