"""Conflicts of interest, for coordinators only: `/shadow conflicts` (the one place their
reasons are shown), `/shadow conflict` (a form to record one) and `/shadow clear`;
conflict_blocks.py draws the list.

The form names the two sides the way the list shows them: the civil servant as a person, the
host by number and organisation.
"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from sqlmodel import select

from bot.db import transaction
from bot.errors import NotPermitted, StoreUnavailable
from bot.permissions import Actor
from bot.shadowing import catalog, conflicts, policy, signup, views
from handlers.slack import view_state as state
from handlers.slack.commands import Subcommand, record_id
from handlers.slack.services import Services
from handlers.slack.shadowing import forms
from handlers.slack.shadowing.common import (
    UNAVAILABLE,
    Numbered,
    attempt,
    explain,
    person_for_slack,
    post_privately,
    refuse_unless_allowed,
    refused,
    submitter,
)
from handlers.slack.shadowing.conflict_blocks import conflicts_blocks, recorded_text
from handlers.slack.slack_text import options, plain, section
from models import ShadowHost

CONFLICT_CALLBACK = "shadow_conflict"
CONFLICT_FIELDS = ("applicant_id", "host_id", "reason")
# A static select holds at most 100 options: the newest hosts, open ones first.
HOST_OPTIONS_MAX = 100


def _conflicts(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
    try:
        with transaction(services.engine) as s:
            listed = views.conflict_lines(s, list(conflicts.list_conflicts(s, actor)))
        text, blocks = conflicts_blocks(listed)
    except (NotPermitted, StoreUnavailable) as exc:
        ack(text=explain(exc))
        return
    ack(text=text, blocks=blocks)


def _conflict(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
    user = body.get("user_id", "")
    if refuse_unless_allowed(ack, actor, "record_conflict"):
        return
    # trigger_id lasts 3 seconds: acknowledge first, then list the hosts and open the form.
    ack()
    services.after_ack(_open_form, services, body.get("trigger_id"), body.get("channel_id"), user)


def _open_form(services: Services, trigger_id: str | None, channel: str | None, user: str):
    try:
        with transaction(services.engine) as s:
            listed = s.exec(
                select(ShadowHost.id, ShadowHost.organisation, ShadowHost.status)
                .order_by(ShadowHost.status.desc(), ShadowHost.id.desc())  # "open" > "closed"
                .limit(HOST_OPTIONS_MAX)
            ).all()
    except StoreUnavailable:
        post_privately(services, channel, user, UNAVAILABLE)
        return
    if not listed:
        post_privately(services, channel, user, "No host has offered places yet.")
        return
    services.client.views_open(trigger_id=trigger_id, view=conflict_modal(listed))


def conflict_modal(listed) -> dict:
    choices = [
        (str(h_id), f"Host {h_id}: {organisation}" + (" (closed)" if status == "closed" else ""))
        for h_id, organisation, status in listed
    ]
    blocks = [
        section(
            "Record a conflict of interest between a civil servant who has signed up and a "
            "host. They will not be matched. An open offer between them is withdrawn: both are "
            "told only that it was withdrawn. Only coordinators see the reason."
        ),
        forms.input_block(
            "applicant_id",
            "Civil servant",
            {"type": "users_select", "placeholder": plain("Choose a person", 150)},
        ),
        forms.input_block(
            "host_id",
            "Host",
            {
                "type": "static_select",
                "placeholder": plain("Choose a host", 150),
                "options": options(tuple(choices)),
            },
        ),
        forms.text_block("reason", "What is the conflict?", catalog.MAX_TEXT, multiline=True),
    ]
    return forms.modal(CONFLICT_CALLBACK, "Conflict of interest", blocks)


def _read(view: dict) -> tuple[str | None, int | None, str]:
    values = state.values(view)
    person = state.element(values, "applicant_id").get("selected_user")
    return (
        person if isinstance(person, str) and person else None,
        record_id(state.choice(values, "host_id")),
        state.text(values, "reason"),
    )


CLEAR = Numbered(
    "conflict",
    "Say which conflict and the safeguards agreed, for example "
    "`/shadow clear 4 Will not see papers on the grants programme`. "
    "`/shadow conflicts` lists them.",
    listed_by="`/shadow conflicts`",
)


def _clear(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
    if refuse_unless_allowed(ack, actor, "clear_conflict"):
        return
    if len(args) < 2:
        ack(text=CLEAR.usage)
        return
    safeguards, now = " ".join(args[1:]), services.now()
    clear = conflicts.clear_conflict
    conflict_id = CLEAR.change(
        services, ack, args, clear, actor=actor, safeguards=safeguards, now=now
    )
    if conflict_id is None:
        return
    ack(text=f"Conflict {conflict_id} is cleared; the pair can be matched in the next round.")


def register(app: App, services: Services) -> None:
    @app.view(CONFLICT_CALLBACK)
    def conflict_submitted(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
        submitter(body)
        actor = context["actor"]
        try:
            # Said before the form's own checks, next to the reason, as the core words it.
            policy.require(actor, "record_conflict")
        except NotPermitted as exc:
            ack(response_action="errors", errors={"reason": str(exc)})
            return
        except StoreUnavailable as exc:  # who is asking could not be looked up
            refused(ack, CONFLICT_FIELDS, exc)
            return
        person, host_id, reason = _read(view)
        missing = {}
        if person is None:
            missing["applicant_id"] = "Choose the civil servant."
        if host_id is None:
            missing["host_id"] = "Choose the host."
        if missing:
            ack(response_action="errors", errors=missing)
            return
        try:
            chosen = person_for_slack(services, person)
            with transaction(services.engine) as s:
                applicant = signup.signup_of(s, chosen)
        except StoreUnavailable as exc:
            refused(ack, CONFLICT_FIELDS, exc)
            return
        if applicant is None:
            errors = {"applicant_id": "This person has not signed up to work-shadowing."}
            ack(response_action="errors", errors=errors)
            return
        recorded, problem = attempt(
            lambda: conflicts.record(
                services.engine,
                actor=actor,
                applicant_id=applicant.id,
                host_id=host_id,
                reason=reason,
                now=services.now(),
                # The modal's view id: a second delivery of the same form records nothing.
                submission_key=view.get("id"),
            )
        )
        if problem:
            # The applicant was just found, so a record that is missing is the host.
            refused(ack, ("host_id", "applicant_id", "reason"), problem)
            return
        c = recorded.conflict
        # ``person``: the Slack user picked as the civil servant, mentioned as picked.
        told = recorded_text(
            c.id, c.applicant_id, c.host_id, person, bool(recorded.ended_placement_ids)
        )
        done = forms.done_view("Conflict recorded", told)
        ack(response_action="update", view=done)
        services.send_queued()


# Its `/shadow` subcommands, in help order; the app factory builds the router from them.
SUBCOMMANDS = (
    Subcommand(
        "conflicts", "conflicts", "coordinators: list active conflicts of interest", _conflicts
    ),
    Subcommand(
        "conflict",
        "conflict",
        "coordinators: record a conflict of interest between a civil servant and a host",
        _conflict,
    ),
    Subcommand(
        "clear",
        "clear <conflict> <safeguards>",
        "coordinators: clear a conflict once safeguards are agreed",
        _clear,
    ),
)
