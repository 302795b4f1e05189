"""The line manager's approval request (with Approve / Decline while it is pending) and the
result the applicant is told. Pure functions of the sign-up's read model; signup.py holds the
listeners."""

from __future__ import annotations

from bot.shadowing import delivery_views, notices
from bot.shadowing.views import ApplicantView
from bot.shadowing.wording import approval_outcome, decision_note
from handlers.slack.deliveries import drawn
from handlers.slack.shadowing.blocks import (
    LONG_TEXT,
    actions,
    applicant_fields,
    applicant_renderer,
    button,
)
from handlers.slack.slack_text import context, fields_section, mention, safe, section

APPROVE = "shadow_approve"
DECLINE = "shadow_decline"


def approval_request(a: ApplicantView) -> tuple[str, list[dict]]:
    text = f"{mention(a.user)} asks for your approval to join work-shadowing."
    blocks = [
        section(
            f"{mention(a.user)} would like to join the work-shadowing scheme and needs your "
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
    else:
        blocks.append(context(decision_note(a.status)))
    return text, blocks


def approval_result(a: ApplicantView, approved: bool) -> tuple[str, list[dict]]:
    text, detail = approval_outcome(approved, a.status, a.queue_position, "`/shadow signup`")
    if not approved:
        return text, [section(f"{text} {detail}")]
    return text, [
        section(f"{text} {detail}"),
        context("We will message you when a round finds you a host. `/shadow status` any time."),
    ]


RENDERERS = {
    notices.APPROVAL_REQUEST: drawn(
        delivery_views.applicant_message,
        applicant_renderer(lambda a, message: approval_request(a)),
    ),
    notices.APPROVAL_RESULT: drawn(
        delivery_views.applicant_message,
        applicant_renderer(lambda a, message: approval_result(a, message.approved)),
    ),
}
