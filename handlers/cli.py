"""The `msbot` command: serve, migrate, and operations commands."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

import structlog
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import outbox
from bot.config import ConfigError, Settings, load_settings
from bot.db import make_engine
from bot.logs import configure_logging
from bot.migrate import pending_message, upgrade
from bot.privacy.cli import register as register_privacy
from bot.shadowing import rounds
from bot.shadowing.report import build_report, format_report
from handlers.teams.package import register_package_command
from models.base import utcnow

log = structlog.get_logger("msbot")


def _settings(require_slack: bool = True) -> Settings:
    try:
        return load_settings(require_slack=require_slack)
    except ConfigError as exc:
        print("msbot cannot start; fix these settings (see .env.example):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        raise SystemExit(2) from None


def _open(require_slack: bool) -> tuple[Settings, Engine]:
    """Settings, logging and the database engine: what every command starts with."""
    settings = _settings(require_slack=require_slack)
    configure_logging(
        settings.log_format, settings.log_level, slack_bodies=settings.log_slack_bodies
    )
    return settings, make_engine(settings.database_url)


def cmd_migrate(args) -> int:
    _, engine = _open(require_slack=False)
    upgrade(engine)
    log.info("migrate.done", database=engine.url.render_as_string(hide_password=True))
    return 0


def _check_schema(engine) -> None:
    try:
        problem = pending_message(engine)
    except Exception as exc:
        problem = f"The database cannot be reached: {exc}"
    if problem:
        print(f"msbot cannot start: {problem}", file=sys.stderr)
        raise SystemExit(3)


def cmd_serve(args) -> int:
    settings = _settings()
    configure_logging(
        settings.log_format, settings.log_level, slack_bodies=settings.log_slack_bodies
    )
    _check_schema(make_engine(settings.database_url))
    if settings.socket_mode:
        return _serve_socket_mode(settings)
    from handlers.slack.gunicorn_app import serve_http

    serve_http(settings)
    return 0


def _serve_socket_mode(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.scheduler import start_scheduler
    from handlers.slack.app import build_app, build_services

    services = build_services(settings, make_engine(settings.database_url)).start()
    scheduler = start_scheduler(services.engine, settings, services.send_queued)
    handler = SocketModeHandler(build_app(services), settings.slack_app_token)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    handler.connect()
    log.info("serve.socket_mode")
    stopping.wait()
    # Like gunicorn's graceful stop: take no more envelopes, finish the work already acked
    # (a modal to open, messages to post), then exit.
    log.info("serve.stopping")
    handler.close()
    scheduler.shutdown(wait=False)
    services.stop()
    return 0


def cmd_outbox(args) -> int:
    settings, engine = _open(require_slack=args.send)
    if args.revive:
        print(f"requeued {outbox.revive_dead(engine)} dead message(s)")
    if args.send:
        from handlers.slack.app import build_services

        transport = build_services(settings, engine).transport
        print(f"sent {outbox.drain(engine, transport, senders=args.senders)}")
    for status, n in sorted(outbox.counts(engine).items()):
        print(f"{status}: {n}")
    dead = outbox.dead_messages(engine)
    if dead:
        print("dead (failed for good; fix the cause, then --revive):")
    for row in dead:
        # An anonymous filer's DM shows no recipient next to its case.
        to = row.recipient or "(recipient withheld: anonymous case)"
        print(f"  #{row.id} {row.kind} subject={row.subject_id} to={to} error={row.error}")
    return 0


def cmd_match(args) -> int:
    settings, engine = _open(require_slack=False)
    rnd = rounds.run_round(
        engine, commit=args.commit, now=utcnow(), expiry_days=settings.offer_expiry_days
    )
    summary = rnd.summary
    print(f"round {rnd.id} ({'committed' if args.commit else 'dry run'})")
    print(f"queued: {summary['queued']}")
    print(f"free places: {summary['places']} at {summary['hosts']} host(s)")
    print(f"would match: {summary['matched']}")
    unmatched = ", ".join(f"{reason} {n}" for reason, n in summary["unmatched"].items())
    print(f"unmatched: {unmatched}")
    if args.commit:
        print(
            f"offers written: {summary['offers']} (they lapse in {settings.offer_expiry_days} days)"
        )
    return 0


def cmd_shadow_report(args) -> int:
    _, engine = _open(require_slack=False)
    with Session(engine) as session:
        print(format_report(build_report(session, now=utcnow())))
    return 0


def cmd_local(args) -> int:
    """No Slack, no settings: msbot in a Slack-like workspace in the browser."""
    from handlers.local.server import run

    return run(args.port, args.demo, args.database_url)


def cmd_jobs(args) -> int:
    from bot.jobs import runner

    settings, engine = _open(require_slack=False)
    for job in runner.status(engine, settings, utcnow()):
        last = "never"
        if job.last_slot:
            by_hand = " (run-job)" if job.last_manual else ""
            last = f"{_uk(job.last_slot)}{by_hand} {job.last_status}"
            if job.last_result:
                last += f" ({job.last_result})"
        print(f"{job.name}: {job.description}")
        print(f"  schedule: {job.cron} (Europe/London)   next: {_uk(job.next_run)}")
        print(f"  last: {last}")
    return 0


def _uk(moment) -> str:
    from bot.clock import UK

    return moment.astimezone(UK).strftime("%Y-%m-%d %H:%M %Z") if moment else "-"


def cmd_run_job(args) -> int:
    from bot.jobs import registry, runner

    settings, engine = _open(require_slack=False)
    job = registry.get(args.name)
    if job is None:
        names = ", ".join(j.name for j in registry.all_jobs())
        print(f"No job called {args.name!r}. Jobs: {names}", file=sys.stderr)
        return 2
    outcome = runner.run_now(engine, settings, job, utcnow())
    print(f"{job.name}: {outcome}")
    return 0 if outcome == "done" else 1


def cmd_digest(args) -> int:
    from bot.jobs import registry, runner
    from bot.reports.digest import build_digest
    from bot.reports.digest_text import digest_text

    settings, engine = _open(require_slack=False)
    now = utcnow()
    if args.send:
        if not settings.leads_channel_id:
            print("LEADS_CHANNEL_ID is not set: nowhere to send the digest.", file=sys.stderr)
            return 2
        # A claimed run of the weekly job (a slot of its own), so it is queued exactly once.
        outcome = runner.run_now(engine, settings, registry.get("weekly_digest"), now)
        print(f"digest queued to {settings.leads_channel_id}: {outcome}")
        return 0 if outcome == "done" else 1
    from bot.clock import UK

    with Session(engine) as session:
        today = now.astimezone(UK).date()
        figures = build_digest(session, today=today, now=now, threshold=settings.report_min_count)
        print(digest_text(figures))
    return 0


def cmd_report(args) -> int:
    from datetime import date

    from bot.reports.annual import build_report, service_year
    from bot.reports.render import render

    settings, engine = _open(require_slack=False)
    if args.year:
        start, end = service_year(args.year)
    elif args.date_from and args.date_to:
        start, end = date.fromisoformat(args.date_from), date.fromisoformat(args.date_to)
    else:
        print("Give --year YEAR or both --from DATE and --to DATE.", file=sys.stderr)
        return 2
    if start > end:
        print("--from must be on or before --to.", file=sys.stderr)
        return 2
    with Session(engine) as session:
        text = render(build_report(session, start, end), args.format, settings.report_min_count)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _iso_date(value: str) -> str:
    from datetime import date

    try:
        date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2025-04-06") from None
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="msbot", description=__doc__)
    subs = parser.add_subparsers(dest="command", required=True)
    subs.add_parser("serve", help="run the bot (HTTP, or Socket Mode if SLACK_APP_TOKEN is set)")
    subs.add_parser("migrate", help="create or upgrade the database schema")
    ob = subs.add_parser("outbox", help="show queued messages; requeue or send them")
    ob.add_argument("--revive", action="store_true", help="requeue messages that failed for good")
    ob.add_argument("--send", action="store_true", help="send due messages now")
    ob.add_argument(
        "--senders",
        type=int,
        default=1,
        help="messages posted at once, each to a different channel (default 1)",
    )
    match = subs.add_parser("match", help="plan a work-shadowing matching round (a dry run)")
    match.add_argument("--commit", action="store_true", help="also make the offers")
    subs.add_parser("shadow-report", help="print work-shadowing figures")
    local = subs.add_parser("local", help="try msbot in a Slack-like workspace in your browser")
    local.add_argument("--demo", action="store_true", help="seed a realistic data set first")
    local.add_argument("--port", type=int, default=8765, help="port for the page (default 8765)")
    local.add_argument(
        "--database-url",
        default="sqlite:///msbot-local.db",
        help="database for this mode (default: msbot-local.db here, migrated automatically)",
    )

    register_package_command(subs, COMMANDS)
    subs.add_parser("jobs", help="list scheduled jobs: schedule, next run, last run and result")
    run_job = subs.add_parser("run-job", help="run one scheduled job now")
    run_job.add_argument("name")
    digest = subs.add_parser("digest", help="print this week's team digest")
    digest.add_argument("--send", action="store_true", help="post it to LEADS_CHANNEL_ID")
    report = subs.add_parser("report", help="results report for publication")
    report.add_argument("--year", type=int, help="service year (6 April YEAR to 5 April)")
    report.add_argument("--from", dest="date_from", type=_iso_date, help="first day (YYYY-MM-DD)")
    report.add_argument("--to", dest="date_to", type=_iso_date, help="last day (YYYY-MM-DD)")
    report.add_argument("--format", choices=("md", "csv", "json", "html"), default="md")
    report.add_argument("--output", help="write to this file instead of printing")
    register_privacy(subs, COMMANDS)
    register_teams(subs, COMMANDS)
    return parser


COMMANDS = {
    "serve": cmd_serve,
    "migrate": cmd_migrate,
    "outbox": cmd_outbox,
    "match": cmd_match,
    "shadow-report": cmd_shadow_report,
    "local": cmd_local,
    "jobs": cmd_jobs,
    "run-job": cmd_run_job,
    "digest": cmd_digest,
    "report": cmd_report,
}


def register_teams(subs, commands: dict) -> None:
    from handlers.teams.cli import register

    register(subs, commands)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args) or 0


if __name__ == "__main__":
    sys.exit(main())
