"""The ``core`` scenario of benchmarks/teams_activities.py: Teams activities that do the core's
work (a dialog submission storing a case, card buttons moving it, a thread reply stored as a
note, a status question), 20 clients at once, against the front end in its own process.

Before the clock starts, each client raises the cases its investigator will work on and the
outbox posts their cards (an investigator presses buttons on a card that is there). Then each
cycle is timed activity by activity (the HTTP round trip; an invoke's answer is its response
body, a message's answer is posted to the fake Bot Connector before the response): the supplier
opens the dialog and submits it (a new case), the investigator presses "Assign to me" and
"Triage" on one of the cards and replies in its thread, and the supplier asks for its status.
The outbox keeps sending meanwhile (new cards, thread lines, card refreshes).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import date

import httpx

from benchmarks import teams_turns as turns

KINDS = ("open dialog", "submit dialog", "assign to me", "triage", "thread reply", "status")
TICKS = os.sysconf("SC_CLK_TCK")
OUTBOX_PACE = 0.02


def _serve(database_url, connector_url, investigators, ready, port_box, quiet_outbox, quieted):
    # The server logs as production does (JSON, INFO), to nowhere: its cost is in the figures.
    devnull = open(os.devnull, "w")  # noqa: SIM115 (lives as long as the process)
    sys.stdout = sys.stderr = devnull
    from dataclasses import replace

    from bot import bootstrap
    from bot.config import Settings
    from bot.logs import configure_logging
    from bot.outbox import OutboxWorker
    from handlers.teams.app import TeamsFrontEnd
    from handlers.teams.connector import TeamsConnector
    from handlers.teams.server import BackgroundTeams
    from handlers.teams.settings import local_settings

    configure_logging("json", "INFO")
    core = bootstrap.build(
        Settings(
            database_url=database_url,
            investigator_user_ids=frozenset(investigators),
            outbox_interval_seconds=1,
        )
    )
    settings = replace(
        local_settings(0),
        service_url=connector_url,
        triage_conversation_id=turns.TRIAGE,
        leads_conversation_id=turns.LEADS,
    )
    front = TeamsFrontEnd(settings, core=core, connector=TeamsConnector(min_interval=0))
    front.services.bot_id = turns.BOT
    # The outbox paces each channel at Slack's one post a second; here it posts as fast as it
    # can, so the cards the investigators need arrive in seconds, and the sending it does
    # during the timed run (cards, thread lines, refreshes) is the most it could be.
    front.services.outbox = OutboxWorker(
        core.engine, front.services.outbox.transport, interval=1, pace=OUTBOX_PACE
    )
    running = BackgroundTeams(front)
    port_box.value = running.port
    ready.set()
    # --outbox off: once the cards are posted, the outbox stops sending (to measure the
    # answers alone: in `serve-teams` the outbox shares the process, and its interpreter lock).
    quiet_outbox.wait()
    front.services.outbox.stop()
    quieted.set()
    threading.Event().wait()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Client:
    """One supplier and one investigator, doing cycles in a closed loop."""

    def __init__(self, url, connector, supplier, investigator, timings, failures, lock):
        self.url, self.connector = url, connector
        self.supplier, self.investigator = supplier, investigator
        self.timings, self.failures, self.lock = timings, failures, lock
        self.http = httpx.Client(timeout=30)

    def _timed(self, kind: str, body: dict) -> dict:
        started = time.perf_counter()
        answer = self.http.post(self.url, content=json.dumps(body).encode(), headers=JSON)
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.timings[kind].append(elapsed)
            if answer.status_code != 200:
                self.failures[f"{kind}: HTTP {answer.status_code}"] += 1
        return answer.json() if answer.content else {}

    def raise_case(self, n: int, today: date, kind: str | None = None) -> str | None:
        """Open the dialog and submit it (timed as ``kind``s when given); the case's reference."""
        service = self.connector.url
        send = self._timed if kind else self._untimed
        opened = send("open dialog", turns.open_dialog(service, self.supplier))
        filled = turns.answers(today, n)
        done = send(
            "submit dialog",
            turns.submit_dialog(service, self.supplier, turns.form_data(opened), filled),
        )
        reference = turns.reference_of(done)
        if reference is None:
            with self.lock:
                self.failures["submit dialog: no reference in the answer"] += 1
        return reference

    def work(self, reference: str, root: str) -> None:
        """The investigator takes a case whose card is in the channel; its supplier asks."""
        service, who = self.connector.url, self.investigator
        self._timed(
            "assign to me", turns.press(service, who, root, "case.assign_self", reference=reference)
        )
        self._timed(
            "triage",
            turns.press(service, who, root, "case.move", reference=reference, move="triage"),
        )
        note = f"Rang the council about {reference}."
        self._timed("thread reply", turns.reply_in_thread(service, who, root, note))
        self._timed("status", turns.say(service, self.supplier, f"status {reference}"))

    def _untimed(self, kind: str, body: dict) -> dict:
        answer = self.http.post(self.url, content=json.dumps(body).encode(), headers=JSON)
        return answer.json() if answer.content else {}


