"""Benchmark of a whole work-shadowing matching round on PostgreSQL (bot.shadowing.rounds).

Run from the repository root (needs the PostgreSQL that the tests use, or MSBOT_TEST_PG):

    .venv/bin/python benchmarks/shadow_round.py                     # 10,000 applicants
    .venv/bin/python benchmarks/shadow_round.py --applicants 2000   # smaller

It creates a throwaway database, migrates it, and bulk-inserts a seeded, realistic population:
N queued applicants (8 departments, 12 regions with London the busiest, 1-3 interests with
some areas far more popular, windows of 1-9 months starting within 2 months) and N/10 hosts
(capacities 1-20, 1-4 areas, windows up to a year), with declared conflicts on both sides, a
few coordinator-recorded ones, and open complaints linking some hosts to departments.

Then it times ``run_round(commit=True)``: load the queue and free places, find the banned
pairs, build preferences + solve + check stability, and write the offers with their outbox
notices and audit events, in one transaction. Target: under 10 s in all. The database is
dropped at the end.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bot.clock import UK  # noqa: E402
from bot.config import DEFAULT_DEPARTMENTS  # noqa: E402
from bot.logs import configure_logging  # noqa: E402
from bot.shadowing import catalog, rounds  # noqa: E402
from bot.shadowing.conflicts import banned_pairs  # noqa: E402
from models import (  # noqa: E402
    Complaint,
    OutboxMessage,
    Person,
    ShadowApplicant,
    ShadowConflict,
    ShadowEvent,
    ShadowHost,
    ShadowPlacement,
)
from tests import databases  # noqa: E402

TARGET_S = 10.0
REGIONS = [v for v, _ in catalog.REGIONS]
REGION_WEIGHTS = [4, 7, 6, 5, 6, 6, 20, 9, 6, 4, 5, 2]  # London and the South East busiest
AREAS = [v for v, _ in catalog.INTEREST_AREAS]
AREA_WEIGHTS = [9, 7, 7, 6, 5, 6, 6, 3, 4, 5, 6, 4]
MODES = ["in_person", "remote", "either"]
MODE_WEIGHTS = [3, 3, 4]
LENGTHS = list(catalog.LENGTH_DAYS)
LENGTH_WEIGHTS = [5, 4, 3, 2, 1]
GRADES = [v for v, _ in catalog.GRADES]
ORG_WORDS = ["Community", "Trust", "Action", "Housing", "Futures", "Aid", "Together", "Network"]


def _some(rng: random.Random, values: list[str], weights: list[int], k: int) -> list[str]:
    picked: list[str] = []
    while len(picked) < k:
        v = rng.choices(values, weights)[0]
        if v not in picked:
            picked.append(v)
    return picked


def populate(engine, n_applicants: int, n_hosts: int, today: date, now: datetime, seed: int):
    rng = random.Random(seed)
    departments = list(DEFAULT_DEPARTMENTS)
    organisations = [f"{rng.choice(ORG_WORDS)} {rng.choice(ORG_WORDS)} {j}" for j in range(n_hosts)]
    applicants = []
    for i in range(n_applicants):
        length = rng.choices(LENGTHS, LENGTH_WEIGHTS)[0]
        start = today + timedelta(days=rng.randint(1, 60))
        end = start + timedelta(days=catalog.LENGTH_DAYS[length] + rng.randint(0, 180))
        person = 1 + i  # applicants are people 1..n, their managers n+1..2n, hosts after
        applicants.append(
            {
                "person_id": person,
                "active_person_id": person,
                "submission_key": f"bench-a-{i}",
                "status": "queued",
                "department": rng.choice(departments),
                "grade": rng.choice(GRADES),
                "role": "Policy adviser",
                "region": rng.choices(REGIONS, REGION_WEIGHTS)[0],
                "mode": rng.choices(MODES, MODE_WEIGHTS)[0],
                "interests": _some(rng, AREAS, AREA_WEIGHTS, rng.randint(1, 3)),
                "learning_goals": "How services are run on the ground.",
                "available_from": start,
                "available_to": end,
                "length": length,
                "length_days": catalog.LENGTH_DAYS[length],
                "manager_id": n_applicants + 1 + i,
                "queued_at": now - timedelta(minutes=rng.randint(1, 60 * 24 * 90)),
                "created_at": now,
                "updated_at": now,
            }
        )
    hosts = []
    for j in range(n_hosts):
        start = today + timedelta(days=rng.randint(0, 30))
        hosts.append(
            {
                "person_id": 2 * n_applicants + 1 + j,
                "submission_key": f"bench-h-{j}",
                "status": "open",
                "organisation": organisations[j],
                "contact_name": "Host contact",
                "contact_email": None,
                "areas": _some(rng, AREAS, AREA_WEIGHTS, rng.randint(1, 4)),
                "region": rng.choices(REGIONS, REGION_WEIGHTS)[0],
                "mode": rng.choices(MODES, MODE_WEIGHTS)[0],
                "capacity": rng.randint(1, 20),
                "available_from": start,
                "available_to": start + timedelta(days=rng.randint(60, 365)),
                "activities": "Shadow the team.",
                "created_at": now - timedelta(minutes=n_hosts - j),
                "updated_at": now,
            }
        )
    with Session(engine) as s:
        people = [{"id": k, "created_at": now} for k in range(1, 2 * n_applicants + n_hosts + 1)]
        s.execute(insert(Person), people)
        s.execute(insert(ShadowApplicant), applicants)
        s.execute(insert(ShadowHost), hosts)
        app_ids = s.execute(select(ShadowApplicant.id)).scalars().all()
        host_ids = s.execute(select(ShadowHost.id)).scalars().all()
        conflicts = []
        for a_id in rng.sample(app_ids, len(app_ids) // 50):  # 2% declare an organisation
            conflicts.append(
                {
                    "applicant_id": a_id,
                    "organisation": rng.choice(organisations),
                    "source": "applicant",
                    "reason": "Declared by the applicant when signing up.",
                }
            )
        for h_id in rng.sample(host_ids, len(host_ids) // 20):  # 5% bid for a department
            conflicts.append(
                {
                    "host_id": h_id,
                    "department": rng.choice(departments),
                    "source": "host",
                    "reason": "Declared by the host.",
                }
            )
        for _ in range(5):  # department-wide, recorded by a coordinator
            conflicts.append(
                {
                    "department": rng.choice(departments),
                    "organisation": rng.choice(organisations),
                    "source": "coordinator",
                    "reason": "Recorded by a coordinator.",
                }
            )
        for c in conflicts:
            for key in ("applicant_id", "host_id", "department", "organisation"):
                c.setdefault(key, None)
            c.update(status="active", created_at=now)
        s.execute(insert(ShadowConflict), conflicts)
        complaints = [
            {
                "reference": f"MS-{today.year}-{n + 1:04d}",
                "year": today.year,
                "seq": n + 1,
                "status": "received",
                "anonymous": n % 2 == 0,
                "authority_name": f"The {rng.choice(departments)}",
                "authority_kind": "central",
                "procurement_title": "A procurement",
                "stage": "award",
                "category": "award_decision",
                "procurement_date": today - timedelta(days=30),
                "what_happened": "Details.",
                "outcome_wanted": "A change.",
                "organisation_name": rng.choice(organisations).upper(),
                "organisation_type": "vcse",
                "received_on": today,
                "due_date": today + timedelta(days=60),
                "created_at": now,
            }
            for n in range(10)
        ]
        s.execute(insert(Complaint), complaints)
        s.commit()
    return len(conflicts), len(complaints)


def count(s: Session, model) -> int:
    return s.execute(select(func.count()).select_from(model)).scalar_one()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applicants", type=int, default=10_000, help="queued applicants")
    parser.add_argument("--hosts", type=int, default=None, help="hosts (default: applicants/10)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    n_hosts = args.hosts or max(1, args.applicants // 10)
    configure_logging("console", "WARNING")

    problem = databases.pg_available()
    if problem:
        print(f"PostgreSQL is not reachable: {problem}", file=sys.stderr)
        return 2
    name, url = databases.create_pg_database()
    engine = None
    try:
        engine = databases.migrated_engine(url)
        now = datetime.now(UTC).replace(microsecond=0)
        today = now.astimezone(UK).date()
        t0 = time.perf_counter()
        n_conflicts, n_complaints = populate(
            engine, args.applicants, n_hosts, today, now, args.seed
        )
        print(
            f"Populated {args.applicants:,} queued applicants, {n_hosts:,} hosts,"
            f" {n_conflicts:,} declared conflicts, {n_complaints} open complaints"
            f" in {time.perf_counter() - t0:.1f} s (not timed below)"
        )
        with engine.connect() as conn:  # fresh statistics, as autovacuum would have
            conn.exec_driver_sql("ANALYZE")

        t0 = time.perf_counter()
        rnd = rounds.run_round(engine, commit=True, now=now, expiry_days=7)
        total = time.perf_counter() - t0
        summary = rnd.summary
        seconds = summary["seconds"]
        print(
            f"Round {rnd.id}: {summary['queued']:,} queued, {summary['places']:,} free places"
            f" at {summary['hosts']:,} hosts; {summary['offers']:,} offers;"
            f" unmatched {summary['unmatched']}"
        )
        print(
            f"    load {seconds['load']:.3f} s | build+solve {seconds['match']:.3f} s"
            f" | write {seconds['write']:.3f} s | total (with commit) {total:.3f} s"
        )

        with Session(engine) as s:
            offers = count(s, ShadowPlacement)
            notices = count(s, OutboxMessage)
            events = count(s, ShadowEvent)
            pairs = set(
                s.execute(select(ShadowPlacement.applicant_id, ShadowPlacement.host_id)).all()
            )
            queue = s.execute(select(ShadowApplicant.id, ShadowApplicant.department)).all()
            hosts = s.execute(select(ShadowHost.id, ShadowHost.organisation)).all()
            clashes = pairs & set(banned_pairs(s, queue, hosts))
        print(f"    stored {offers:,} placements, {notices:,} outbox rows, {events:,} events")
        ok = (
            offers == summary["offers"]
            and notices == 2 * offers
            and events == offers + 2
            and not clashes
        )
        print(f"    consistency: {'ok' if ok else 'WRONG'}; banned pairs offered: {len(clashes)}")
        passed = ok and total < TARGET_S
        print(f"{'PASS' if passed else 'MISS'}  whole round < {TARGET_S:g} s: {total:.3f} s")
        return 0 if passed else 1
    finally:
        if engine is not None:
            engine.dispose()
        databases.drop_pg_database(name)


if __name__ == "__main__":
    sys.exit(main())
