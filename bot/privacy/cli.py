"""`msbot privacy export|erase --person ID|EMAIL`: the core's data-protection commands.

One of the core's commands (bot/cli.py lists it): ``add_options`` and ``cmd_privacy``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.bootstrap import load_settings
from bot.config import ConfigError
from bot.db import make_engine
from bot.privacy import erase, export, records, requests

HELP = "subject access and erasure for one person"


def add_options(parser) -> None:
    parser.add_argument("action", choices=("export", "erase"))
    parser.add_argument("--person", required=True, help="a user id, or an email address")
    parser.add_argument("--out", default=".", help="folder for the export (default: here)")


def cmd_privacy(args, *, engine=None, settings=None, now: datetime | None = None) -> int:
    try:
        settings = settings or load_settings()
    except ConfigError as exc:
        print("msbot cannot start; fix these settings (see .env.example):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    engine = engine or make_engine(settings.database_url)
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        subject = records.find_subject(conn, args.person, requests.staff_names(settings))
    if args.action == "export":
        held = export.build(engine, subject, now)
        for path in export.write(held, Path(args.out)):
            print(f"wrote {path}")
        print(f"{held['rows']} records held.")
        return 0
    try:
        done = erase.erase(engine, subject, now)
    except erase.ErasureRefused as refused:
        print("Not erased: a reason to keep the data applies.", file=sys.stderr)
        for reason in refused.reasons:
            print(f"  - {reason}", file=sys.stderr)
        return 4
    print(f"Erased (rows changed per table): {done.summary}")
    return 0
