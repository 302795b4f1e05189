"""Matching rounds, for coordinators: `/shadow round` (a dry run, in the background) and the
button that commits it."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.shadowing import rounds
from bot.text import counted
from handlers.slack.commands import Subcommand
from handlers.slack.services import Services
from handlers.slack.shadowing.blocks import actions, button
from handlers.slack.shadowing.common import (
    attempt,
    explain,
    is_coordinator,
    on_click,
    only_coordinators,
    post_privately,
)
from handlers.slack.slack_text import context, escape, section
from models import ShadowRound

ROUND_COMMIT = "shadow_round_commit"

# The matching engine's reasons for leaving an applicant unmatched, as coordinators read them.
UNMATCHED_REASONS = {
    "no acceptable host": "no suitable host",
    "conflict": "conflict of interest",
    "capacity": "suitable hosts were full",
}


def _round_lines(r: ShadowRound) -> list[str]:
    summary = r.summary or {}
    unmatched = summary.get("unmatched") or {}
    reasons = [
        f"{escape(UNMATCHED_REASONS.get(reason, str(reason)))}: {count}"
        for reason, count in sorted(unmatched.items())
        if count
    ]
    return [
        f"• Applicants in the queue: {int(summary.get('queued') or 0)}",
        f"• Would be matched: {int(summary.get('matched') or 0)}",
        f"• Left unmatched: {sum(int(c or 0) for c in unmatched.values())}"
        + (f" ({'; '.join(reasons)})" if reasons else ""),
        f"• Free places at open hosts: {int(summary.get('places') or 0)}",
    ]


def round_summary(r: ShadowRound) -> tuple[str, list[dict]]:
    matched = int((r.summary or {}).get("matched") or 0)
    text = f"Dry run of matching round {r.id}: {matched} would be matched."
    blocks = [
        section(f"*Dry run of matching round {r.id}*. Nothing has been sent yet."),
        section("\n".join(_round_lines(r))),
    ]
    if r.status == "dry_run" and matched:
        blocks.append(
            actions(
                "shadow_round",
                button(
                    "Commit round",
                    ROUND_COMMIT,
                    r.id,
                    style="primary",
                    confirm=(
                        "Commit this round?",
                        f"Offers go to {counted(matched, 'applicant')} and their hosts at once.",
                        "Send offers",
                    ),
                ),
            )
        )
    elif not matched:
        blocks.append(context("Nobody would be matched, so there is nothing to commit."))
    return text, blocks


def round_committed(r: ShadowRound, expiry_days: int) -> tuple[str, list[dict]]:
    summary = r.summary or {}
    offers = int(summary.get("offers", summary.get("matched")) or 0)
    sent = counted(offers, "offer")
    was = "was" if offers == 1 else "were"
    text = f"Matching round {r.id} committed: {sent} sent."
    blocks = [
        section(
            f"*Matching round {r.id} committed.* {sent} {was} sent to applicants and their "
            f"hosts; each side has {counted(expiry_days, 'day')} to accept."
        ),
        section("\n".join(_round_lines(r))),
    ]
    return text, blocks


def _round(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    if not is_coordinator(services, body.get("user_id", "")):
        only_coordinators(ack, "run matching rounds")
        return
    ack(text="Working out a dry run of the next matching round…")
    services.in_background(_dry_run, services, body.get("channel_id"), body.get("user_id", ""))


def _dry_run(services: Services, channel: str | None, user: str) -> None:
    matched, problem = attempt(
        lambda: rounds.dry_run(
            services.engine,
            by_user_id=user,
            coordinators=services.settings.coordinator_user_ids,
            now=services.now(),
        )
    )
    if problem:
        post_privately(services, channel, user, explain(problem))
        return
    post_privately(services, channel, user, *round_summary(matched))


def _commit_round(services: Services, round_id: int, user: str):
    # The core refuses a second commit of the same round with a message saying so.
    committed = rounds.commit(
        services.engine,
        round_id,
        by_user_id=user,
        coordinators=services.settings.coordinator_user_ids,
        now=services.now(),
        expiry_days=services.settings.offer_expiry_days,
    )
    return round_committed(committed, services.settings.offer_expiry_days)


def register(app: App, services: Services) -> None:
    on_click(app, services, ROUND_COMMIT, _commit_round)


# Its `/shadow` subcommands, in help order; the app factory builds the router from them.
SUBCOMMANDS = (
    Subcommand(
        "round", "round", "coordinators: dry-run the next matching round, then commit it", _round
    ),
)
