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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import structlog
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from microsoft_teams.api.auth.cloud_environment import CloudEnvironment
from sqlalchemy.engine import Engine

from bot.db import is_reachable
from handlers.teams import welcome
from handlers.teams.auth import TokenCheck
from handlers.teams.connector import ConnectorError, TeamsConnector
from handlers.teams.edge import MESSAGES_PATH, TeamsEdge
from handlers.teams.sdk import App, FastAPIAdapter
from handlers.teams.settings import TeamsSettings

log = structlog.get_logger("msbot.teams")

# Words that bring the welcome card back; until the core's commands are wired, anything else
# does too (an unanswered message in Teams looks like a broken bot).
WELCOME_WORDS = {"help", "hello", "hi", "start", "home"}


@dataclass(frozen=True)
class Incoming:
    """What the synchronous side needs from an activity (no SDK objects cross threads)."""

    kind: str
    service_url: str
    conversation_id: str
    activity_id: str | None
    from_id: str
    text: str


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
    ):
        self.settings = settings
        self.engine = engine
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
        self.sdk.on_message(self._on_message)
        self.sdk.on_conversation_update(self._on_conversation_update)
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
        async with self._original_lifespan(app):
            yield
        self._executor.shutdown(wait=True)
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
        await self._off_loop(_incoming("message", ctx.activity))

    async def _on_conversation_update(self, ctx) -> None:
        activity = ctx.activity
        bot_id = activity.recipient.id if activity.recipient else None
        added = [m.id for m in (activity.members_added or [])]
        if bot_id and bot_id in added:
            await self._off_loop(_incoming("installed", activity))

    async def _off_loop(self, incoming: Incoming) -> None:
        loop = asyncio.get_running_loop()
        # The thread runs in a copy of this request's context, so its log lines keep the
        # request id the edge bound.
        context = contextvars.copy_context()
        try:
            await loop.run_in_executor(self._executor, context.run, self.answer, incoming)
        except Exception:
            # A 500 gives Teams nothing to act on and the person no answer either way; the log
            # carries the error (never the text, which may be a supplier's).
            log.exception("teams.handler_failed", kind=incoming.kind)

    def answer(self, incoming: Incoming) -> None:
        """On a worker thread: decide the answer (the core's work, later) and send it."""
        if incoming.kind == "message" and not _is_welcome(incoming.text):
            log.info("teams.message_not_understood_yet")
        try:
            self.connector.post(
                incoming.service_url, incoming.conversation_id, welcome.welcome_activity()
            )
        except ConnectorError as exc:
            log.warning("teams.send_failed", status=exc.status, code=exc.code)


def _incoming(kind: str, activity) -> Incoming:
    return Incoming(
        kind=kind,
        service_url=activity.service_url or "",
        conversation_id=activity.conversation.id,
        activity_id=activity.id,
        from_id=activity.from_.id if activity.from_ else "",
        text=getattr(activity, "text", None) or "",
    )


def _is_welcome(text: str) -> bool:
    return text.strip().lower().strip(".!?") in WELCOME_WORDS
