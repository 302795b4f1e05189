"""Cards for the 1:1 chat: Home (what Slack's App Home shows), help, and a supplier's case
status. Pure functions of the core's read models (the complaints' HomeView and MyComplaint,
work-shadowing's MyShadowing); home.py sends them."""

from __future__ import annotations

from bot.complaints import catalog
from bot.complaints.views import HomeView, MyComplaint
from bot.shadowing.views import MyShadowing
from handlers.teams.cards import adaptive_card, fact_set, heading, shrink_to_fit, text_block
from handlers.teams.welcome import COMPLAINT_DIALOG, RAISE_BUTTON, open_dialog_button

LIST_MAX = 15
SEE_MORE = 'Type "status MS-YYYY-NNNN" for any one case.'
COMMANDS = (
    ("home", "your cases and work-shadowing, as they are now"),
    ("complaint", "raise a new complaint (or use the button below)"),
    ("status", "your complaints; status MS-YYYY-NNNN for one in detail"),
    ("withdraw", "withdraw MS-YYYY-NNNN [why]: withdraw one of your complaints"),
    ("spotcheck", "investigators and leads: open a case the team starts itself"),
    ("timeline", "investigators and leads: timeline MS-YYYY-NNNN, a case's history"),
    ("shadow", "work-shadowing: sign up, offer places, your offers; shadow help lists it all"),
    ("privacy", "leads: privacy export @person sends you everything msbot holds about them"),
    ("help", "this list"),
)
WELCOME = (
    "Welcome to msbot. Raise a procurement concern with the button below (anonymously if you wish)."
)


def _day(d) -> str:
    return f"{d:%-d %b %Y}" if d else "-"


def _case_facts(cases, home_person=None) -> list[tuple[str, str]]:
    facts = []
    for case in list(cases)[:LIST_MAX]:
        flag = " (overdue)" if case.any_overdue else (" (due soon)" if case.due_soon else "")
        owner = ""
        if case.assignee:
            ref = case.person(case.assignee)
            owner = f", {ref.name}" if ref and ref.name else ""
        facts.append(
            (
                case.reference,
                f"{case.authority}: {case.status_label}, due {_day(case.effective_due)}"
                f"{flag}{owner}",
            )
        )
    return facts


def _list(title: str, cases, empty: str) -> list[dict]:
    cases = list(cases)
    body = [text_block(title, weight="Bolder")]
    if not cases:
        return [*body, text_block(empty, subtle=True)]
    body.append(fact_set(_case_facts(cases)))
    if len(cases) > LIST_MAX:
        body.append(text_block(f"…and {len(cases) - LIST_MAX} more.", subtle=True))
    return body


def complaint_body(home: HomeView) -> list[dict]:
    body: list[dict] = []
    if home.roles & {"investigator", "lead"}:
        body += _list("Your open cases, by due date (overdue first)", home.my_cases, "None.")
        body += _list("Unassigned queue", home.unassigned, "Nothing waiting.")
    if "lead" in home.roles:
        for status, cases in home.team_by_status.items():
            body += _list(f"Team queue: {catalog.status_label(status)}", cases, "None.")
        body += _list("Overdue", home.overdue, "Nothing overdue.")
        body += _list("Follow-ups due", home.follow_ups_due, "None due.")
    if home.own_complaints:
        body.append(text_block("Your complaints", weight="Bolder"))
        body.append(
            fact_set(
                (c.reference, f"{c.authority}: {c.status_label}")
                for c in home.own_complaints[:LIST_MAX]
            )
        )
    return body


def shadowing_body(mine: MyShadowing) -> list[dict]:
    facts = []
    if mine.signup is not None:
        facts.append(
            (
                "Your sign-up",
                f"{mine.signup.status_label} ({_day(mine.signup.available_from)} to "
                f"{_day(mine.signup.available_to)})",
            )
        )
    for host in mine.hosts[:LIST_MAX]:
        facts.append(("Places offered", f"{host.organisation}: {host.taken} of {host.capacity}"))
    for p in mine.placements[:LIST_MAX]:
        start = f", from {_day(p.start_date)}" if p.start_date else ""
        facts.append((f"Placement #{p.id}", f"{p.state}{start}"))
    if not facts:
        return []
    return [text_block("Work-shadowing", weight="Bolder"), fact_set(facts)]


def home_card(home: HomeView, mine: MyShadowing) -> dict:
    body = complaint_body(home) + shadowing_body(mine)
    if not body:
        body = [text_block(WELCOME)]
    card = adaptive_card(
        [heading("Your msbot"), *body],
        [open_dialog_button(RAISE_BUTTON, COMPLAINT_DIALOG)],
    )
    return shrink_to_fit(card, SEE_MORE)


def help_card() -> dict:
    return adaptive_card(
        [
            heading("What I can do"),
            text_block("Type one of these here:"),
            fact_set(COMMANDS),
            text_block(
                "In Teams you can also raise a complaint from the message box: msbot's "
                '"Raise a complaint" action.',
                subtle=True,
            ),
        ],
        [open_dialog_button(RAISE_BUTTON, COMPLAINT_DIALOG)],
    )


def raise_card() -> dict:
    return adaptive_card(
        [text_block("Press the button to open the complaint form.")],
        [open_dialog_button(RAISE_BUTTON, COMPLAINT_DIALOG)],
    )


def status_list(cases: list[MyComplaint]) -> dict:
    if not cases:
        return adaptive_card(
            [text_block("You have no complaints with us.")],
            [open_dialog_button(RAISE_BUTTON, COMPLAINT_DIALOG)],
        )
    facts = [(c.reference, f"{c.authority}: {c.status_label} (due {_day(c.due)})") for c in cases]
    body = [heading("Your complaints"), fact_set(facts[:LIST_MAX])]
    if len(cases) > LIST_MAX:
        body.append(text_block(f"…and {len(cases) - LIST_MAX} older ones.", subtle=True))
    body.append(text_block(SEE_MORE, subtle=True))
    return shrink_to_fit(adaptive_card(body), SEE_MORE)


def status_detail(case: MyComplaint) -> dict:
    return adaptive_card(
        [
            heading(f"Complaint {case.reference}"),
            fact_set(
                [
                    ("Status", case.status_label),
                    ("Category", case.category_label),
                    ("Authority", case.authority),
                    ("Procurement", case.title),
                    ("Received", _day(case.received_on)),
                    ("Response due", _day(case.due)),
                    ("Anonymous", "Yes" if case.anonymous else "No"),
                ]
            ),
        ]
    )
