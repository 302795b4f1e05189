"""Benchmark of the weekly digest and the yearly results report on PostgreSQL.

Run from the repository root (needs the PostgreSQL that the tests use, or MSBOT_TEST_PG):

    .venv/bin/python benchmarks/digest_report.py            # 10,000 then 100,000 cases
    .venv/bin/python benchmarks/digest_report.py --sizes 10000 50000

It creates a throwaway database, migrates it, and bulk-loads cases with generate_series
(five years of receipts, a realistic mix of states, outcomes, categories, authority and
supplier kinds, money released on some) plus ten audit events per case, so 100,000 cases
come with 1,000,000 events. At each size it times ``build_digest`` and the yearly
``build_report`` (first run, then the median and worst of 5), and prints the peak memory
Python allocated during them (tracemalloc) and the process's peak RSS: figures are
computed in SQL, so neither should grow with the data. Target: each under 500 ms.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bot.logs import configure_logging  # noqa: E402
from bot.permissions import LEAD, Actor  # noqa: E402
from bot.reports.annual import build_report, service_year  # noqa: E402
from bot.reports.digest import build_digest  # noqa: E402
from tests import databases  # noqa: E402

TARGET_MS = 500.0
A_LEAD = Actor(None, frozenset({LEAD}))  # the figures are the leads'
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
EVENTS_PER_CASE = 10

# Cases numbered first..last, received spread over the five years to today.
LOAD_CASES = """
INSERT INTO complaint (
  reference, year, seq, status, kind, anonymous, reporter_id, authority_name,
  authority_kind, procurement_title, stage, category, procurement_date, what_happened,
  outcome_wanted, organisation_name, organisation_type, received_on, due_date,
  supplier_wait_days, outcome, money_released_pence, resolved_on, closed_on, publishable,
  summary_uses_supplier_words, assignee_id, authority_reply_due, follow_up_due,
  follow_up_result, created_at)
SELECT 'B-' || g, 2020, g,
  CASE WHEN r < CAST(:today AS date) - 120
       THEN (ARRAY['closed','closed','closed','follow_up','out_of_scope',
                   'referred','withdrawn'])[1 + g % 7]
       ELSE (ARRAY['received','triaged','investigating','awaiting_authority',
       'awaiting_supplier','resolved'])[1 + g % 6] END,
  CASE WHEN g % 20 = 0 THEN 'spot_check' ELSE 'complaint' END,
  g % 3 = 0, 1 + g % 5000, 'Authority ' || (g % 700),
  CASE WHEN g % 3 = 0 THEN 'central' ELSE 'wider' END,
  'Contract ' || g, 'tender',
  (ARRAY['late_payment','evaluation','transparency','timescales','award_decision',
   'tender_process','framework','feedback','communication','other'])[1 + (g * 7) % 10],
  r, 'what happened ' || g, 'wanted ' || g, 'Org ' || g,
  (ARRAY['vcse','social_enterprise','sme','sme','sme','large','other'])[1 + g % 7],
  r, r + 61 + g % 30, g % 4,
  CASE WHEN r < CAST(:today AS date) - 120 AND g % 7 < 4
       THEN (ARRAY['live_change','recommendation_accepted','future_improvements',
                   'advice_resolved','money_released','partial_change',
                   'not_upheld'])[1 + (g * 3) % 7] END,
  CASE WHEN g % 11 = 0 THEN 1000 + (g % 500) * 100 END,
  CASE WHEN r < CAST(:today AS date) - 120 AND g % 7 < 4 THEN r + 20 + g % 80 END,
  CASE WHEN r < CAST(:today AS date) - 120 AND g % 7 >= 4 THEN r + 10 + g % 40 END,
  g % 13 = 0, false, 5001 + g % 12,
  CASE WHEN g % 6 = 3 THEN r + 30 END,
  CASE WHEN g % 7 = 3 THEN r + 150 END,
  CASE WHEN g % 7 = 3 AND r < CAST(:today AS date) - 180
       THEN (ARRAY['yes','partly','no'])[1 + g % 3] END,
  now()
FROM (SELECT g, CAST(:today AS date) - ((g * 7919) % 1826) AS r
      FROM generate_series(CAST(:first AS int), CAST(:last AS int)) AS g) s
"""

LOAD_EVENTS = """
INSERT INTO complaint_event (complaint_id, at, actor_id, kind, data)
SELECT c.id, now() - (e || ' hours')::interval, 5001,
       (ARRAY['transition','note','assigned','deadline'])[1 + e % 4],
       '{"action": "start", "from": "triaged", "to": "investigating"}'::json
FROM complaint c, generate_series(1, CAST(:per_case AS int)) AS e
WHERE c.seq BETWEEN :first AND :last
"""


# The people the cases name: suppliers 1..5000, investigators 5001..5012.
LOAD_PEOPLE = """
INSERT INTO person (id, created_at)
SELECT g, now() FROM generate_series(1, 5012) AS g
ON CONFLICT (id) DO NOTHING
"""


def load(engine, first: int, last: int) -> float:
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(LOAD_PEOPLE))
        conn.execute(text(LOAD_CASES), {"first": first, "last": last, "today": TODAY})
        conn.execute(text(LOAD_EVENTS), {"first": first, "last": last, "per_case": EVENTS_PER_CASE})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE complaint"))
        conn.execute(text("VACUUM ANALYZE complaint_event"))
    return time.perf_counter() - started


def timed(fn, runs: int = 5) -> tuple[float, float, float, int]:
    """(first ms, median ms, worst ms, peak Python bytes allocated)."""
    tracemalloc.start()
    t = time.perf_counter()
    fn()
    first = (time.perf_counter() - t) * 1000
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return first, statistics.median(times), max(times), peak


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    configure_logging("console", "WARNING")
    reason = databases.pg_available()
    if reason:
        print(f"PostgreSQL unreachable: {reason}")
        return 1
    name, url = databases.create_pg_database()
    engine = databases.migrated_engine(url)
    year = service_year(2025)
    misses = 0
    try:
        loaded = 0
        for size in sorted(args.sizes):
            took = load(engine, loaded + 1, size)
            loaded = size
            with engine.connect() as conn:
                events = conn.execute(text("SELECT count(*) FROM complaint_event")).scalar_one()
            print(f"\n{size:,} cases, {events:,} audit events (loaded in {took:.1f} s)")

            def digest():
                with Session(engine) as s:
                    build_digest(s, actor=A_LEAD, today=TODAY, now=NOW)

            def report():
                with Session(engine) as s:
                    build_report(s, *year, actor=A_LEAD)

            for label, fn in (("digest", digest), ("yearly report", report)):
                first, median, worst, peak = timed(fn)
                ok = "ok" if worst < TARGET_MS else "MISS"
                misses += ok == "MISS"
                print(
                    f"  {label:14s} first {first:6.0f} ms  median {median:6.0f} ms  "
                    f"worst {worst:6.0f} ms  [{ok}]  python peak {peak / 1024:6.0f} KiB  "
                    f"process peak RSS {rss_mb():.0f} MiB"
                )
    finally:
        engine.dispose()
        databases.drop_pg_database(name)
    print(f"\ntarget: each under {TARGET_MS:.0f} ms; misses: {misses}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
