"""A Teams front end on the core and a test database, over real HTTP, with the fake Bot
Connector: what the Teams feature tests share (the plumbing's own tests use teams_support)."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace

import httpx
from sqlmodel import Session, select

from bot import bootstrap, conversations
from bot.config import Settings
from handlers.local.fake_connector import FakeConnector
from handlers.teams.app import TeamsFrontEnd
from handlers.teams.connector import TeamsConnector
from handlers.teams.server import BackgroundTeams
from handlers.teams.settings import local_settings
from models import PostedMessage
from tests.teams_support import BOT, activity

TENANT = "9f1c1c2e-0000-4000-8000-00000000aaaa"
TRIAGE = "19:triage0000@thread.tacv2"
LEADS = "19:leads0000@thread.tacv2"


def core_for(engine, **settings) -> bootstrap.Core:
    url = engine.url.render_as_string(hide_password=False)
    return bootstrap.build(Settings(database_url=url, log_format="console", **settings), engine)


class TeamsBot:
    """The front end (outbox worker running) plus the connector it sends to."""

    def __init__(self, engine, *, routes=None, renderers=None, core_settings=None, **teams):
        self.connector = FakeConnector()
        self.connector.add_channel(TRIAGE)
        self.connector.add_channel(LEADS)
        settings = replace(
            local_settings(0),
            service_url=self.connector.url,
            **({"triage_conversation_id": TRIAGE, "leads_conversation_id": LEADS} | teams),
        )
        self.front = TeamsFrontEnd(
            settings,
            core=core_for(engine, **(core_settings or {})),
            connector=TeamsConnector(min_interval=0, attempts=2, base_delay=0.01),
            routes=routes,
            renderers=renderers,
        )
        self.front.services.bot_id = BOT
        self.running = BackgroundTeams(self.front)
        self.url = self.running.messages_url

    def install(self, user: dict) -> str:
        """msbot installed for ``user``: their 1:1 chat exists (Teams makes it then)."""
        self.connector.install_for(user["id"])
        return TeamsConnector(min_interval=0).open_personal_chat(
            self.connector.url, BOT, user["id"], TENANT
        )

    @property
    def services(self):
        return self.front.services

    def post(self, body: dict) -> httpx.Response:
        return httpx.post(self.url, json=body, timeout=20)

    def say(self, text: str, user: dict | None = None, **overrides) -> httpx.Response:
        """A 1:1 message from ``user`` (default the test user) in their chat."""
        body = activity(self.connector.url, text, **overrides)
        if user is not None:
            body["from"] = user
            body["conversation"] = {
                "id": f"a:1{user['id']}",
                "conversationType": "personal",
                "tenantId": TENANT,
            }
        body["conversation"].setdefault("tenantId", TENANT)
        return self.post(body)

    def invoke(self, name: str, value: dict, user: dict | None = None, **overrides) -> dict:
        body = activity(self.connector.url, type="invoke", name=name, value=value, **overrides)
        del body["text"]
        if user is not None:
            body["from"] = user
            body["conversation"] = {
                "id": f"a:1{user['id']}",
                "conversationType": "personal",
                "tenantId": TENANT,
            }
        body["conversation"].setdefault("tenantId", TENANT)
        answer = self.post(body)
        assert answer.status_code == 200, answer.text
        return answer.json() if answer.content else {}

    def close(self) -> None:
        self.running.close()
        self.connector.close()


def person(name: str = "Priya Shah") -> dict:
    """A Teams user as an activity's ``from``."""
    return {"id": f"29:{uuid.uuid4().hex}", "name": name, "aadObjectId": str(uuid.uuid4())}


def relay_recorded(engine, case_id: int, timeout: float = 10.0) -> None:
    """Wait (bounded, in short polls: the outbox records it on its own thread just after the
    post) until the relay to the supplier is recorded, so their reply can find its case."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        with Session(engine) as s:
            found = s.exec(
                select(PostedMessage.id).where(
                    PostedMessage.about == conversations.SUPPLIER_RELAY,
                    PostedMessage.subject_id == case_id,
                )
            ).first()
        if found is not None:
            return
        assert time.monotonic() < deadline, "the relay was never recorded"
        pause.wait(0.02)
