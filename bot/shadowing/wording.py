"""What work-shadowing messages say, in plain sentences, for every front end: dates as people
read them, where a decision or an offer stands, the news of an offer, feedback figures.

No markup: where a sentence names the other party or a department, the front end passes that
name in already drawn its own way (bold and escaped in Slack; as typed in Teams, whose cards
escape the whole sentence), and draws the sentence into its own blocks or card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.clock import UK
from bot.shadowing.catalog import status_label
from bot.shadowing.report import Report
from bot.shadowing.views import PlacementView, SignupView
from bot.text import counted

# The feedback form's choices, (value, label).
WORTHWHILE = (
    ("1", "1: not worthwhile"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5: very worthwhile"),
)
YES_NO = (("yes", "Yes"), ("no", "No"))


def day(d: date | None) -> str:
    return f"{d:%-d %b %Y}" if d else "not set"


def uk_day(moment: datetime | None) -> str:
    """The UK date of a stored timestamp (SQLite hands timestamps back without a zone)."""
    if moment is None:
        return "not set"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return day(moment.astimezone(UK).date())


def other(side: str) -> str:
    return "the host" if side == "applicant" else "the civil servant"


def decision_note(status: str) -> str | None:
    """What the manager's request says once decided (None while it waits for them)."""
    if status == "pending_approval":
        return None
    if status == "declined":
        return "You did not approve this sign-up."
    if status == "withdrawn":
        return "This sign-up was withdrawn."
    return "Approved: they are in the scheme."


def approval_outcome(
    approved: bool, status: str, queue_position: int | None, signup_hint: str
) -> tuple[str, str]:
    """(headline, what follows) of the result the applicant is told; ``signup_hint``: how to
    sign up again in the front end's words."""
    if not approved:
        return "Your line manager did not approve your work-shadowing sign-up.", (
            f"Talk to them about it, and sign up again with {signup_hint} when you are ready."
        )
    detail = "You are in the queue for the next matching round."
    if status == "queued" and queue_position:
        detail = f"You are number {queue_position} in the queue for the next matching round."
    return "Your line manager approved your work-shadowing sign-up.", detail


def offer_state(p: PlacementView, side: str) -> str:
    """Where an offer stands for ``side`` once it no longer waits for their answer."""
    if p.confirmed:
        return "Both sides accepted: the placement is confirmed."
    if p.status == "expired":
        return f"This offer expired on {uk_day(p.expires_at)}."
    if p.status in ("declined", "withdrawn"):
        return f"This offer was {p.status}."
    if p.response(side) == "declined":
        return "You declined this offer."
    return f"You accepted. Waiting for {other(side)} to reply."


@dataclass(frozen=True)
class News:
    """An offer's news: the headline (also the notification's text), what follows it in the
    same paragraph, and an aside drawn smaller (or None)."""

    text: str
    more: str = ""
    aside: str | None = None


def offer_news(p: PlacementView, event: str, side: str, whom: str, department: str) -> News:
    """``whom``: the other party as the front end draws it; ``department``: the applicant's."""
    if event == "accepted":
        if side == "applicant":
            text = f"{whom} accepted the offer of a placement with you."
        else:
            text = f"The civil servant from {department} accepted."
        if p.status == "offered" and p.response(side) is None:
            text += " Reply using the buttons on the offer."
        return News(text)
    if event == "confirmed":
        return News(
            f"Both sides accepted: your placement with {whom} is confirmed.",
            "Get in touch to agree dates, then record them here.",
        )
    if event in ("declined", "expired"):
        what = "was declined" if event == "declined" else "expired before both sides accepted"
        after = (
            "You keep your place in the queue for the next round."
            if side == "applicant"
            else "The place is free again for the next round."
        )
        return News(f"The offer of a placement with {whom} {what}.", after)
    if event == "withdrawn":
        what = "placement" if p.both_accepted else "offer of a placement"
        aside = None
        if side == "applicant" and p.applicant.status == "queued":
            aside = "You keep your place in the queue for the next round."
        return News(f"The {what} with {whom} was withdrawn.", aside=aside)
    if event == "scheduled":
        return News(
            f"Dates are set for the placement with {whom}: "
            f"{day(p.start_date)} to {day(p.end_date)}."
        )
    if event == "completed":
        return News(f"The placement with {whom} is marked completed. Thank you for taking part.")
    return News(f"Your placement with {whom} is now {status_label(p.status)}.")


def signup_lines(
    current: SignupView, *, title: str, department: str, manager: str, offers_where: str
) -> list[str]:
    """Where someone's sign-up stands, for their status answer; the names come drawn."""
    lines = [f"{title} ({department}): {current.status_label}."]
    if current.status == "offered":
        lines.append(f"Reply to the offer {offers_where}.")
    if current.status == "pending_approval":
        lines.append(f"We asked {manager} to approve it.")
    if current.queue_position:
        lines.append(f"You are number {current.queue_position} in the queue.")
    return lines


def report_figures(report: Report) -> list[tuple[str, str]]:
    """The headline figures of the coordinators' report, (label, value)."""
    wait = report.median_wait_days
    return [
        ("In the queue", str(report.queue_size)),
        ("Awaiting approval", str(report.pending_approval)),
        ("Offers open", str(report.offered)),
        ("Matched", f"{report.matched} ({report.completed} completed)"),
        ("Median wait to first offer", "none yet" if wait is None else f"{wait} days"),
    ]


def feedback_summary(figures: dict | None) -> str:
    """One side's feedback figures in the coordinators' report."""
    figures = figures or {}
    count = int(figures.get("count") or 0)
    if not count:
        return "no responses yet"
    parts = [counted(count, "response")]
    if figures.get("worthwhile") is not None:
        parts.append(f"worthwhile {figures['worthwhile']:.1f}/5 on average")
    if figures.get("would_recommend") is not None:
        parts.append(f"{figures['would_recommend']:.0%} would recommend")
    return ", ".join(parts)
