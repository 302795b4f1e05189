"""The "shadow" command in Teams: the same words as Slack's `/shadow`, typed in the 1:1 chat with
msbot (or after an @mention in a channel, answered privately in the 1:1 chat).

signup and host answer with a card that is the form (shadow_forms.py); status, places, close,
reopen, withdraw and end answer in words or a card; round, conflicts, clear and report are for
coordinators (the policy refuses anyone else, privately).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from bot.db import transaction
from bot.errors import StoreUnavailable
from bot.shadowing import hosts, placements, rounds, signup, views
from bot.shadowing import report as reporting
from handlers.teams import shadow_conflicts
from handlers.teams import shadow_forms as forms
from handlers.teams.cards import new_submission_token
from handlers.teams.requests import TeamsRequest
from handlers.teams.routes import Routes
from handlers.teams.shadow_common import (
    UNAVAILABLE,
    attempt,
    delivered,
    departments,
    explain,
    now,
    record_id,
    reply,
)
from handlers.teams.shadow_conflicts import coordinators_only
from handlers.teams.shadow_people import colleagues
from handlers.teams.shadow_status_cards import (
    report_card,
    round_summary,
    status_card,
)

WORD = "shadow"
HELP = (
    ("signup", "sign up to shadow a voluntary-sector organisation"),
    ("withdraw [reason]", "withdraw your sign-up (and any offer it has)"),
    ("host", "offer places at your organisation"),
    ("places <host> <number>", "change how many places you offer"),
    ("close <host>", "stop new offers to your places (for now)"),
    ("reopen <host>", "take new offers again"),
    ("status", "your sign-up, the places you offer, your offers and placements"),
    ("end <placement> [reason]", "withdraw from one offer or placement"),
    ("round", "coordinators: dry-run the next matching round, then commit it"),
    ("conflicts", "coordinators: the conflicts of interest"),
    ("conflict", "coordinators: record a conflict of interest"),
    ("clear <conflict> <safeguards>", "coordinators: clear a conflict"),
    ("report", "coordinators: figures for the scheme so far"),
)


def _help(req: TeamsRequest, args: list[str]) -> None:
    lines = "\n".join(f"- shadow {usage}: {what}" for usage, what in HELP)
    reply(
        req,
        "Work-shadowing: civil servants spend time with voluntary-sector organisations, which "
        "offer places. Coordinators match people to places in rounds. Type:\n" + lines,
    )


def _status(req: TeamsRequest, args: list[str]) -> None:
    try:
        with transaction(req.services.engine) as s:
            text, card = status_card(views.my_shadowing(s, req.actor().person_id))
    except StoreUnavailable:
        reply(req, UNAVAILABLE)
        return
    reply(req, text, card)


def _signup(req: TeamsRequest, args: list[str]) -> None:
    try:
        with transaction(req.services.engine) as s:
            current = signup.active_signup(s, req.actor().person_id)
        listed = None if current else colleagues(req)
    except StoreUnavailable:
        reply(req, UNAVAILABLE)
        return
    if current is not None:
        reply(
            req,
            "You already have an active sign-up, so you cannot sign up again. To start afresh, "
            'withdraw it first with "shadow withdraw".',
        )
        _status(req, [])
        return
    card = forms.signup_card(departments(req), listed, new_submission_token())
    reply(req, "Work-shadowing sign-up", card)


def _host(req: TeamsRequest, args: list[str]) -> None:
    reply(req, "Offer shadowing places", forms.host_card(departments(req), new_submission_token()))


def _withdraw(req: TeamsRequest, args: list[str]) -> None:
    _, problem = attempt(
        lambda: signup.withdraw(
            req.services.engine, actor=req.actor(), reason=" ".join(args), now=now(req)
        )
    )
    if problem:
        reply(req, explain(problem))
        return
    delivered(req)
    reply(req, 'Your work-shadowing sign-up is withdrawn. Sign up again with "shadow signup".')


def _numbered(req: TeamsRequest, raw: str, what: str, example: str) -> int | None:
    found = record_id(raw)
    if found is None:
        reply(
            req,
            f'Say which {what} by its number, for example "{example}". '
            '"shadow status" lists your numbers.',
        )
    return found


def _changed(req: TeamsRequest, raw: str, what: str, example: str, change) -> int | None:
    """Run ``change(engine, record id, actor=...)`` (a core call with the rest bound) on the
    record the person named; on a bad number or a refusal, say why (nothing changed) and
    return None."""
    found = _numbered(req, raw, what, example)
    if found is None:
        return None
    _, problem = attempt(lambda: change(req.services.engine, found, actor=req.actor()))
    if problem:
        reply(req, explain(problem, "Nothing changed. "))
        return None
    delivered(req)
    return found


def _places(req: TeamsRequest, args: list[str]) -> None:
    capacity = record_id(args[1]) if len(args) == 2 else None
    if capacity is None:
        reply(req, 'Say which host and how many places, for example "shadow places 12 3".')
        return
    change = partial(hosts.change_capacity, capacity=capacity)
    host_id = _changed(req, args[0], "host", "shadow places 12 3", change)
    if host_id is not None:
        places = "place" if capacity == 1 else "places"
        reply(req, f"Host {host_id} now offers {capacity} {places}.")


def _open_or_close(open_: bool) -> Callable:
    verb = "reopen" if open_ else "close"

    def run(req: TeamsRequest, args: list[str]) -> None:
        change = partial(hosts.set_open, open_=open_, now=now(req))
        raw = args[0] if len(args) == 1 else ""
        host_id = _changed(req, raw, "host", f"shadow {verb} 12", change)
        if host_id is None:
            return
        if open_:
            reply(req, f"Host {host_id} is open again: the next round can offer its free places.")
        else:
            reply(
                req,
                f"Host {host_id} is closed: rounds make it no new offers. Offers and placements "
                f'already made carry on. Reopen with "shadow reopen {host_id}".',
            )

    return run


def _end(req: TeamsRequest, args: list[str]) -> None:
    change = partial(placements.withdraw_placement, reason=" ".join(args[1:]), now=now(req))
    placement_id = _changed(req, args[0] if args else "", "placement", "shadow end 7 ill", change)
    if placement_id is not None:
        reply(req, f"Placement {placement_id} is withdrawn; the other side has been told.")


def _round(req: TeamsRequest, args: list[str]) -> None:
    if coordinators_only(req, "run_rounds"):
        return
    reply(req, "Working out a dry run of the next matching round…")
    matched, problem = attempt(
        lambda: rounds.dry_run(req.services.engine, actor=req.actor(), now=now(req))
    )
    if problem:
        reply(req, explain(problem))
        return
    reply(req, *round_summary(views.round_view(matched)))


def _report(req: TeamsRequest, args: list[str]) -> None:
    if coordinators_only(req, "see_report"):
        return
    try:
        with transaction(req.services.engine) as s:
            built = reporting.build_report(s, now=now(req))
    except StoreUnavailable:
        reply(req, UNAVAILABLE)
        return
    reply(req, *report_card(built))


SUBCOMMANDS: dict[str, Callable[[TeamsRequest, list[str]], None]] = {
    "signup": _signup,
    "withdraw": _withdraw,
    "host": _host,
    "places": _places,
    "close": _open_or_close(False),
    "reopen": _open_or_close(True),
    "status": _status,
    "end": _end,
    "round": _round,
    "conflicts": shadow_conflicts.list_command,
    "conflict": shadow_conflicts.record_command,
    "clear": lambda req, args: shadow_conflicts.clear_command(req, args, _changed),
    "report": _report,
    "help": _help,
}


def shadow(req: TeamsRequest) -> None:
    """``req.text`` is "shadow <subcommand> <arguments>" (the mention already removed)."""
    words = req.text.split()
    sub = words[1].lower() if len(words) > 1 else "help"
    run = SUBCOMMANDS.get(sub)
    if run is None:
        reply(req, f'"{sub[:30]}" is not a shadow command.')
        _help(req, [])
        return
    run(req, words[2:])


ROUTES = Routes(commands={WORD: shadow})