def wait_cards(connector, references: list[str], timeout: float = 300) -> dict[str, str]:
    """Each case's triage card's activity id, once the outbox has posted them all."""
    roots: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while len(roots) < len(references):
        assert time.monotonic() < deadline, f"{len(references) - len(roots)} cards never came"
        for reference in references:
            if reference not in roots and (root := turns.card_root(connector, reference)):
                roots[reference] = root
        time.sleep(0.05)
    return roots


JSON = {"content-type": "application/json"}


def _all(work, team: list[Client]) -> None:
    """``work(index, client)`` for every client at once, until all are done."""
    threads = [threading.Thread(target=work, args=pair) for pair in enumerate(team)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _report(timings, wall: float, cpu: float, failures: dict, load: float) -> None:
    every = [t for kind in KINDS for t in timings[kind]]
    print(
        f"core: {len(every)} activities in {wall:.1f} s ({len(every) / wall:.0f}/s); "
        f"server CPU {cpu:.1f} s = {100 * cpu / wall:.0f}% of one core; "
        f"load average before {load:.2f}"
    )
    print(f"  {'activity':<14} {'n':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  (ms)")
    for kind, values in [*((k, timings[k]) for k in KINDS), ("all", every)]:
        if values:
            print(
                f"  {kind:<14} {len(values):>5} {statistics.median(values):>7.1f} "
                f"{percentile(values, 0.95):>7.1f} {percentile(values, 0.99):>7.1f} "
                f"{max(values):>7.1f}"
            )
    print(f"  failures: {dict(failures) or 'none'}")


def run_core(
    cycles: int, clients: int, database_url: str | None, outbox: str = "on", processes: int = 1
) -> None:
    """``processes`` front ends on the same database and outbox (as several `serve-teams`
    behind a load balancer); the clients are shared out between them."""
    from bot.db import make_engine
    from bot.migrate import upgrade
    from handlers.local.fake_connector import FakeConnector
    from handlers.teams.connector import TeamsConnector

    folder = tempfile.mkdtemp(prefix="msbot-teams-bench-")
    database_url = database_url or f"sqlite:///{folder}/bench.db"
    fake = FakeConnector(burst=10**9)
    fake.add_channel(turns.TRIAGE)
    fake.add_channel(turns.LEADS)
    suppliers, investigators = turns.people(clients)
    opener = TeamsConnector(min_interval=0)
    for supplier in suppliers:
        fake.install_for(supplier.id)
        opener.open_personal_chat(fake.url, turns.BOT, supplier.id, turns.TENANT)
    engine = make_engine(database_url)
    upgrade(engine)  # once, before the front ends start
    engine.dispose()
    context = multiprocessing.get_context("spawn")
    quiet = context.Event()
    people = [i.aad for i in investigators]
    servers = []
    for _ in range(processes):
        ready, port_box, quieted = context.Event(), context.Value("i", 0), context.Event()
        args = (database_url, fake.url, people, ready, port_box, quiet, quieted)
        servers.append((context.Process(target=_serve, args=args), ready, port_box, quieted))
    for process, *_ in servers:
        process.start()
    try:
        urls = []
        for _, ready, port_box, _ in servers:
            assert ready.wait(120), "a front end did not start"
            urls.append(f"http://127.0.0.1:{port_box.value}/api/messages")
        timings: dict[str, list[float]] = defaultdict(list)
        failures: dict[str, int] = defaultdict(int)
        lock = threading.Lock()
        team = [
            Client(urls[n % len(urls)], fake, s, i, timings, failures, lock)
            for n, (s, i) in enumerate(zip(suppliers, investigators, strict=True))
        ]
        per_client = -(-cycles // clients)
        # Before the clock: each client raises the cases its investigator will work on, and
        # the outbox posts their triage cards (an investigator presses buttons on a card).
        backlog: dict[int, list] = {}

        def prepare(index: int, client: Client) -> None:
            own = [client.raise_case(-1 - n, date.today()) for n in range(per_client)]
            backlog[index] = [r for r in own if r]

        _all(prepare, team)
        roots = wait_cards(fake, [r for own in backlog.values() for r in own])
        for index in backlog:
            backlog[index] = [(r, roots[r]) for r in backlog[index]]
        if outbox == "off":
            quiet.set()
            for *_, quieted in servers:
                assert quieted.wait(30), "an outbox did not stop"
        timings.clear()
        failures.clear()
        remaining = iter(range(cycles))

        def work(index: int, client: Client) -> None:
            while True:
                with lock:
                    n = next(remaining, None)
                if n is None:
                    return
                client.raise_case(n, date.today(), kind="timed")
                if backlog[index]:
                    client.work(*backlog[index].pop())

        pids = [process.pid for process, *_ in servers]
        load = os.getloadavg()[0]
        cpu_before, began = sum(map(_cpu_seconds, pids)), time.perf_counter()
        _all(work, team)
        wall = time.perf_counter() - began
        cpu = sum(map(_cpu_seconds, pids)) - cpu_before
        print(
            f"outbox during the run: {outbox}; database: {database_url.split(':')[0]}; "
            f"front-end processes: {processes}"
        )
        _report(timings, wall, cpu, failures, load)
    finally:
        for process, *_ in servers:
            process.terminate()
            process.join(10)
        fake.close()
        opener.close()
        with contextlib.suppress(OSError):
            os.remove(f"{folder}/bench.db")
