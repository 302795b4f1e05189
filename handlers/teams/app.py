"""The Teams front end as an ASGI app: the SDK's FastAPI app behind msbot's edge, plus /healthz.

The SDK owns the Bot Framework protocol (JWT validation, activity models, routing); msbot's
handlers are async only as far as the SDK needs: each hands the activity to a thread (the core is
synchronous and opens database sessions) and answers through ``TeamsConnector``, which paces and
backs off per conversation as Teams asks.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import structlog
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from microsoft_teams.api.auth.cloud_environment import CloudEnvironment
from sqlalchemy.engine import Engine

from bot import bootstrap
from bot.bootstrap import Core
from bot.db import is_reachable
from bot.outbox import OutboxWorker
from handlers.routing import RoutingTransport, roles_elsewhere
from handlers.teams import (
    case_actions,
    case_delivery,
    case_thread,
    digest_card,
    durable_messages,
    privacy_messages,
    shadow_actions,
    shadow_commands,
    shadow_conflicts,
    shadow_notices,
    spot_check,
    subject_access,
    unreachable_messages,
    welcome,
)
from handlers.teams.auth import TokenCheck
from handlers.teams.complaints import dialog as complaint_dialog
from handlers.teams.complaints import home as complaint_home
from handlers.teams.complaints import messages as complaint_messages
from handlers.teams.complaints import replies as complaint_replies
from handlers.teams.connector import ConnectorError, TeamsConnector
from handlers.teams.dispatch import Dispatcher
from handlers.teams.edge import MESSAGES_PATH, TeamsEdge
from handlers.teams.requests import TeamsRequest, from_activity
from handlers.teams.routes import InvokeAnswer, Routes, merge
from handlers.teams.sdk import App, FastAPIAdapter
from handlers.teams.services import TeamsServices
from handlers.teams.settings import TeamsSettings
from handlers.teams.transport import TeamsTransport, role_conversations

log = structlog.get_logger("msbot.teams")

# Without a database (the plumbing's own tests) every message gets the welcome card; these
# words are the ones it answers without logging "not understood" (an unanswered message in
# Teams looks like a broken bot). With the core, the routes answer and the card is the fallback.
WELCOME_WORDS = {"help", "hello", "hi", "start", "home"}


def teams_routes() -> Routes:
    """Every feature's Teams routes (each module lists its own; one line each here)."""
    return merge(
        complaint_dialog.ROUTES,
        complaint_home.ROUTES,
        complaint_replies.ROUTES,
        spot_check.ROUTES,
        case_actions.routes(),
        case_thread.routes(),
        shadow_commands.ROUTES,
        shadow_actions.ROUTES,
        shadow_conflicts.ROUTES,
        subject_access.ROUTES,
    )


def teams_renderers(services: TeamsServices | None = None) -> dict:
    """Every outbox kind's Teams renderer (each feature module's RENDERERS; the triage
    card's "Assign to…" offers the people the services' role directory names)."""
    roles = services.roles if services is not None else None
    return {
        **complaint_messages.RENDERERS,
        **privacy_messages.RENDERERS,
        **case_delivery.renderers(roles),
        **shadow_notices.RENDERERS,
        **digest_card.RENDERERS,
        **unreachable_messages.RENDERERS,
    }


def outbox_transport(
    services: TeamsServices, more: Sequence = (), renderers: dict | None = None
) -> RoutingTransport:
    """The outbox's transport in this process: Teams, and any other platform's given (a
    process with Slack's settings too drains both; otherwise Slack's rows wait for
    `msbot serve`)."""
    core = services.core
    teams = TeamsTransport(
        services.connector,
        teams_renderers(services) if renderers is None else renderers,
        role_conversations(services.teams),
        service_url_of=lambda: services.service_url,
        bot_id_of=lambda: services.bot_id,
        engine=services.engine,
        after_sent=core.after_sent,
        threaded_kinds=core.threaded_kinds,
        after_dead=core.after_dead,
    )
    return RoutingTransport([*more, teams], elsewhere=roles_elsewhere())


class AppToken:
    """The bot's outbound token, fetched through the SDK (it caches and renews it) from the
    connector's sender threads, which are not on the event loop."""

    def __init__(self, sdk: App):
        self._sdk = sdk
        self.loop: asyncio.AbstractEventLoop | None = None

    def __call__(self) -> str | None:
        if self.loop is None or self._sdk.credentials is None:
            return None
        future = asyncio.run_coroutine_threadsafe(
            self._sdk.token_provider.get_app_token(), self.loop
        )
        token = future.result(timeout=30)
        return str(token) if token else None


