"""``msbot local --teams [--demo]``: the Teams front end on this machine, on the core and a local
database, with Microsoft's Teams client emulator beside it when installed.

The only mode in which msbot accepts requests without a Bot Framework token (the playground
sends none), so everything listens on 127.0.0.1 only: the front end here, the playgrounds
through their loopback preload. The playground shows one signed-in person per page, so each
view (the team's, a supplier's; handlers/local/teams_people.py) is a playground of its own, all
pointed at this one front end. ``--demo`` seeds the demo data (handlers/local/demo.py) with the
people as Teams accounts: the triage cards arrive in the team's channel, the receipts in the
suppliers' 1:1 chats.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import bootstrap, personal_chats
from bot.clock import today_uk
from bot.db import transaction
from bot.jobs import runner
from bot.logs import configure_logging
from bot.migrate import upgrade
from bot.outbox import OutboxWorker
from bot.people import TEAMS
from handlers.local import demo, teams_people
from handlers.local.teams_playground import (
    INSTALL_HINT,
    PAGE_PORT,
    Playground,
    free_port,
    installed,
)
from handlers.teams.app import TeamsFrontEnd
from handlers.teams.connector import TeamsConnector
from handlers.teams.server import BackgroundTeams
from handlers.teams.settings import local_settings
from models import OutboxMessage
from models.base import utcnow

DEFAULT_PORT = 3978
DEFAULT_DATABASE_URL = "sqlite:///msbot-teams-local.db"
# Who opens a playground by default: the team (a lead) and a supplier.
DEFAULT_VIEWS = ("team", "supplier")
# The playground has no rate limit to respect: the demo's posts should show in seconds.
LOCAL_PACE_SECONDS = 0.02
TEAMS_ACCOUNTS = demo.Accounts(
    TEAMS,
    teams_people.TENANT_ID,
    lambda person_id: teams_people.ACCOUNTS[person_id].aad_object_id,
)
VIEW_TITLES = {
    "team": "the team (a lead: triage cards, case threads, the digest)",
    "supplier": "a supplier (raise a complaint, receipts and questions)",
    "anonymous": "an anonymous supplier",
}


def connector_url(port: int) -> str:
    """A playground's Bot Connector, as it names it in every activity it sends."""
    return f"http://localhost:{port}/_connector"


@dataclass
class LocalTeams:
    bot: BackgroundTeams
    engine: Engine
    playgrounds: dict[str, Playground] = field(default_factory=dict)
    seeded: bool = False
    workdirs: list[Path] = field(default_factory=list)
    # Set once the demo's data is in and its messages are out (at once without a team page).
    demo_ready: threading.Event = field(default_factory=threading.Event)
    seed_demo: Callable[[], None] | None = None

    @property
    def playground(self) -> Playground | None:
        """The first view's playground (the team's, by default)."""
        return next(iter(self.playgrounds.values()), None)

    @property
    def services(self):
        return self.bot.front.services

    def run_job(self, name: str) -> str:
        """Run a scheduled job now, as `msbot run-job` does, and send what it queued."""
        core = self.services.core
        outcome = runner.run_now(core.engine, core.settings, core.jobs.get(name), utcnow())
        self.services.send_queued()
        return outcome

    def close(self) -> None:
        for playground in self.playgrounds.values():
            playground.close()
        self.bot.close()
        self.engine.dispose()
        for folder in self.workdirs:
            shutil.rmtree(folder, ignore_errors=True)


def start(
    port: int = DEFAULT_PORT,
    with_playground: bool = True,
    *,
    demo_data: bool = False,
    database_url: str = DEFAULT_DATABASE_URL,
    views: Sequence[str] = DEFAULT_VIEWS,
    today: Callable[[], date] = today_uk,
) -> LocalTeams:
    core = bootstrap.build(bootstrap.load_settings(teams_people.teams_env(database_url), None))
    upgrade(core.engine)  # this mode migrates its own database
    views = list(views) if with_playground and installed() else []
    # Each playground's port is chosen first: the team's connector is where the front end
    # posts to the channels, so it must be known before the front end starts.
    ports = dict(zip(views, _ports(len(views)), strict=True))
    settings = replace(
        local_settings(port),
        triage_conversation_id=teams_people.TRIAGE_CHANNEL_ID,
        leads_conversation_id=teams_people.LEADS_CHANNEL_ID,
        service_url=connector_url(ports.get("team", 0)),
        learn_service_url=False,
    )
    front = TeamsFrontEnd(
        settings, core=core, connector=TeamsConnector(min_interval=LOCAL_PACE_SECONDS)
    )
    front.services.bot_id = teams_people.BOT_APP_ID
    # The outbox paces each channel at one post a second (Slack's limit); the playground has
    # none, and the demo's hundred-odd posts to the triage channel should show in seconds.
    front.services.outbox = OutboxWorker(
        core.engine,
        front.services.outbox.transport,
        interval=core.settings.outbox_interval_seconds,
        pace=LOCAL_PACE_SECONDS,
    )
    running = LocalTeams(BackgroundTeams(front, port=port), core.engine)
    try:
        for view in views:
            # The playground reads its configuration and writes its logs in its working
            # directory: a throwaway one each.
            folder = Path(tempfile.mkdtemp(prefix=f"msbot-teams-{view}-"))
            running.workdirs.append(folder)
            teams_people.write_config(view, folder)
            running.playgrounds[view] = Playground(
                running.bot.messages_url, folder, port=ports[view]
            )
        _know_personal_chats(core.engine, ports)
        if demo_data:
            running.seed_demo = lambda: _seed_demo(running, core, today())
            if "team" in running.playgrounds:
                _seed_when_the_team_opens(running)
            else:
                running.seed_demo()
    except BaseException:
        running.close()
        raise
    return running


