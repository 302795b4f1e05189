"""Ack latency and server CPU of `/complaint` and of complaint submissions, in bursts.

Runs a bare Bolt app whose listeners only ack (benchmarks/bare_app.py), then msbot (`msbot
serve`: gunicorn processes, waitress in each) on a fresh PostgreSQL database per scenario,
under the same server settings, with a local Slack Web API stand-in in its own process.
Clients send signed requests in a closed loop (each waits for its answer).

Scenarios (``--scenario``, both by default):
- ``mix``: a realistic burst: `/complaint` commands, then submissions of varied forms
  (different authorities and procurements, a few complaints per procurement, categories,
  lengths, some anonymous, some late payment).
- ``popular``: every submission about the same procurement.
- ``own`` (only when asked): `/complaint`, then each submission about a procurement of its
  own, so no related cases at all (the issue's original measurement).

For each it prints: refused submissions ("nothing was saved" / "not confirmed" answers) and
non-200s; p50/p95/p99/max per request kind; msbot's CPU per request (the whole server process
tree, user+sys) beside the bare app's and the ratio, during the acks and including the work
after them (DMs, cards); and what pacing allows after the acks: it waits for every DM (one
destination per user, sent in parallel) within a bound computed from the pace, and checks the
triage channel drains at its pace (one card a second) rather than waiting for every card.

    .venv/bin/python benchmarks/ack_latency.py [--count 600] [--clients 20] [--scenario mix]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bot.complaints import catalog  # noqa: E402
from tests import databases, forms  # noqa: E402

SECRET = "45c48cce2e2d7fbdea1afc51c7c6ad26"  # made up, of the real shape
WORKERS, THREADS = "2", "8"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_stub(port_queue, requests, replies):
    """The Slack stand-in, in its own process; answers questions about the calls it saw."""
    from tests.slack_stub import SlackStub

    stub = SlackStub()
    port_queue.put(stub.url)
    while True:
        method = requests.get()
        # When each call arrived (monotonic clock: the same across processes on Linux).
        replies.put(
            [(c.args.get("trigger_id"), c.args.get("channel"), c.at) for c in stub.of(method)]
        )


def stub_calls(stub_queues, method: str) -> list[tuple[str | None, str | None, float]]:
    requests, replies = stub_queues
    requests.put(method)
    return replies.get(timeout=30)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (from /proc)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        # utime, stime, and cutime, cstime: children that exited (PostgreSQL backends
        # come and go with connections; a reaped child's CPU moves to its parent's count).
        total += sum(int(f) for f in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [pid, *(p for c in children.stdout.split() for p in process_tree(int(c)))]


def postgres_pids() -> list[int]:
    found = subprocess.run(["pgrep", "-u", "postgres"], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


class CpuMeter:
    """CPU spent per request by the server, the Slack stand-in, PostgreSQL and this load
    generator, between start() and stop(n)."""

    def __init__(self, server_pid: int, stub_pid: int):
        self.groups = {
            "server": lambda: process_tree(server_pid),
            "slack stand-in": lambda: [stub_pid],
            "PostgreSQL": postgres_pids,
        }

    def _read(self) -> dict[str, float]:
        now = {name: cpu_seconds(pids()) for name, pids in self.groups.items()}
        now["load generator"] = time.process_time()
        return now

    def start(self) -> None:
        self.before = self._read()

    def stop(self, requests: int) -> dict[str, float]:
        after = self._read()
        return {k: (after[k] - self.before[k]) * 1000 / requests for k in after}


def wait_listening(port: int, proc: subprocess.Popen, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def start_server(kind: str, port: int, env: dict) -> subprocess.Popen:
    if kind == "msbot":
        cmd = [sys.executable, "-m", "handlers", "serve"]
    else:
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "benchmarks.bare_app:app",
            "-b",
            f"127.0.0.1:{port}",
            "-k",
            "handlers.slack.waitress_worker.WaitressWorker",
            "-w",
            WORKERS,
            "--threads",
            THREADS,
            "--log-level",
            "warning",
        ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    wait_listening(port, proc)
    return proc


def command_body(i: int = 0) -> str:
    return urlencode(
        {
            "token": "t",
            "team_id": "T1",
            "channel_id": "C1",
            "user_id": f"U{i % 500:04d}",
            "user_name": "u",
            "command": "/complaint",
            "text": "",
            "api_app_id": "A1",
            "response_url": "http://127.0.0.1:9/r",
            "trigger_id": f"trig-{uuid.uuid4().hex}",
        }
    )


AUTHORITIES = [
    ("Borsetshire County Council", "wider"),
    ("Department for Transport", "central"),
    ("Felpersham NHS Trust", "wider"),
    ("Home Office", "central"),
    ("Ambridge Parish Council", "wider"),
    ("Crown Commercial Service", "central"),
    ("Loxley Barrett College", "wider"),
    ("Ministry of Justice", "central"),
    ("Hollerton Borough Council", "wider"),
    ("Borchester Police", "wider"),
]
SUBJECTS = [
    "Community mental health support",
    "Youth services framework",
    "School meals",
    "Highways maintenance",
    "IT managed service",
    "Domiciliary care",
    "Legal services panel",
    "Office cleaning",
    "Translation services",
    "Fleet leasing",
]
PLACES = [
    "Ambridge",
    "Borchester",
    "Felpersham",
    "Hollerton",
    "Loxley Barrett",
    "Penny Hassett",
    "Edgeley",
    "Darrington",
    "Heydon Berrow",
    "Lakey Hill",
    "Waterley Cross",
]
CONTRACTS = [
    "framework agreement",
    "dynamic purchasing system",
    "call-off contract",
    "open tender",
    "restricted procedure",
    "grant programme",
    "concession",
    "pilot scheme",
    "direct award",
    "innovation partnership",
    "light-touch regime contract",
    "mini-competition",
    "block contract",
]
WORDS = tuple(
    [
        "the",
        "tender",
        "gave",
        "nine",
        "days",
        "to",
        "respond",
        "over",
        "a",
        "bank",
        "holiday",
        "and",
        "the",
        "portal",
        "was",
        "down",
        "twice",
        "so",
        "we",
        "could",
        "not",
        "upload",
        "our",
        "bid",
        "and",
        "the",
        "clarification",
        "answers",
        "came",
        "late",
    ]
)


class Mix:
    """Complaint forms as a burst of real ones would vary: authorities and procurements
    (a few complaints share one), categories and stages, text lengths, some anonymous, some
    late payment. ``popular``: every complaint about the same procurement; ``own``: each
    about a procurement of its own (no related cases at all)."""

    def __init__(self, seed: int = 1, *, popular: bool = False, own: bool = False):
        self.seed, self.popular, self.own = seed, popular, own

    def form(self, i: int) -> dict:
        import random

        rnd = random.Random(self.seed * 1_000_003 + i)
        if self.popular:
            procurement = 0
        elif self.own:
            procurement = i * 1000 + self.seed
        else:
            procurement = (i // 3) * 7 + self.seed  # three complaints per procurement
        # A procurement belongs to one authority.
        authority, kind = AUTHORITIES[(procurement * 3) % len(AUTHORITIES)]
        # Distinct procurements get distinct titles (subject, place, kind of contract), as
        # real ones do: a number alone would make them near-identical to the related-case
        # matcher, which links same-authority titles scoring 90+.
        words = random.Random(procurement)
        title = f"{words.choice(SUBJECTS)} for {words.choice(PLACES)}, {words.choice(CONTRACTS)}"
        if self.own:  # its own buying unit too: never related to another complaint
            authority = f"{authority} (unit {i})"
        late = not self.popular and rnd.random() < 0.15
        category = (
            "late_payment"
            if late
            else rnd.choice([v for v, _ in catalog.CATEGORIES if v != "late_payment"])
        )
        length = rnd.choice([8, 30, 120, 400])
        story = " ".join(rnd.choice(WORDS) for _ in range(length))[:2900]
        return forms.complaint(
            authority_name=forms.text(authority),
            authority_kind=forms.choice(kind),
            procurement_title=forms.text(title),
            procurement_reference=forms.text(f"REF-{procurement}" if procurement % 2 else ""),
            stage=forms.choice(
                "payment" if late else rnd.choice(["tender", "evaluation", "award"])
            ),
            category=forms.choice(category),
            procurement_date=forms.day(
                f"2026-{rnd.randrange(1, 11):02d}-{rnd.randrange(1, 28):02d}"
            ),
            what_happened=forms.text(story),
            outcome_wanted=forms.text(" ".join(WORDS[: rnd.randrange(3, 20)])),
            organisation_name=forms.text(f"Supplier {i % 97} Ltd"),
            organisation_type=forms.choice(rnd.choice(["vcse", "sme", "social_enterprise"])),
            anonymous=forms.checked(rnd.random() < 0.2),
            invoice_amount=forms.text(f"{rnd.randrange(100, 90000)}.50" if late else ""),
            invoice_date=forms.day("2026-09-01" if late else None),
        )

    def submission_body(self, i: int) -> str:
        payload = {
            "type": "view_submission",
            "team": {"id": "T1"},
            "api_app_id": "A1",
            "user": {"id": f"U{i % 500:04d}", "team_id": "T1"},
            "trigger_id": f"t{uuid.uuid4().hex}",
            "view": {
                "id": f"V{uuid.uuid4().hex}",
                "type": "modal",
                "callback_id": "complaint_form",
                "private_metadata": "",
                "hash": "h",
                "state": {"values": self.form(i)},
            },
        }
        return urlencode({"payload": json.dumps(payload)})


def closed_loop(port: int, count: int, clients: int, request_for) -> list[tuple[float, int, bytes]]:
    """Send ``count`` signed requests from ``clients`` threads in a closed loop: each client
    waits for its answer before sending the next. ``request_for(i)`` gives request ``i``'s body,
    content type and extra headers, just before it is sent. Returns (latency s, HTTP status, 0
    when no answer came, response body) per request, in the order they were answered."""
    verifier = SignatureVerifier(SECRET)
    results: list[tuple[float, int, bytes]] = []
    lock = threading.Lock()
    counter = iter(range(count))

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            body, content_type, extra = request_for(i)
            ts = str(int(time.time()))
            headers = {
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": verifier.generate_signature(timestamp=ts, body=body),
                **extra,
            }
            start = time.perf_counter()
            try:
                conn.request("POST", "/slack/events", body=body, headers=headers)
                resp = conn.getresponse()
                status, answer = resp.status, resp.read()
            except (OSError, http.client.HTTPException):
                status, answer = 0, b""
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            elapsed = time.perf_counter() - start
            with lock:
                results.append((elapsed, status, answer))
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def load(port: int, bodies: list[str], clients: int):
    """Send every form body, signed, from ``clients`` threads in a closed loop. Returns per
    request (latency s, HTTP status, response body) and the time each /complaint trigger_id
    was sent."""
    sent_at: dict[str, float] = {}

    def request_for(i: int):
        body = bodies[i]
        if "trigger_id=trig-" in body:
            sent_at[body.split("trigger_id=", 1)[1].split("&", 1)[0]] = time.monotonic()
        return body, "application/x-www-form-urlencoded", {}

    return closed_loop(port, len(bodies), clients, request_for), sent_at


def refused(results) -> tuple[int, int]:
    """(answers saying the submission was not saved or not confirmed, non-200 answers)."""
    errors = sum(status == 200 and b'"errors"' in answer for _, status, answer in results)
    return errors, sum(status != 200 for _, status, _ in results)


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(p * 10) - 1] * 1000


def latency(results) -> dict[str, float]:
    lat = [r[0] for r in results]
    return {
        "p50": pct(lat, 50),
        "p95": pct(lat, 95),
        "p99": pct(lat, 99),
        "max": max(lat) * 1000,
    }


def server_env(db_url: str, stub_url: str, port: int, triage: str) -> dict:
    return {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "TRIAGE_CHANNEL_ID": triage,
        "SLACK_API_URL": stub_url,
        "DATABASE_URL": db_url,
        "PORT": str(port),
        "WEB_CONCURRENCY": WORKERS,
        "WEB_THREADS": THREADS,
        "LOG_LEVEL": "WARNING",
    }


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGQUIT)  # gunicorn: quick shutdown
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def run_bare(args, stub_url: str, stub_pid: int) -> dict:
    """The baseline: CPU and latency of a Bolt app that only acks, same server settings."""
    port = free_port()
    server = start_server("bare", port, server_env("sqlite://", stub_url, port, "CBARE1"))
    meter = CpuMeter(server.pid, stub_pid)
    out = {}
    try:
        load(port, [command_body(i) for i in range(50)], args.clients)  # warm-up
        mix = Mix(seed=2)
        for name, make in (("/complaint", command_body), ("submission", mix.submission_body)):
            bodies = [make(i) for i in range(args.count)]
            meter.start()
            results, _ = load(port, bodies, args.clients)
            out[name] = {"cpu": meter.stop(args.count), "latency": latency(results)}
            out[name]["refused"] = refused(results)
    finally:
        stop(server)
    return out


def run_msbot(args, scenario: str, stub_url: str, stub_pid: int, stub_queues) -> dict:
    db_name, db_url = databases.create_pg_database()
    databases.migrated_engine(db_url).dispose()
    triage = f"CTRIAGE{scenario.upper()[:3]}"
    port = free_port()
    server = start_server("msbot", port, server_env(db_url, stub_url, port, triage))
    meter = CpuMeter(server.pid, stub_pid)
    mix = Mix(seed=3, popular=scenario == "popular", own=scenario == "own")
    out: dict = {}
    try:
        load(port, [command_body(i) for i in range(20)], args.clients)  # warm-up
        wait_for_modals(stub_queues, 20)
        if scenario != "popular":
            bodies = [command_body(i) for i in range(args.count)]
            meter.start()
            results, sent_at = load(port, bodies, args.clients)
            out["/complaint"] = {
                "cpu": meter.stop(args.count),
                "latency": latency(results),
                "refused": refused(results),
                "modals": modal_delays(stub_queues, sent_at),
            }
        cards_before = len(posts(stub_queues, triage))
        bodies = [mix.submission_body(i) for i in range(args.count)]
        meter.start()
        started = time.monotonic()
        results, _ = load(port, bodies, args.clients)
        acked = time.monotonic()
        out["submission"] = {
            "cpu": meter.stop(args.count),
            "latency": latency(results),
            "refused": refused(results),
        }
        saved = args.count - sum(refused(results))
        out["after"] = after_acks(db_url, stub_queues, triage, saved, started, acked, meter)
        out["after"]["cards_before"] = cards_before
    finally:
        stop(server)
        databases.drop_pg_database(db_name)
    return out


def posts(stub_queues, channel: str) -> list[float]:
    """When each post to ``channel`` reached the stand-in (cards, thread lines and card
    updates: every one takes a turn of the channel's pace)."""
    calls = stub_calls(stub_queues, "chat.postMessage") + stub_calls(stub_queues, "chat.update")
    return sorted(at for _, to, at in calls if to == channel)


def after_acks(db_url, stub_queues, triage, saved, started, acked, meter) -> dict:
    """Wait for what pacing allows: every DM (per user, in parallel), bounded by the pace
    times the most DMs any one user is owed; then measure the triage channel's drain rate
    over a window rather than wait for every card (one a second)."""
    from sqlalchemy import func, select

    from bot.complaints.intake import RECEIVED_DM
    from bot.db import make_engine
    from bot.outbox import PACE_SECONDS
    from models import OutboxMessage

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            most = conn.execute(
                select(func.count())
                .where(OutboxMessage.kind == RECEIVED_DM)
                .group_by(OutboxMessage.recipient_person_id)
                .order_by(func.count().desc())
                .limit(1)
            ).scalar()
        bound = (most or 0) * PACE_SECONDS + 30
        unsent = select(func.count()).select_from(OutboxMessage)
        unsent = unsent.where(OutboxMessage.kind == RECEIVED_DM, OutboxMessage.status != "sent")
        deadline = acked + bound
        while True:
            with engine.connect() as conn:
                left = conn.execute(unsent).scalar_one()
            if left == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        dms_done = time.monotonic()
        cpu_with_dms = meter.stop(saved or 1)
        # The triage channel: cards posted per second over a window of at least 10 s.
        window_start = time.monotonic()
        meter.start()
        before = len([t for t in posts(stub_queues, triage) if t <= window_start])
        time.sleep(max(0.0, 10 - (time.monotonic() - window_start)))
        window_end = time.monotonic()
        during = len([t for t in posts(stub_queues, triage) if t <= window_end]) - before
        window_cpu = meter.stop(1)
        with engine.connect() as conn:
            total_rows = conn.execute(select(func.count()).select_from(OutboxMessage)).scalar()
    finally:
        engine.dispose()
    rate = during / (window_end - window_start)
    return {
        "dm_bound": bound,
        "dms_left": left,
        "dms_after_ack": dms_done - acked,
        "cpu_with_dms": cpu_with_dms,
        "card_rate": rate,
        "pace_rate": 1 / PACE_SECONDS,
        "cpu_per_card": window_cpu["server"] / max(during, 1),
        "cards_posted": during,
        "outbox_rows": total_rows,
        "saved": saved,
        "elapsed": dms_done - started,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=600, help="requests per kind")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument(
        "--scenario",
        choices=("mix", "popular", "own", "both", "all"),
        default="both",
        help="both = mix, then popular; own = each complaint about its own procurement; "
        "all = own, mix, popular",
    )
    args = parser.parse_args()

    reason = databases.pg_available()
    if reason:
        print(f"PostgreSQL is needed: {reason}")
        return 2
    queue = multiprocessing.Queue()
    stub_queues = (multiprocessing.Queue(), multiprocessing.Queue())
    stub = multiprocessing.Process(target=run_stub, args=(queue, *stub_queues), daemon=True)
    stub.start()
    stub_url = queue.get(timeout=10)
    scenarios = {"both": ("mix", "popular"), "all": ("own", "mix", "popular")}.get(
        args.scenario, (args.scenario,)
    )
    print(
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}: {args.count} per kind, {args.clients} "
        f"clients, gunicorn+waitress {WORKERS}x{THREADS}, PostgreSQL, {os.cpu_count()} cores"
    )
    try:
        bare = run_bare(args, stub_url, stub.pid)
        ok = True
        for scenario in scenarios:
            found = run_msbot(args, scenario, stub_url, stub.pid, stub_queues)
            ok &= report(args, scenario, bare, found)
    finally:
        stub.terminate()
    return 0 if ok else 1


