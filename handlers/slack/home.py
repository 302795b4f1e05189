"""App Home (`app_home_opened` -> views.publish): what each person has to do or follow.

Investigators: their open cases by due date, overdue first, and the unassigned queue. Leads:
the team's queue by state, overdue cases and follow-ups due. Suppliers: their own cases and
status. Shadowing users: their sign-up, the places they offer and their placements. One person
may be several of these; each part is drawn from the core's read models (home_blocks.py
draws them).
"""

from __future__ import annotations

import structlog
from slack_bolt import Ack, App, BoltContext

from bot.complaints import views
from bot.db import transaction
from bot.errors import StoreUnavailable
from bot.permissions import Actor
from bot.shadowing import views as shadowing_views
from handlers.slack.home_blocks import home_tab, unavailable_tab
from handlers.slack.services import Services

log = structlog.get_logger("msbot.home")


def home_view(services: Services, actor: Actor) -> dict:
    user_id = actor.user_id
    with transaction(services.engine) as s:
        home = views.home_view(s, actor, services.today())
        mine = shadowing_views.my_shadowing(s, user_id)
    return home_tab(home, mine)


def publish(services: Services, actor: Actor) -> None:
    try:
        view = home_view(services, actor)
    except StoreUnavailable:
        view = unavailable_tab()
    services.client.views_publish(user_id=actor.user_id, view=view)


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def home_opened(ack: Ack, event: dict, context: BoltContext) -> None:
        ack()
        if event.get("tab", "home") != "home":
            return  # the Messages tab: nothing to draw
        services.after_ack(publish, services, context["actor"])
