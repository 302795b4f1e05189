"""What the scheduled jobs' messages are drawn from, read when each is sent (bot.jobs.notices):
most carry their figures in the queued row; a round summary names its round, and a report
file is worked out from the period it names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from bot.outbox import Skip
from bot.permissions import SYSTEM_ACTOR
from bot.reports import annual
from bot.shadowing import views as shadowing_views
from models import OutboxMessage, ShadowRound


def figures(session: Session, msg: OutboxMessage) -> dict:
    """The figures or lists the job stored on the row (a digest, a reminder)."""
    return dict(msg.data or {})


@dataclass(frozen=True)
class RoundSummary:
    round: shadowing_views.RoundView
    committed: bool  # the scheduled run committed it (else: a dry run to review)


def round_summary(session: Session, msg: OutboxMessage) -> RoundSummary:
    found = session.get(ShadowRound, msg.subject_id)
    if found is None:
        raise Skip()
    data = msg.data or {}
    return RoundSummary(shadowing_views.round_view(found), bool(data.get("committed")))


@dataclass(frozen=True)
class ReportFile:
    report: annual.Report
    start: date
    end: date
    format: str
    threshold: int  # counts under this are suppressed


def report_file(session: Session, msg: OutboxMessage, threshold: int = 3) -> ReportFile:
    d = msg.data
    start, end = date.fromisoformat(d["from"]), date.fromisoformat(d["to"])
    # Drawn when sent by the system: the lead was checked when they asked (and it is theirs).
    report = annual.build_report(session, start, end, actor=SYSTEM_ACTOR)
    return ReportFile(report, start, end, d["format"], int(d.get("threshold") or threshold))
