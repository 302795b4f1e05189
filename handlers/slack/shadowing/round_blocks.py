"""What coordinators see of a matching round: the dry run's summary with "Commit round", and
the committed round. Pure functions of the round's read model; rounds.py holds the listeners."""

from __future__ import annotations

from bot.shadowing.views import RoundView
from bot.text import counted
from handlers.slack.shadowing.blocks import actions, button
from handlers.slack.slack_text import context, escape, section

ROUND_COMMIT = "shadow_round_commit"

# The matching engine's reasons for leaving an applicant unmatched, as coordinators read them.
UNMATCHED_REASONS = {
    "no acceptable host": "no suitable host",
    "conflict": "conflict of interest",
    "capacity": "suitable hosts were full",
}


def _round_lines(r: RoundView) -> list[str]:
    summary = r.summary
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


def round_summary(r: RoundView) -> tuple[str, list[dict]]:
    matched = int(r.summary.get("matched") or 0)
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


def round_committed(r: RoundView, expiry_days: int) -> tuple[str, list[dict]]:
    summary = r.summary
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
