"""The 1:1 chat's own commands: "home" (what Slack's App Home shows, drawn now), "help",
"complaint" (the button that opens the dialog: a message cannot open one itself) and "status".
Each answers the person in the same chat; nothing here goes to a channel."""

from __future__ import annotations

from bot.complaints import intake, investigation, views
from bot.db import transaction
from bot.errors import NotFound, StoreUnavailable
from bot.shadowing import views as shadowing_views
from handlers.teams import welcome
from handlers.teams.complaints import home_cards
from handlers.teams.dispatch import tell_privately
from handlers.teams.requests import TeamsRequest
from handlers.teams.routes import Routes

HOME_UNAVAILABLE = "Your cases can't be shown right now; please look again soon."
STATUS_UNAVAILABLE = "Sorry, case status is unavailable right now. Please try again shortly."


def home(req: TeamsRequest) -> None:
    services = req.services
    try:
        actor = req.actor()
        with transaction(services.engine) as s:
            view = views.home_view(s, actor, services.today())
            mine = shadowing_views.my_shadowing(s, actor.person_id)
    except StoreUnavailable:
        tell_privately(req, HOME_UNAVAILABLE)
        return
    tell_privately(req, "Your msbot", home_cards.home_card(view, mine))


def help_command(req: TeamsRequest) -> None:
    tell_privately(req, "What I can do", home_cards.help_card())


def hello(req: TeamsRequest) -> None:
    tell_privately(req, welcome.WELCOME_TITLE, welcome.welcome_card())


def raise_complaint(req: TeamsRequest) -> None:
    tell_privately(req, "Raise a complaint", home_cards.raise_card())


def status(req: TeamsRequest) -> None:
    words = req.text.split()[1:]
    try:
        person = req.actor().person_id
        with transaction(req.services.engine) as s:
            if words:
                case = views.my_complaint(intake.case_for_reporter(s, person, words[0]))
                card = home_cards.status_detail(case)
            else:
                mine = [views.my_complaint(c) for c in intake.cases_for_reporter(s, person)]
                card = home_cards.status_list(mine)
    except NotFound as exc:
        tell_privately(req, str(exc))
        return
    except StoreUnavailable:
        tell_privately(req, STATUS_UNAVAILABLE)
        return
    tell_privately(req, "Your complaints", card)


def withdraw(req: TeamsRequest) -> None:
    """The supplier withdraws their own case (a refusal, e.g. someone else's case, is said by
    the dispatcher, to them alone)."""
    words = req.text.split()[1:]
    if not words:
        tell_privately(req, 'Say which case: "withdraw MS-2026-0007", and why if you like.')
        return
    services = req.services
    case = investigation.withdraw(
        services.engine, words[0], req.actor(), " ".join(words[1:]), services.clock()
    )
    services.send_queued()
    tell_privately(req, f"Your complaint {case.reference} is withdrawn. Thank you for raising it.")


ROUTES = Routes(
    personal_commands={
        "home": home,
        "help": help_command,
        "complaint": raise_complaint,
        "status": status,
        "withdraw": withdraw,
        **dict.fromkeys(("hello", "hi", "start"), hello),
    }
)