class TeamsFrontEnd:
    def __init__(
        self,
        settings: TeamsSettings,
        *,
        engine: Engine | None = None,
        connector: TeamsConnector | None = None,
        cloud: CloudEnvironment | None = None,
        token: Callable[[], str | None] | None = None,
        workers: int = 8,
        core: Core | None = None,
        services: TeamsServices | None = None,
        more_transports: Sequence = (),
        routes: Routes | None = None,
        renderers: dict | None = None,
    ):
        self.settings = settings
        self.engine = engine if engine is not None else (core.engine if core else None)
        self.fastapi = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        self.fastapi.add_api_route("/healthz", self._healthz, methods=["GET"])
        self.sdk = App(
            client_id=settings.app_id,
            client_secret=settings.app_password,
            tenant_id=settings.tenant_id,
            # Always explicit, so the SDK never falls back to its environment variable.
            dangerously_allow_unauthenticated_requests=settings.allow_unauthenticated,
            http_server_adapter=FastAPIAdapter(app=self.fastapi),
            messaging_endpoint=MESSAGES_PATH,
            cloud=cloud,
            state=False,
            telemetry={"agent365": False},
        )
        self._app_token = AppToken(self.sdk)
        self.connector = connector or TeamsConnector(token=token or self._app_token)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="teams")
        # Without a database (the plumbing's own tests) msbot only says hello.
        self.services = services
        if self.services is None and self.engine is not None:
            self.services = TeamsServices(
                core=core or bootstrap.build(bootstrap.load_settings(), self.engine),
                teams=settings,
                connector=self.connector,
            )
        self.dispatcher = Dispatcher(
            routes or teams_routes(),
            fallback=self._welcome,
            record=durable_messages.record if self.services is not None else None,
        )
        if self.services is not None:
            self.services.runners = {
                durable_messages.KIND: durable_messages.runner(self.dispatcher)
            }
            self.services.outbox = OutboxWorker(
                self.engine,
                outbox_transport(self.services, more_transports, renderers),
                interval=self.services.settings.outbox_interval_seconds,
            )
        self.sdk.on_message(self._on_message)
        # Edits and deletions of a reply in a case thread change its note, as in Slack.
        self.sdk.on_message_update(self._on_changed)
        self.sdk.on_message_delete(self._on_changed)
        self.sdk.on_conversation_update(self._on_conversation_update)
        self.sdk.on_invoke(self._on_invoke)
        self.tokens = None
        if not settings.allow_unauthenticated:
            self.tokens = TokenCheck(settings.app_id, cloud=cloud)
        self.asgi = TeamsEdge(self.fastapi, settings, self.tokens)
        self._original_lifespan = self.fastapi.router.lifespan_context
        self.fastapi.router.lifespan_context = self._lifespan

    @contextlib.asynccontextmanager
    async def _lifespan(self, app):
        self._app_token.loop = asyncio.get_running_loop()
        await self.sdk.initialize()
        if self.services is not None:
            self.services.start()
        async with self._original_lifespan(app):
            yield
        self._executor.shutdown(wait=True)
        if self.services is not None:
            self.services.stop()
        if self.tokens is not None:
            self.tokens.close()

    async def _healthz(self) -> JSONResponse:
        """As the Slack server's: 503 when the database (the core's, shared) is unreachable."""
        if self.engine is None:
            return JSONResponse({"ok": True})
        loop = asyncio.get_running_loop()
        ok = await loop.run_in_executor(self._executor, is_reachable, self.engine)
        return JSONResponse({"database": "ok" if ok else "down"}, status_code=200 if ok else 503)

    # The SDK's handlers: hand over to a thread and return, whatever happens there.
    async def _on_message(self, ctx) -> None:
        await self._off_loop(self._request("message", ctx.activity), self._message)

    async def _on_changed(self, ctx) -> None:
        kind = "delete" if ctx.activity.type == "messageDelete" else "edit"
        await self._off_loop(self._request(kind, ctx.activity), self._changed)

    async def _on_conversation_update(self, ctx) -> None:
        activity = ctx.activity
        bot_id = activity.recipient.id if activity.recipient else None
        added = [m.id for m in (activity.members_added or [])]
        if bot_id and bot_id in added:
            await self._off_loop(self._request("installed", activity), self._installed)

    async def _on_invoke(self, ctx):
        """Invokes wait for their answer: it is the response's body (a card, a dialog)."""
        return await self._off_loop(self._request("invoke", ctx.activity), self._invoke)

    def _request(self, kind: str, activity) -> TeamsRequest:
        if self.services is not None:
            # The bot's id and the tenant region's connector, for messages nobody asked for.
            if activity.recipient and activity.recipient.id:
                self.services.bot_id = activity.recipient.id
            if activity.service_url and self.settings.learn_service_url:
                self.services.service_url = activity.service_url
        return from_activity(self.services, kind, activity)

    async def _off_loop(self, req: TeamsRequest, work: Callable):
        loop = asyncio.get_running_loop()
        # The thread runs in a copy of this request's context, so its log lines keep the
        # request id the edge bound.
        context = contextvars.copy_context()
        try:
            return await loop.run_in_executor(self._executor, context.run, work, req)
        except Exception:
            # A 500 gives Teams nothing to act on and the person no answer either way; the log
            # carries the error (never the text, which may be a supplier's).
            log.exception("teams.handler_failed", kind=req.kind)
            return None

    # On a worker thread.
    def _message(self, req: TeamsRequest) -> None:
        if self.services is None:
            self._welcome(req)
            return
        self.dispatcher.message(req)

    def _changed(self, req: TeamsRequest) -> None:
        if self.services is not None:
            durable_messages.run_first(req)
            self.dispatcher.changed(req)

    def _installed(self, req: TeamsRequest) -> None:
        if self.services is not None and req.personal:
            # The 1:1 chat exists now: remember it, so msbot can write later.
            req.actor()
        self._welcome(req)

    def _invoke(self, req: TeamsRequest) -> dict:
        if self.services is None:
            return InvokeAnswer.tell("msbot is not connected to its database.").body(
                req.invoke_name
            )
        return self.dispatcher.invoke(req)

    def _welcome(self, req: TeamsRequest) -> None:
        """The welcome card, sent straight back (it answers the person's own message)."""
        if req.kind == "message" and req.text and not _is_welcome(req.text):
            log.info("teams.message_not_understood")
        try:
            self.connector.post(req.service_url, req.conversation_id, welcome.welcome_activity())
        except ConnectorError as exc:
            log.warning("teams.send_failed", status=exc.status, code=exc.code)


def _is_welcome(text: str) -> bool:
    return text.strip().lower().strip(".!?") in WELCOME_WORDS
