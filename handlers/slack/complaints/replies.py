"""Private replies for complaints; what a refusal says is handlers/slack/errors.py's map."""

from __future__ import annotations

import structlog

from handlers.slack.services import Services

log = structlog.get_logger("msbot.complaints")


def tell_privately(
    services: Services, channel: str | None, user: str, text: str, thread_ts: str | None = None
) -> None:
    """An ephemeral message to ``user`` (in a thread when given); a failure is only logged."""
    if not channel:
        return
    try:
        services.client.chat_postEphemeral(
            channel=channel, user=user, text=text, thread_ts=thread_ts
        )
    except Exception as exc:
        log.warning("complaints.ephemeral_failed", error=str(exc)[:200])
