"""App Home (`app_home_opened` -> views.publish): what each person has to do or follow.

Investigators: their open cases by due date, overdue first, and the unassigned queue. Leads:
the team's queue by state, overdue cases and follow-ups due. Suppliers: their own cases and
status. Shadowing users: their sign-up, the places they offer and their placements. One person
may be several of these; each part is drawn from the core's read models.
"""

from __future__ import annotations

import structlog
from slack_bolt import Ack, App, BoltContext
from sqlmodel import Session

from bot.complaints import catalog, views
from bot.db import transaction
from bot.errors import StoreUnavailable
from bot.permissions import Actor
from bot.shadowing import catalog as shadow_catalog
from bot.shadowing import hosts, placements, signup
from handlers.slack.services import Services
from handlers.slack.shadowing.status import placement_words
from handlers.slack.slack_text import context, escape, header, mention, safe, section
from models import ShadowApplicant

log = structlog.get_logger("msbot.home")

LIST_MAX = 15
MAX_BLOCKS = 100  # a Home tab view holds at most 100 blocks


def _day(d) -> str:
    return f"{d:%-d %b %Y}" if d else "-"


def case_line(case) -> str:
    flag = " :red_circle: overdue" if case.any_overdue else (" · due soon" if case.due_soon else "")
    who = f" · {mention(case.assignee)}" if case.assignee else ""
    return (
        f"• *{case.reference}* {safe(case.authority, 60)}: {escape(case.status_label)}"
        f" · due {_day(case.effective_due)}{flag}{who}"
    )


def _list(title: str, cases, empty: str) -> list[dict]:
    cases = list(cases)
    lines = [case_line(c) for c in cases[:LIST_MAX]]
    if len(cases) > LIST_MAX:
        lines.append(f"…and {len(cases) - LIST_MAX} more.")
    return [section(f"*{title}*\n" + ("\n".join(lines) if lines else f"_{empty}_"))]


def complaint_blocks(home) -> list[dict]:
    blocks: list[dict] = []
    if home.roles & {"investigator", "lead"}:
        blocks += [header("Your cases")]
        blocks += _list("Open, by due date (overdue first)", home.my_cases, "No open cases.")
        blocks += _list("Unassigned queue", home.unassigned, "Nothing waiting.")
    if "lead" in home.roles:
        blocks += [header("Team queue")]
        for status, cases in home.team_by_status.items():
            blocks += _list(catalog.status_label(status), cases, "None.")
        blocks += _list("Overdue", home.overdue, "Nothing overdue.")
        blocks += _list("Follow-ups due", home.follow_ups_due, "None due.")
    if home.own_complaints:
        blocks += [header("Your complaints")]
        lines = [
            f"• *{c.reference}* {safe(c.authority, 60)}: {escape(c.status_label)}"
            for c in home.own_complaints[:LIST_MAX]
        ]
        blocks.append(section("\n".join(lines)))
        blocks.append(context("See one in detail with `/complaint status MS-YYYY-NNNN`."))
    return blocks[: MAX_BLOCKS - 10]


def shadowing_blocks(session: Session, user_id: str) -> list[dict]:
    """The user's sign-up, the places they offer and their placements, if any."""
    lines = []
    applicant = signup.active_signup(session, user_id)
    if applicant is not None:
        lines.append(
            f"• Your sign-up: {escape(shadow_catalog.status_label(applicant.status))}"
            f" ({_day(applicant.available_from)} to {_day(applicant.available_to)})"
        )
    for host in hosts.hosts_for_user(session, user_id)[:LIST_MAX]:
        taken = hosts.places_taken(session, host.id)
        lines.append(f"• Places at {safe(host.organisation, 80)}: {taken} of {host.capacity} taken")
    for p in placements.placements_for_user(session, user_id)[:LIST_MAX]:
        mine = session.get(ShadowApplicant, p.applicant_id)
        side = "applicant" if mine is not None and mine.user_id == user_id else "host"
        lines.append(
            f"• Placement #{p.id}: {escape(placement_words(p, side))}"
            + (f", from {_day(p.start_date)}" if p.start_date else "")
        )
    if not lines:
        return []
    return [header("Work-shadowing"), section("\n".join(lines))]


def home_view(services: Services, actor: Actor) -> dict:
    user_id = actor.user_id
    with transaction(services.engine) as s:
        blocks = complaint_blocks(views.home_view(s, actor, services.today()))
        blocks += shadowing_blocks(s, user_id)
    if not blocks:
        blocks = [
            section(
                "*Welcome to msbot.*\nRaise a procurement concern with `/complaint` "
                "(anonymously if you wish), or join work-shadowing with `/shadow signup`."
            )
        ]
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}


def publish(services: Services, actor: Actor) -> None:
    try:
        view = home_view(services, actor)
    except StoreUnavailable:
        view = {
            "type": "home",
            "blocks": [section("Your cases can't be shown right now; please look again soon.")],
        }
    services.client.views_publish(user_id=actor.user_id, view=view)


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def home_opened(ack: Ack, event: dict, context: BoltContext) -> None:
        ack()
        if event.get("tab", "home") != "home":
            return  # the Messages tab: nothing to draw
        services.after_ack(publish, services, context["actor"])
