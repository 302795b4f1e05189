"""Where msbot's CPU goes per `/complaint` command and per modal submission.

Runs the real WSGI app in this process on a fresh PostgreSQL (or SQLite) database, drives it
with signed requests (no sockets: the WSGI callable directly), and profiles the request path
with cProfile timing thread CPU (a shared machine inflates wall time, not CPU); then drains
the outbox the submissions queued (DMs and triage cards, to a local Slack stand-in, pacing
off) and profiles that too. Prints CPU ms per request, attributed to the parts of the stack
(signature check, Bolt, our edge and middleware, SQLAlchemy ORM and Core, the database
driver, logging, rendering, the related-case lookup, JSON). The profiler's own overhead
inflates every part.

    .venv/bin/python benchmarks/profile_submission.py [--count 300] [--sqlite] [--own-procurement]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slack_sdk.signature import SignatureVerifier  # noqa: E402

from benchmarks import ack_latency  # noqa: E402
from tests import databases  # noqa: E402

SECRET = ack_latency.SECRET

# (label, substrings of a profiled function's file path or name) in priority order: a
# function's own time goes to the first label that matches it.
PARTS = [
    # psycopg's wait(): polling the socket for PostgreSQL's answer (CPU only, as timed here).
    ("waiting for the database", ("psycopg/connection.py:wait", "recv_into", "select.poll")),
    ("related lookup (rapidfuzz)", ("rapidfuzz", "complaints/related.py")),
    ("signature check", ("slack_sdk/signature", "hmac.py", "hashlib")),
    ("DB driver round trips", ("psycopg/", "psycopg_pool", "sqlite3", "<built-in method _sqlite")),
    ("SQLAlchemy ORM/sqlmodel", ("sqlalchemy/orm", "sqlmodel/")),
    ("SQLAlchemy Core/engine", ("sqlalchemy/",)),
    ("logging (structlog)", ("structlog/", "logging/", "bot/logs.py")),
    ("Bolt parsing/dispatch", ("slack_bolt/",)),
    ("Slack SDK client", ("slack_sdk/",)),
    ("JSON", ("json/", "_json")),
    (
        "our edge + middleware",
        ("handlers/slack/edge.py", "handlers/slack/middleware.py", "handlers/slack/server"),
    ),
    ("outbox (ours)", ("bot/outbox.py",)),
    ("rendering (cards, DMs)", ("handlers/slack/complaints/", "handlers/slack/slack_text.py")),
    ("intake + forms (ours)", ("bot/", "handlers/", "models/")),
    ("urllib/http/sockets", ("urllib/", "http/", "socket", "ssl")),
    ("threads/locks", ("threading.py", "queue.py", "concurrent/", "acquire", "wait")),
]


def attribute(profile: cProfile.Profile) -> dict[str, float]:
    """Seconds of own (tottime) CPU per part."""
    stats = pstats.Stats(profile, stream=io.StringIO())
    out: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        where = f"{filename}:{name}"
        label = next((lbl for lbl, keys in PARTS if any(k in where for k in keys)), "other")
        out[label] = out.get(label, 0.0) + tottime
    return out


def environ_for(body: str) -> dict:
    verifier = SignatureVerifier(SECRET)
    ts = str(int(time.time()))
    raw = body.encode()
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(raw)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": ts,
        "HTTP_X_SLACK_SIGNATURE": verifier.generate_signature(timestamp=ts, body=body),
        "wsgi.input": io.BytesIO(raw),
    }


def call(wsgi, body: str) -> tuple[str, bytes]:
    status = []
    out = b"".join(wsgi(environ_for(body), lambda s, h, *a: status.append(s)))
    return status[0], out


def run(args) -> None:
    from bot.db import make_engine
    from bot.logs import configure_logging
    from bot.outbox import drain
    from handlers.slack.app import build_app, build_services
    from handlers.slack.server import SlackWsgiApp
    from handlers.slack.settings import load_slack_settings
    from tests.slack_stub import SlackStub

    stub = SlackStub()
    if args.sqlite:
        path = Path(f"/tmp/msbot-profile-{os.getpid()}.db")
        url = f"sqlite:///{path}"
        databases.migrated_engine(url).dispose()
        cleanup = path.unlink
    else:
        name, url = databases.create_pg_database()
        databases.migrated_engine(url).dispose()
        cleanup = lambda: databases.drop_pg_database(name)  # noqa: E731
    env = {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "TRIAGE_CHANNEL_ID": "CTRIAGE1",
        "SLACK_API_URL": stub.url,
        "DATABASE_URL": url,
        "LOG_LEVEL": "INFO",
    }
    settings = load_slack_settings(env, dotenv_path=None)
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (log lines cost CPU; not their display)
    configure_logging("json", "INFO")
    engine = make_engine(settings.database_url)
    services = build_services(settings, engine)  # outbox worker not started: drained below
    wsgi = SlackWsgiApp(build_app(services), engine, SECRET)
    mix = ack_latency.Mix(seed=int(time.time()), popular=args.popular, own=args.own_procurement)
    try:
        for i in range(20):  # warm-up: imports, statement caches, the pool
            call(wsgi, ack_latency.command_body(i))
            call(wsgi, mix.submission_body(100_000 + i))
        report, unprofiled = {}, {}
        for name, make in (
            ("/complaint", ack_latency.command_body),
            ("submission", mix.submission_body),
        ):
            bodies = [make(i) for i in range(args.count)]
            cpu0 = time.thread_time()
            for i in range(args.count):  # unprofiled first: the profiler inflates every call
                call(wsgi, make(200_000 + i))
            unprofiled[name] = time.thread_time() - cpu0
            prof = cProfile.Profile(time.thread_time)
            cpu0 = time.thread_time()
            prof.enable()
            for body in bodies:
                status, _ = call(wsgi, body)
                assert status.startswith("200"), status
            prof.disable()
            report[name] = (time.thread_time() - cpu0, attribute(prof), prof)
        services.background.shutdown(wait=True)
        prof = cProfile.Profile(time.thread_time)
        cpu0 = time.thread_time()
        prof.enable()
        sent = drain(engine, services.transport, pace=0, senders=1)
        prof.disable()
        report["outbox send"] = (time.thread_time() - cpu0, attribute(prof), prof)
        counts = {"/complaint": args.count, "submission": args.count, "outbox send": sent}
    finally:
        sys.stderr = sys.__stderr__
        engine.dispose()
        cleanup()
    for name, (cpu, parts, prof) in report.items():
        n = counts[name]
        total = sum(parts.values())
        alone = f"{unprofiled[name] * 1000 / n:.2f} ms unprofiled, " if name in unprofiled else ""
        print(f"\n{name}: {alone}{cpu * 1000 / n:.2f} ms under the profiler (thread CPU), {n}")
        print(f"  {'part (thread CPU, profiled)':<30}{'ms each':>9}{'share':>8}")
        for label, secs in sorted(parts.items(), key=lambda kv: -kv[1]):
            print(f"  {label:<30}{secs * 1000 / n:>9.2f}{secs / total:>8.0%}")
        if args.top:
            stream = io.StringIO()
            pstats.Stats(prof, stream=stream).sort_stats(args.sort).print_stats(args.top)
            print(stream.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--popular", action="store_true", help="all about one procurement")
    parser.add_argument(
        "--own-procurement", action="store_true", help="each complaint about its own procurement"
    )
    parser.add_argument("--top", type=int, default=0, help="also print the top N functions")
    parser.add_argument("--sort", default="tottime", help="pstats order for --top")
    run(parser.parse_args())
    return 0


if __name__ == "__main__":
    sys.exit(main())
