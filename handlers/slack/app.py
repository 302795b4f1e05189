"""The Slack app factory: builds the Web API client, the transport with every renderer, the
Bolt app with its middleware, listeners and slash-command routers, on the core that
bot.bootstrap builds. Every list the adapter works from is assembled here, explicitly:
nothing is registered by importing a module."""

from __future__ import annotations

import structlog
from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy.engine import Engine

from bot import bootstrap
from bot.db import REQUEST_BUDGET_SECONDS, deadline
from bot.outbox import OutboxWorker
from handlers.routing import RoutingTransport, roles_elsewhere
from handlers.slack import actors, middleware, privacy_messages
from handlers.slack.commands import CommandRouter
from handlers.slack.complaints import (
    casework,
    investigation_slack,
    mentions,
    reports,
    subject_access,
    team,
    thread,
)
from handlers.slack.complaints import listeners as complaint_listeners
from handlers.slack.complaints import messages as complaint_messages
from handlers.slack.complaints import unreachable_messages as complaint_unreachable
from handlers.slack.deliveries import Handoff
from handlers.slack.services import Services
from handlers.slack.settings import SlackSettings
from handlers.slack.shadowing import common as shadow_common
from handlers.slack.shadowing import listeners as shadow_listeners
from handlers.slack.shadowing import messages as shadow_messages
from handlers.slack.transport import SlackTransport, role_channels

log = structlog.get_logger("msbot.app")


def make_client(settings: SlackSettings) -> WebClient:
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def renderers(assignable=None, handoff: Handoff | None = None) -> dict:
    """Every outbox kind's renderer; ``assignable`` lists who the triage card offers to assign
    the case to (none offered without it); ``handoff`` holds views listeners hand over."""
    return {
        **complaint_messages.RENDERERS,
        # The live triage card replaces the first card.
        **investigation_slack.renderers(assignable, handoff),
        **shadow_messages.RENDERERS,
        **reports.RENDERERS,
        **privacy_messages.RENDERERS,
        **complaint_unreachable.RENDERERS,
    }


def build_services(settings: SlackSettings, engine: Engine, **overrides) -> Services:
    """The core (bot.bootstrap) with Slack's client, renderers and transport around it."""
    core = bootstrap.build(settings, engine)
    client = make_client(settings)
    roles = team.make_directory(client, settings)
    assignable = team.Assignable(roles, team.DisplayNames(client), engine)
    handoff = Handoff()
    transport = SlackTransport(
        client,
        renderers(assignable, handoff),
        role_channels(settings),
        after_sent=core.after_sent,
        threaded_kinds=core.threaded_kinds,
        after_dead=core.after_dead,
    )
    services = Services(
        settings=settings,
        engine=engine,
        client=client,
        transport=transport,
        jobs=core.jobs,
        # Commands acknowledged, recorded, then run (and resumed after a crash) by kind.
        runners={"mention": mentions.run_recorded},
        # Every platform's rows are claimed here; Teams' wait for `msbot serve-teams`.
        outbox=OutboxWorker(
            engine,
            RoutingTransport([transport], elsewhere=roles_elsewhere()),
            interval=settings.outbox_interval_seconds,
        ),
        handoff=handoff,
        **overrides,
    )
    services._role_directory = roles  # one directory (and group cache) for checks and cards
    return services


class BudgetedApp(App):
    """Bolt's app with every request's database work under one budget (README "Bounded
    waits"): the middleware, the listener, and the after-ack answer it hands off (which keeps
    this budget, see Services.after_ack) all fit in Slack's 3 s. Past it no connection is
    opened and no COMMIT sent, so "nothing was changed" is true when said. Here, not in a
    middleware, because Bolt runs its middleware one after another, not nested: a
    middleware's context has ended before the listener runs. HTTP and Socket Mode both
    come through dispatch."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        with deadline(REQUEST_BUDGET_SECONDS):
            return super().dispatch(req)


def build_app(services: Services) -> App:
    app = BudgetedApp(
        signing_secret=services.settings.slack_signing_secret,
        client=services.client,
        # No Web API call at start-up: the app must start even while Slack is unreachable.
        token_verification_enabled=False,
        # Listeners run on the request thread and return as soon as they have acked, handing
        # slow work to Services.after_ack; Bolt's default instead polls for the ack in 10 ms
        # sleeps, which adds up to 10 ms to every response.
        process_before_response=True,
    )
    app.use(middleware.bind_request_context)
    app.use(
        middleware.drop_repeated_deliveries(
            services.engine,
            form_openers=complaint_listeners.FORM_OPENERS,
            claimed_by_listener=mentions.CLAIMS_ITS_OWN_DELIVERY | thread.CLAIMS_ITS_OWN_DELIVERY,
        )
    )
    # After the repeats are dropped: a repeat needs no actor.
    app.use(actors.resolve(services, form_openers=complaint_listeners.FORM_OPENERS))

    @app.error
    def on_error(error, body):
        log.error("listener.failed", error=repr(error), exc_info=error)

    complaint_listeners.register(app, services, complaint_router())
    investigation_slack.register(app, services)
    shadow_listeners.register(app, services, shadow_router())
    return app


def complaint_router() -> CommandRouter:
    """`/complaint`: filing and status, then casework, then the leads' reports."""
    return CommandRouter(
        "/complaint",
        complaint_listeners.INTRO,
        [
            *complaint_listeners.SUBCOMMANDS,
            *casework.SUBCOMMANDS,
            *reports.SUBCOMMANDS,
            *subject_access.SUBCOMMANDS,
        ],
        default="new",
    )


def shadow_router() -> CommandRouter:
    return CommandRouter("/shadow", shadow_common.INTRO, shadow_listeners.SUBCOMMANDS)
