"""Latency of the Teams front end: activities in, answers out, at 20 concurrent clients.

The front end (uvicorn, msbot's edge, the Teams SDK, worker threads, the paced connector) runs
in its own process; clients send activities in a closed loop (each waits for its answer).

Scenarios (``--scenario``, all by default):
- ``core``: the front end on the core and a database (a fresh SQLite file, or
  ``--database-url``), its outbox worker running, replies to the fake Bot Connector over HTTP.
  Each client is a supplier who opens the "Raise a complaint" dialog and submits it (a case is
  stored, its receipt and triage card queued), then an investigator who presses "Assign to me"
  and "Triage" on the card and replies in its thread (a note), then the supplier asks for the
  case's status in their 1:1 chat (benchmarks/teams_turns.py). Figures per kind of activity
  and overall, and the server process's CPU time.
- ``local``: the plumbing alone: "help" messages answered by the welcome card, no token
  (``msbot local --teams``), replies to the fake Bot Connector over HTTP.
- ``serve``: the plumbing with every request carrying a Bot Framework token checked against
  keys served here (edge and SDK both validate it); replies go to an in-process recorder.

    .venv/bin/python benchmarks/teams_activities.py [--scenario core] [--cycles 200]
        [--count 1000] [--clients 20] [--database-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from microsoft_teams.api.auth.cloud_environment import PUBLIC  # noqa: E402

from tests.teams_support import APP_ID, BOT, USER, TokenIssuer, activity  # noqa: E402

SERVICE_URL = "https://smba.trafficmanager.net/uk/"


def _serve(scenario: str, jwks_url: str, ready, port_box) -> None:
    from handlers.teams.app import TeamsFrontEnd
    from handlers.teams.connector import TeamsConnector
    from handlers.teams.server import BackgroundTeams
    from handlers.teams.settings import load_teams_settings, local_settings

    if scenario == "local":
        front = TeamsFrontEnd(local_settings(0), connector=TeamsConnector(min_interval=0))
    else:
        settings = load_teams_settings(
            "serve", {"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "benchmark"}
        )
        recorder = httpx.MockTransport(lambda request: httpx.Response(201, json={"id": "1"}))
        connector = TeamsConnector(
            min_interval=0, token=lambda: "t", client=httpx.Client(transport=recorder)
        )
        cloud = replace(
            PUBLIC, openid_metadata_url=f"{jwks_url}/v1/.well-known/openidconfiguration"
        )
        front = TeamsFrontEnd(settings, connector=connector, cloud=cloud)
    running = BackgroundTeams(front)
    port_box.value = running.port
    ready.set()
    threading.Event().wait()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(scenario: str, count: int, clients: int) -> None:
    from handlers.local.fake_connector import FakeConnector
    from handlers.teams.connector import TeamsConnector

    issuer = TokenIssuer()
    fake = FakeConnector(burst=10**9)
    fake.install_for(USER)
    conversation = TeamsConnector(min_interval=0).open_personal_chat(fake.url, BOT, USER, None)
    context = multiprocessing.get_context("spawn")
    ready, port_box = context.Event(), context.Value("i", 0)
    server = context.Process(target=_serve, args=(scenario, issuer.url, ready, port_box))
    server.start()
    try:
        assert ready.wait(60), "the front end did not start"
        url = f"http://127.0.0.1:{port_box.value}/api/messages"
        service_url = fake.url if scenario == "local" else SERVICE_URL
        headers = {"content-type": "application/json"}
        if scenario == "serve":
            headers["authorization"] = f"Bearer {issuer.token(SERVICE_URL)}"
        timings: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        remaining = iter(range(count))

        def client() -> None:
            with httpx.Client(timeout=30) as session:
                while True:
                    with lock:
                        if next(remaining, None) is None:
                            return
                    body = json.dumps(activity(service_url, "help")).encode()
                    started = time.perf_counter()
                    status = session.post(url, content=body, headers=headers).status_code
                    elapsed = time.perf_counter() - started
                    with lock:
                        timings.append(elapsed * 1000)
                        statuses[status] = statuses.get(status, 0) + 1

        # One warm-up turn (keys fetched, connections opened) outside the figures.
        httpx.post(url, content=json.dumps(activity(service_url)).encode(), headers=headers)
        threads = [threading.Thread(target=client) for _ in range(clients)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
        posted = len(fake.sent(conversation)) if scenario == "local" else "recorded in-process"
        print(
            f"{scenario}: {count} activities, {clients} clients, {count / wall:.0f}/s, "
            f"statuses {statuses}, replies posted {posted}"
        )
        print(
            f"  ms p50 {statistics.median(timings):.1f}  p95 {percentile(timings, 0.95):.1f}  "
            f"p99 {percentile(timings, 0.99):.1f}  max {max(timings):.1f}"
        )
    finally:
        server.terminate()
        server.join(10)
        fake.close()
        issuer.close()


def main() -> None:
    from benchmarks.teams_core import run_core

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="plumbing scenarios' activities")
    parser.add_argument("--cycles", type=int, default=200, help="core scenario's cycles")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="core scenario (default SQLite)")
    parser.add_argument("--scenario", choices=("core", "local", "serve"), action="append")
    parser.add_argument(
        "--processes", type=int, default=1, help="core scenario: front-end processes"
    )
    parser.add_argument(
        "--outbox",
        choices=("on", "off"),
        default="on",
        help="core scenario: the outbox sending during the run (on), or stopped first (off)",
    )
    args = parser.parse_args()
    for scenario in args.scenario or ["core", "local", "serve"]:
        if scenario == "core":
            run_core(args.cycles, args.clients, args.database_url, args.outbox, args.processes)
        else:
            run(scenario, args.count, args.clients)


if __name__ == "__main__":
    main()
