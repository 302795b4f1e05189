"""Signing up to shadow: `/shadow signup` and its modal, `/shadow withdraw`, and the line
manager's Approve / Decline (signup_blocks.py draws the request and the result)."""

from __future__ import annotations

from dataclasses import replace

from slack_bolt import Ack, App, BoltContext

from bot.db import transaction
from bot.errors import StoreUnavailable
from bot.permissions import Actor
from bot.shadowing import signup as core
from bot.shadowing import views
from handlers.slack.commands import Subcommand
from handlers.slack.services import Services

# status's subcommands register before this module's, as the help text has always listed them.
from handlers.slack.shadowing import forms, status
from handlers.slack.shadowing.common import (
    UNAVAILABLE,
    Work,
    attempt,
    explain,
    on_click,
    open_modal,
    person_for_slack,
    save_form,
    submission,
    submitter,
)
from handlers.slack.shadowing.signup_blocks import APPROVE, DECLINE, approval_request
from handlers.slack.slack_text import section

# --- /shadow signup, /shadow withdraw -------------------------------------------------------


def _signup(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    try:
        answer = status.my_status(services, body, if_signed_up=True)
    except StoreUnavailable:
        ack(text=UNAVAILABLE)
        return
    if answer:
        _, blocks = answer
        intro = section(
            "You already have an active sign-up, so you cannot sign up again. "
            "To start afresh, withdraw it first with `/shadow withdraw`."
        )
        ack(text="You already have an active sign-up.", blocks=[intro, *blocks])
        return
    open_modal(services, ack, body, forms.signup_modal(services.settings.departments))


def _withdraw(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
    _, problem = attempt(
        lambda: core.withdraw(
            services.engine,
            actor=actor,
            reason=" ".join(args),
            now=services.now(),
        )
    )
    if problem:
        ack(text=explain(problem))
        return
    services.send_queued()
    ack(text="Your work-shadowing sign-up is withdrawn. Sign up again with `/shadow signup`.")


# --- the manager's decision, and the modal ---------------------------------------------------


def _decide(approve: bool) -> Work:
    def work(services: Services, applicant_id: int, actor: Actor):
        core.decide(
            services.engine,
            applicant_id,
            actor=actor,
            approve=approve,
            now=services.now(),
        )
        with transaction(services.engine) as s:
            return approval_request(views.applicant(s, applicant_id))

    return work


def register(app: App, services: Services) -> None:
    on_click(app, services, APPROVE, _decide(True))
    on_click(app, services, DECLINE, _decide(False))

    @app.view(forms.SIGNUP_CALLBACK)
    def signup_submitted(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
        submitter(body)
        submitted = forms.read_signup(view)
        manager = submitted.manager_id  # the Slack user chosen in the form
        save_form(
            services,
            ack,
            forms.SIGNUP_FIELDS,
            lambda: core.sign_up(
                services.engine,
                replace(submitted, manager_id=person_for_slack(services, manager) or None)
                if manager
                else submitted,
                **submission(services, view, context),
            ),
            lambda _: forms.signup_done(manager),
        )


# Its `/shadow` subcommands, in help order; the app factory builds the router from them.
SUBCOMMANDS = (
    Subcommand("signup", "signup", "sign up to shadow a voluntary-sector organisation", _signup),
    Subcommand(
        "withdraw", "withdraw [reason]", "withdraw your sign-up (and any offer it has)", _withdraw
    ),
)
