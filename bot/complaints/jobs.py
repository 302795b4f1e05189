"""The complaint jobs: daily nudges to investigators (their overdue and due-soon cases,
authority replies and follow-ups coming due), follow-ups coming due, and grouping cases a
crash left ungrouped. Each nudge is claimed (bot.jobs.nudges) with the message it queues."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import and_, select
from sqlmodel import Session

from bot import outbox
from bot.complaints.deadlines import is_due_soon, is_overdue
from bot.complaints.investigation import due_follow_ups
from bot.complaints.related import group_pending
from bot.jobs import notices
from bot.jobs.nudges import nudge_once
from bot.jobs.registry import Job, JobContext, counted
from bot.reports import terms
from bot.reports.sql import c, effective_due

# A reminder comes this many days before an authority's reply or a follow-up is due.
REMIND_DAYS_BEFORE = 3
# Cases further than this from their target date are never "due soon"; the window keeps the
# query to the handful of cases that can be.
DUE_SOON_WINDOW = timedelta(days=45)


def investigator_reminders(ctx: JobContext, s: Session | None) -> str:
    today = ctx.today
    due = effective_due()
    rows = s.execute(
        select(c.assignee_id, c.reference, c.received_on, due.label("due"))
        .where(
            c.assignee_id.is_not(None),
            # the clock is paused while the supplier answers, and stops at resolution
            c.status.in_(sorted(terms.CLOCK_RUNNING)),
            due <= today + DUE_SOON_WINDOW,
        )
        .order_by(due, c.reference)
    ).all()
    lists: dict[str, dict[str, list]] = defaultdict(lambda: {"overdue": [], "due_soon": []})
    for user, ref, received, due_on in rows:
        due_on = due_on if isinstance(due_on, date) else date.fromisoformat(str(due_on))
        if is_overdue(due_on, today):
            lists[user]["overdue"].append([ref, due_on.isoformat()])
        elif is_due_soon(received, due_on, today):
            lists[user]["due_soon"].append([ref, due_on.isoformat()])
    sent = 0
    for user, data in sorted(lists.items()):
        if (data["overdue"] or data["due_soon"]) and nudge_once(s, user, "my_cases", today):
            outbox.enqueue(s, notices.INVESTIGATOR_CASES, person_id=user, data=data)
            sent += 1
    return f"{sent} investigator(s) reminded"


def _remind(s: Session, what: str, rows, today: date) -> int:
    sent = 0
    for case_id, ref, user, due_on in rows:
        if user and nudge_once(s, user, f"{what}:{case_id}", today):
            due_text = due_on.isoformat() if isinstance(due_on, date) else str(due_on)
            outbox.enqueue(
                s,
                notices.CASE_REMINDER,
                person_id=user,
                subject_id=case_id,
                data={"reference": ref, "due": due_text, "what": what},
            )
            sent += 1
    return sent


def follow_ups_due(ctx: JobContext, _: Session | None) -> str:
    """The core's move, in its own transaction (safe to repeat: only resolved cases move,
    under a row lock), before the morning's reminders."""
    return f"moved {len(due_follow_ups(ctx.engine, ctx.today, ctx.now))}"


def case_reminders(ctx: JobContext, s: Session | None) -> str:
    today = ctx.today
    soon = today + timedelta(days=REMIND_DAYS_BEFORE)
    replies = s.execute(
        select(c.id, c.reference, c.assignee_id, c.authority_reply_due).where(
            c.status == "awaiting_authority",
            c.authority_replied_on.is_(None),
            c.authority_reply_due <= soon,
        )
    ).all()
    follow_ups = s.execute(
        select(c.id, c.reference, c.assignee_id, c.follow_up_due).where(
            and_(c.status.in_(terms.AWAITING_FOLLOW_UP), c.follow_up_result.is_(None)),
            c.follow_up_due <= soon,
        )
    ).all()
    a = _remind(s, "authority_reply", replies, today)
    f = _remind(s, "follow_up", follow_ups, today)
    return f"authority replies {a}, follow-ups {f}"


# The complaint feature's scheduled jobs, collected by bot.bootstrap.
JOBS = (
    Job(
        "investigator_reminders",
        "0 8 * * 1-5",
        investigator_reminders,
        "DM each investigator their overdue and due-soon cases",
    ),
    Job(
        "follow_ups_due",
        "0 7 * * *",
        follow_ups_due,
        "move resolved cases whose follow-up date has come into follow-up",
        transactional=False,
    ),
    Job(
        "case_reminders",
        "30 8 * * 1-5",
        case_reminders,
        "remind assignees of authority replies and follow-ups due",
    ),
    # A case the request already grouped, or another process is grouping, is left alone.
    Job(
        "case_grouping",
        "*/5 * * * *",
        counted("cases grouped", group_pending),
        "group new cases with related ones where a crash left that undone",
        transactional=False,
    ),
)
