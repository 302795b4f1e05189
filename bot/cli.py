"""The core's commands: migrate, outbox, match, shadow-report, jobs, run-job, digest, report,
privacy.

They need the database and the core's settings only, never a front end's token, so
`python -m bot` runs them with just DATABASE_URL. The `msbot` command (handlers/cli.py) adds
each front end's own commands (serve, local) and the transport `outbox --send` posts with.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import structlog
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import bootstrap, outbox
from bot.clock import UK
from bot.config import ConfigError, Settings
from bot.jobs import runner
from bot.logs import configure_logging
from bot.migrate import upgrade
from bot.permissions import SYSTEM_ACTOR
from bot.privacy import cli as privacy_cli
from bot.shadowing import rounds
from models.base import utcnow

# Whoever runs a command at the shell already holds the database: the core's checks see them as
# the system (e.g. reports, which the policy otherwise shows to leads only).
OPERATOR = SYSTEM_ACTOR

log = structlog.get_logger("msbot")

# engine -> the transport that posts the outbox's messages (the front end's), for `--send`.
TransportFor = Callable[[Engine], outbox.Transport]


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, its one-line help, its options and what it runs."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    options: Callable[[argparse.ArgumentParser], None] = field(default=lambda parser: None)


def exit_for_settings(exc: ConfigError) -> SystemExit:
    """Print every settings problem; the exit a command stops with."""
    print("msbot cannot start; fix these settings (see .env.example):", file=sys.stderr)
    for problem in exc.problems:
        print(f"  - {problem}", file=sys.stderr)
    return SystemExit(2)


def open_core() -> bootstrap.Core:
    """Settings, logging and the database engine: what every core command starts with."""
    try:
        settings = bootstrap.load_settings()
    except ConfigError as exc:
        raise exit_for_settings(exc) from None
    configure_logging(settings.log_format, settings.log_level)
    return bootstrap.build(settings)


def cmd_migrate(args) -> int:
    engine = open_core().engine
    upgrade(engine)
    log.info("migrate.done", database=engine.url.render_as_string(hide_password=True))
    return 0


def _outbox_command(transport_for: TransportFor | None):
    def cmd_outbox(args) -> int:
        core = open_core()
        engine = core.engine
        if args.send and transport_for is None:
            print("No front end to send through here: use `msbot outbox --send`.", file=sys.stderr)
            return 2
        transport = transport_for(engine) if args.send else None
        if args.revive:
            print(f"requeued {outbox.revive_dead(engine)} dead message(s)")
        if args.send:
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

    return cmd_outbox


def _outbox_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--revive", action="store_true", help="requeue messages that failed for good"
    )
    parser.add_argument("--send", action="store_true", help="send due messages now")
    parser.add_argument(
        "--senders",
        type=int,
        default=1,
        help="messages posted at once, each to a different channel (default 1)",
    )


def cmd_match(args) -> int:
    core = open_core()
    settings = core.settings
    rnd = rounds.run_round(
        core.engine, commit=args.commit, now=utcnow(), expiry_days=settings.offer_expiry_days
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
    from bot.shadowing.report import build_report, format_report

    with Session(open_core().engine) as session:
        print(format_report(build_report(session, now=utcnow())))
    return 0


def cmd_jobs(args) -> int:
    core = open_core()
    for job in runner.status(core.engine, core.settings, utcnow(), jobs=core.jobs):
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
    return moment.astimezone(UK).strftime("%Y-%m-%d %H:%M %Z") if moment else "-"


def cmd_run_job(args) -> int:
    core = open_core()
    job = core.jobs.get(args.name)
    if job is None:
        names = ", ".join(j.name for j in core.jobs.all())
        print(f"No job called {args.name!r}. Jobs: {names}", file=sys.stderr)
        return 2
    outcome = runner.run_now(core.engine, core.settings, job, utcnow())
    print(f"{job.name}: {outcome}")
    return 0 if outcome == "done" else 1


def cmd_digest(args) -> int:
    from bot.reports.digest import build_digest
    from bot.reports.digest_text import digest_text
    from bot.reports.jobs import NO_LEADS

    core = open_core()
    settings: Settings = core.settings
    now = utcnow()
    if args.send:
        if not settings.leads_destination:
            print(f"{NO_LEADS}: nowhere to send the digest.", file=sys.stderr)
            return 2
        # A claimed run of the weekly job (a slot of its own), so it is queued exactly once.
        outcome = runner.run_now(core.engine, settings, core.jobs.get("weekly_digest"), now)
        print(f"digest queued to {settings.leads_destination}: {outcome}")
        return 0 if outcome == "done" else 1
    with Session(core.engine) as session:
        today = now.astimezone(UK).date()
        figures = build_digest(
            session,
            actor=OPERATOR,
            today=today,
            now=now,
            threshold=settings.report_min_count,
        )
        print(digest_text(figures))
    return 0


def cmd_report(args) -> int:
    from bot.reports.annual import build_report, service_year
    from bot.reports.render import render

    core = open_core()
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
    with Session(core.engine) as session:
        report = build_report(session, start, end, actor=OPERATOR)
        text = render(report, args.format, core.settings.report_min_count)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _iso_date(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2025-04-06") from None
    return value


def _match_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--commit", action="store_true", help="also make the offers")


def _run_job_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name")


def _digest_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--send", action="store_true", help="post it to the leads' conversation (Slack or Teams)"
    )


def _report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--year", type=int, help="service year (6 April YEAR to 5 April)")
    parser.add_argument("--from", dest="date_from", type=_iso_date, help="first day (YYYY-MM-DD)")
    parser.add_argument("--to", dest="date_to", type=_iso_date, help="last day (YYYY-MM-DD)")
    parser.add_argument("--format", choices=("md", "csv", "json", "html"), default="md")
    parser.add_argument("--output", help="write to this file instead of printing")


def core_commands(transport_for: TransportFor | None = None) -> list[Command]:
    """The core's commands; ``transport_for`` lets `outbox --send` post (a front end's)."""
    return [
        Command("migrate", "create or upgrade the database schema", cmd_migrate),
        Command(
            "outbox",
            "show queued messages; requeue or send them",
            _outbox_command(transport_for),
            _outbox_options,
        ),
        Command(
            "match", "plan a work-shadowing matching round (a dry run)", cmd_match, _match_options
        ),
        Command("shadow-report", "print work-shadowing figures", cmd_shadow_report),
        Command("jobs", "list scheduled jobs: schedule, next run, last run and result", cmd_jobs),
        Command("run-job", "run one scheduled job now", cmd_run_job, _run_job_options),
        Command("digest", "print this week's team digest", cmd_digest, _digest_options),
        Command("report", "results report for publication", cmd_report, _report_options),
        Command("privacy", privacy_cli.HELP, privacy_cli.cmd_privacy, privacy_cli.add_options),
    ]


def build_parser(commands: Sequence[Command], description: str | None = None):
    parser = argparse.ArgumentParser(prog="msbot", description=description or __doc__)
    subs = parser.add_subparsers(dest="command", required=True)
    for command in commands:
        command.options(subs.add_parser(command.name, help=command.help))
    return parser


# Commands only the `msbot` command has (a front end's), named so `python -m bot` can say so.
FRONT_END_COMMANDS = ("serve", "local", "serve-teams", "teams-package")


def main(
    argv: list[str] | None = None,
    commands: Sequence[Command] | None = None,
    description: str | None = None,
) -> int:
    commands = list(commands) if commands is not None else core_commands()
    words = sys.argv[1:] if argv is None else argv
    names = {c.name for c in commands}
    if words and words[0] in FRONT_END_COMMANDS and words[0] not in names:
        print(f"`{words[0]}` is a front end's command: run `msbot {words[0]}`.", file=sys.stderr)
        return 2
    args = build_parser(commands, description).parse_args(argv)
    return {c.name: c.run for c in commands}[args.command](args) or 0