def wait_for_modals(stub_queues, count: int) -> list:
    deadline = time.monotonic() + 60
    while len(opened := stub_calls(stub_queues, "views.open")) < count:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return opened


def modal_delays(stub_queues, sent_at: dict[str, float]) -> tuple[int, float, int]:
    """(modals opened, worst delay in ms from sending /complaint to views.open reaching
    Slack, how many came after the trigger_id's 3 s lifetime)."""
    deadline = time.monotonic() + 60
    while True:
        opened = {t: at for t, _, at in stub_calls(stub_queues, "views.open")}
        if set(sent_at) <= set(opened) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    delays = [opened[t] - sent for t, sent in sent_at.items() if t in opened]
    late = sum(d > 3 for d in delays)
    return len(delays), max(delays, default=float("nan")) * 1000, late


def report(args, scenario: str, bare: dict, found: dict) -> bool:
    print(f"\n== {scenario}: {args.count} per kind from {args.clients} concurrent clients")
    print(
        f"{'request':<12}{'app':<7}{'refused':>8}{'non-200':>8}{'p50':>8}{'p95':>8}{'p99':>8}"
        f"{'max ms':>8}{'CPU ms':>8}{'ratio':>7}"
    )
    ok = True
    for name in ("/complaint", "submission"):
        if name not in found:
            continue
        base = bare[name]["cpu"]["server"]
        for app, row in (("bare", bare[name]), ("msbot", found[name])):
            errors, non200 = row["refused"]
            lat, cpu = row["latency"], row["cpu"]["server"]
            print(
                f"{name:<12}{app:<7}{errors:>8}{non200:>8}{lat['p50']:>8.1f}{lat['p95']:>8.1f}"
                f"{lat['p99']:>8.1f}{lat['max']:>8.1f}{cpu:>8.2f}{cpu / base:>7.1f}"
            )
        row = found[name]
        cpu = row["cpu"]["server"]
        checks = [
            (sum(row["refused"]) == 0, f"{name}: 0 refused ({sum(row['refused'])})"),
            (row["latency"]["p99"] < 250, f"{name}: p99 {row['latency']['p99']:.0f} ms < 250"),
            (cpu <= 4 * base, f"{name}: server CPU {cpu:.2f} ms <= 4 x bare ({4 * base:.2f})"),
        ]
        if name == "/complaint":
            opened, slowest, late = row["modals"]
            checks.append(
                (
                    opened == args.count and late == 0,
                    f"{opened}/{args.count} modals opened, slowest {slowest:.0f} ms after the "
                    f"command, {late} past the 3 s trigger_id lifetime",
                )
            )
        for passed, text in checks:
            ok &= passed
            print(f"  {'PASS' if passed else 'MISS'}  {text}")
    after = found["after"]
    with_dms = after["cpu_with_dms"]["server"]
    print(
        f"After the acks: {after['saved']} cases; every DM sent {after['dms_after_ack']:.1f} s "
        f"after the last ack (bound {after['dm_bound']:.0f} s, {after['dms_left']} left); "
        f"server CPU per case including its DM and the cards sent meanwhile "
        f"{with_dms:.2f} ms; triage channel {after['card_rate']:.2f} posts/s over 10 s "
        f"(pace {after['pace_rate']:.2f}/s), {after['cpu_per_card']:.1f} ms server CPU per "
        f"post (idle CPU included); {after['outbox_rows']} outbox rows."
    )
    drains = after["dms_left"] == 0 and after["card_rate"] >= 0.8 * after["pace_rate"]
    print(f"  {'PASS' if drains else 'MISS'}  DMs all sent in bound, channel drains at its pace")
    print("CPU ms per submission by every process sharing the cores (during the acks):")
    parts = ["server", "slack stand-in", "PostgreSQL", "load generator"]
    print("  " + "".join(f"{p:>16}" for p in parts))
    for app, row in (("bare", bare["submission"]), ("msbot", found["submission"])):
        print(f"  {app:<6}" + "".join(f"{row['cpu'][p]:>16.2f}" for p in parts)[6:])
    return ok and drains


if __name__ == "__main__":
    sys.exit(main())
