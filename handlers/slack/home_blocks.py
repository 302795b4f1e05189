"""App Home's Block Kit: a pure function of the core's read models (the complaints'
HomeView and work-shadowing's MyShadowing). home.py is its listener."""

from __future__ import annotations

from bot.complaints import catalog
from bot.complaints.views import HomeView
from bot.shadowing.views import MyShadowing
from handlers.slack.slack_text import context, escape, header, mention, safe, section

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


def shadowing_blocks(mine: MyShadowing) -> list[dict]:
    """The user's sign-up, the places they offer and their placements, if any."""
    lines = []
    if mine.signup is not None:
        lines.append(
            f"• Your sign-up: {escape(mine.signup.status_label)}"
            f" ({_day(mine.signup.available_from)} to {_day(mine.signup.available_to)})"
        )
    for host in mine.hosts[:LIST_MAX]:
        lines.append(
            f"• Places at {safe(host.organisation, 80)}: {host.taken} of {host.capacity} taken"
        )
    for p in mine.placements[:LIST_MAX]:
        lines.append(
            f"• Placement #{p.id}: {escape(p.state)}"
            + (f", from {_day(p.start_date)}" if p.start_date else "")
        )
    if not lines:
        return []
    return [header("Work-shadowing"), section("\n".join(lines))]


WELCOME = (
    "*Welcome to msbot.*\nRaise a procurement concern with `/complaint` "
    "(anonymously if you wish), or join work-shadowing with `/shadow signup`."
)
UNAVAILABLE = "Your cases can't be shown right now; please look again soon."


def home_tab(home: HomeView, mine: MyShadowing) -> dict:
    blocks = complaint_blocks(home) + shadowing_blocks(mine)
    if not blocks:
        blocks = [section(WELCOME)]
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}


def unavailable_tab() -> dict:
    return {"type": "home", "blocks": [section(UNAVAILABLE)]}
