"""Signing up to shadow: `/shadow signup` and its modal, `/shadow withdraw`, and the line
manager's approval (the request with its buttons, and the result sent to the applicant)."""

from __future__ import annotations

from slack_bolt import Ack, App
from sqlmodel import Session

from bot.db import transaction
from bot.errors import StoreUnavailable
from bot.shadowing import notices
from bot.shadowing import signup as core
from handlers.slack.commands import Subcommand
from handlers.slack.services import Services
from handlers.slack.shadowing import forms, status
from handlers.slack.shadowing.blocks import (
    LONG_TEXT,
    actions,
    applicant_fields,
    applicant_renderer,
    button,
)
from handlers.slack.shadowing.common import (
    UNAVAILABLE,
    Work,
    attempt,
    explain,
    on_click,
    refused,
    submitter,
)
from handlers.slack.slack_text import context, fields_section, mention, safe, section
from models import ShadowApplicant

APPROVE = "shadow_approve"
DECLINE = "shadow_decline"


# --- messages -------------------------------------------------------------------------------


def approval_request(a: ShadowApplicant) -> tuple[str, list[dict]]:
    text = f"{mention(a.user_id)} asks for your approval to join work-shadowing."
    blocks = [
        section(
            f"{mention(a.user_id)} would like to join the work-shadowing scheme and needs your "
            "approval as their line manager."
        ),
        fields_section(applicant_fields(a)),
        section(f"*What they want to learn*\n{safe(a.learning_goals, LONG_TEXT)}"),
    ]
    if a.status == "pending_approval":
        blocks.append(
            actions(
                "shadow_approval",
                button("Approve", APPROVE, a.id, style="primary"),
                button(
                    "Decline",
                    DECLINE,
                    a.id,
                    style="danger",
                    confirm=("Decline sign-up?", "They will be told you did not approve.", "Yes"),
                ),
            )
        )
    elif a.status == "declined":
        blocks.append(context("You did not approve this sign-up."))
    elif a.status == "withdrawn":
        blocks.append(context("This sign-up was withdrawn."))
    else:
        blocks.append(context("Approved: they are in the scheme."))
    return text, blocks


def approval_result(session: Session, a: ShadowApplicant, approved: bool) -> tuple[str, list[dict]]:
    if not approved:
        text = "Your line manager did not approve your work-shadowing sign-up."
        return text, [
            section(
                f"{text} Talk to them about it, and sign up again with `/shadow signup` when "
                "you are ready."
            )
        ]
    text = "Your line manager approved your work-shadowing sign-up."
    detail = "You are in the queue for the next matching round."
    position = core.queue_position(session, a) if a.status == "queued" else None
    if position:
        detail = f"You are number {position} in the queue for the next matching round."
    return text, [
        section(f"{text} {detail}"),
        context("We will message you when a round finds you a host. `/shadow status` any time."),
    ]


RENDERERS = {
    notices.APPROVAL_REQUEST: applicant_renderer(lambda s, a, d: approval_request(a)),
    notices.APPROVAL_RESULT: applicant_renderer(
        lambda s, a, d: approval_result(s, a, bool(d.get("approved")))
    ),
}


# --- /shadow signup, /shadow withdraw -------------------------------------------------------


def _signup(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    user = body.get("user_id", "")
    try:
        with transaction(services.engine) as s:
            current = core.active_signup(s, user)
            answer = status.status_blocks(s, user) if current else None
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
    # trigger_id expires after 3 seconds: acknowledge, then open the modal straight away.
    ack()
    services.after_ack(
        services.client.views_open,
        trigger_id=body.get("trigger_id"),
        view=forms.signup_modal(services.settings.departments),
    )


def _withdraw(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    _, problem = attempt(
        lambda: core.withdraw(
            services.engine,
            user_id=body.get("user_id", ""),
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
    def work(services: Services, applicant_id: int, user: str):
        core.decide(
            services.engine,
            applicant_id,
            manager_user_id=user,
            approve=approve,
            now=services.now(),
        )
        with transaction(services.engine) as s:
            return approval_request(s.get(ShadowApplicant, applicant_id))

    return work


def register(app: App, services: Services) -> None:
    on_click(app, services, APPROVE, _decide(True))
    on_click(app, services, DECLINE, _decide(False))

    @app.view(forms.SIGNUP_CALLBACK)
    def signup_submitted(ack: Ack, body: dict, view: dict) -> None:
        user = submitter(body)
        applicant, problem = attempt(
            lambda: core.sign_up(
                services.engine,
                forms.read_signup(view),
                user_id=user,
                submission_key=view.get("id"),
                today=services.today(),
                departments=services.settings.departments,
            )
        )
        if problem:
            refused(ack, forms.SIGNUP_FIELDS, problem)
            return
        ack(response_action="update", view=forms.signup_done(applicant.manager_user_id))
        services.send_queued()


# Its `/shadow` subcommands, in help order; the app factory builds the router from them.
SUBCOMMANDS = (
    Subcommand("signup", "signup", "sign up to shadow a voluntary-sector organisation", _signup),
    Subcommand(
        "withdraw", "withdraw [reason]", "withdraw your sign-up (and any offer it has)", _withdraw
    ),
)