def _seed_demo(running: LocalTeams, core, today: date) -> None:
    running.seeded = demo.seed(core.engine, core.settings, today, TEAMS_ACCOUNTS)
    running.services.send_queued()
    if "team" in running.playgrounds:
        # Ready once the posts are out (without a team page they have nowhere to go).
        _wait_outbox_settled(core.engine)
    running.demo_ready.set()


def _seed_when_the_team_opens(running: LocalTeams) -> None:
    """The playground keeps no history: it pushes what msbot posts to the open page, holding
    it only until a page first connects, and a page that is still starting drops some. So the
    demo's data is made once the team's page has opened (it installs msbot in the lead's 1:1
    chat then), and its cards arrive on a page that is there to show them."""
    front = running.bot.front
    installed = front._installed
    lead = teams_people.ACCOUNTS[teams_people.VIEWS["team"][0]].aad_object_id
    once = threading.Lock()

    def on_install(req) -> None:
        installed(req)
        if req.personal and req.user.aad_object_id == lead and once.acquire(blocking=False):
            # Not on this request's thread: the playground waits for the install's answer.
            threading.Thread(target=running.seed_demo, name="demo-seed", daemon=True).start()

    front._installed = on_install


def _wait_outbox_settled(engine: Engine, timeout: float = 60.0) -> None:
    """Until nothing is waiting in the outbox (sent, or given up on), at most ``timeout``."""
    deadline = time.monotonic() + timeout
    settled = threading.Event()
    while time.monotonic() < deadline:
        with Session(engine) as session:
            waiting = session.exec(
                select(func.count()).where(OutboxMessage.status == "pending")
            ).one()
        if not waiting:
            return
        settled.wait(0.1)


def _ports(count: int) -> list[int]:
    """56150, 56151, … where free (the playground's usual port first), else any free ones."""
    ports: list[int] = []
    while len(ports) < count:
        found = free_port(PAGE_PORT + len(ports))
        if found not in ports:
            ports.append(found)
    return ports


def _know_personal_chats(engine: Engine, ports: dict[str, int]) -> None:
    """Each view's person has msbot installed in their playground (it installs msbot when the
    page opens): their 1:1 chat is known now, so what the demo queues for them is delivered
    rather than refused as "not installed"."""
    people_ids = demo.seed_people(engine, TEAMS_ACCOUNTS)
    with transaction(engine) as session:
        for view, port in ports.items():
            me = teams_people.VIEWS[view][0]
            found = teams_people.ACCOUNTS[me]
            personal_chats.remember(
                session,
                people_ids[me],
                TEAMS,
                teams_people.TENANT_ID,
                member_id=found.user_id,
                service_url=connector_url(port),
                conversation_id=teams_people.personal_chat_id(me),
                now=utcnow(),
            )


def describe(running: LocalTeams, database_url: str, demo_data: bool) -> list[str]:
    """What `msbot local --teams` tells the person who started it: where everything is, or how
    to install the playground in one command."""
    lines = [
        f"msbot's Teams front end: {running.bot.messages_url} (this machine only)",
        f"  database: {database_url}",
    ]
    if demo_data and "team" in running.playgrounds:
        lines.append("  --demo: the demo's data arrives when the team's page first opens")
    elif demo_data and not running.seeded:
        lines.append("  --demo: the database already has data, so nothing was added")
    if not running.playgrounds:
        lines.append(
            f"To chat with it in Microsoft's Teams emulator, install it once: {INSTALL_HINT}"
        )
        return lines
    lines.append("Chat with it in Microsoft's Teams emulator, one page per person:")
    for view, playground in running.playgrounds.items():
        who = teams_people.ACCOUNTS[teams_people.VIEWS[view][0]].name
        lines.append(f"  {playground.url}  {who}, {VIEW_TITLES[view]}")
    return lines


def run(
    port: int = DEFAULT_PORT,
    demo_data: bool = False,
    database_url: str = DEFAULT_DATABASE_URL,
    views: Sequence[str] = DEFAULT_VIEWS,
) -> int:
    configure_logging("console", "WARNING")
    running = start(port, demo_data=demo_data, database_url=database_url, views=views)
    print("\n".join(describe(running, database_url, demo_data)))
    print("Ctrl-C stops everything.", flush=True)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    stopping.wait()
    running.close()
    return 0
