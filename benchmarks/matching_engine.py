"""Benchmark of the work-shadowing matching engine (bot.shadowing.matching / scoring).

Run from the repository root:

    .venv/bin/python benchmarks/matching_engine.py            # full sizes
    .venv/bin/python benchmarks/matching_engine.py --quick    # small sizes, a smoke test

Instances are random and seeded: each applicant ranks 20 hosts (the cap on list length, so the
heaviest case) chosen at random, host capacities are 1-20, and each host ranks the applicants
that listed it in random order.  Cases:

1. 10,000 applicants x 1,000 hosts: build (Instance.from_lists) + solve + check_stable.
   Target: total < 1 s.
2. 100,000 x 10,000, in a child process: the same, plus the child's peak RSS.
   Targets: total < 15 s, peak RSS < 2 GiB.
3. 2,000 x 200: our engine against the PyPI `matching` package (create_from_dictionaries +
   solve(optimal="resident") + check_stability()).  Target: ours >= 20x faster, same matching.
4. build_preferences from profiles, 10,000 applicants x 1,000 hosts.  Target: < 1 s for a
   realistic spread of interests, < 2 s for a dense one where most hosts share an interest.

Figures are medians over a few runs where a case is cheap enough to repeat.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import random
import resource
import statistics
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.shadowing.matching import Instance, Matching, check_stable, solve  # noqa: E402
from bot.shadowing.scoring import ApplicantProfile, HostProfile, build_preferences  # noqa: E402

GIB = 1024**3
RESULTS: list[tuple[str, str, bool]] = []  # (what, figure, passed)


def verdict(what: str, figure: str, passed: bool) -> None:
    RESULTS.append((what, figure, passed))
    print(f"    {'PASS' if passed else 'MISS'}  {what}: {figure}")


def random_lists(
    seed: int, n_applicants: int, n_hosts: int, list_length: int = 20, max_capacity: int = 20
) -> tuple[dict[int, list[int]], dict[int, list[int]], dict[int, int]]:
    """Seeded random preference lists (see the module docstring)."""
    rng = random.Random(seed)
    hosts = list(range(1, n_hosts + 1))
    k = min(list_length, n_hosts)
    applicant_prefs = {a: rng.sample(hosts, k) for a in range(1, n_applicants + 1)}
    host_prefs: dict[int, list[int]] = {h: [] for h in hosts}
    for a, lst in applicant_prefs.items():
        for h in lst:
            host_prefs[h].append(a)
    for lst in host_prefs.values():
        rng.shuffle(lst)
    capacities = {h: rng.randint(1, max_capacity) for h in hosts}
    return applicant_prefs, host_prefs, capacities


@dataclass
class EngineRun:
    build: float
    solve: float
    check: float
    matched: int
    problems: int
    matching: Matching

    @property
    def total(self) -> float:
        return self.build + self.solve + self.check


def run_engine(applicant_prefs, host_prefs, capacities) -> EngineRun:
    t0 = time.perf_counter()
    inst = Instance.from_lists(applicant_prefs, host_prefs, capacities)
    t1 = time.perf_counter()
    matching = solve(inst)
    t2 = time.perf_counter()
    problems = check_stable(inst, matching)
    t3 = time.perf_counter()
    return EngineRun(t1 - t0, t2 - t1, t3 - t2, len(matching), len(problems), matching)


def median_run(repeats: int, *lists) -> EngineRun:
    runs = [run_engine(*lists) for _ in range(repeats)]
    runs.sort(key=lambda r: r.total)
    return runs[len(runs) // 2]


def describe(run: EngineRun, n_applicants: int) -> None:
    print(
        f"    build {run.build:.3f} s | solve {run.solve:.3f} s | check {run.check:.3f} s"
        f" | total {run.total:.3f} s"
    )
    print(
        f"    matched {run.matched:,} of {n_applicants:,} applicants;"
        f" stability problems found: {run.problems}"
    )


# --------------------------------------------------------------------------------------------
# Cases 1 and 2
# --------------------------------------------------------------------------------------------


def case_in_process(n_applicants: int, n_hosts: int, target_s: float, repeats: int) -> None:
    print(f"\n1. {n_applicants:,} applicants x {n_hosts:,} hosts (median of {repeats} runs)")
    lists = random_lists(1, n_applicants, n_hosts)
    pairs = sum(map(len, lists[0].values()))
    print(f"    {pairs:,} preference pairs, {sum(lists[2].values()):,} places")
    run = median_run(repeats, *lists)
    describe(run, n_applicants)
    verdict(f"case 1 total < {target_s:g} s", f"{run.total:.3f} s", run.total < target_s)
    verdict("case 1 stable", f"{run.problems} problems", run.problems == 0)

    # For information: a contended variant with far fewer places than applicants.
    lists = random_lists(2, n_applicants, n_hosts, max_capacity=5)
    run = median_run(repeats, *lists)
    print(
        f"    (contended variant, capacities 1-5, {sum(lists[2].values()):,} places:"
        f" build {run.build:.3f} s | solve {run.solve:.3f} s | check {run.check:.3f} s"
        f" | total {run.total:.3f} s; matched {run.matched:,}; problems {run.problems})"
    )


def _child_case(n_applicants: int, n_hosts: int) -> dict[str, float]:
    """Runs in a fresh child process: generate, build, solve, check; report times and RSS."""
    t0 = time.perf_counter()
    lists = random_lists(3, n_applicants, n_hosts)
    generate = time.perf_counter() - t0
    rss_inputs = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    run = run_engine(*lists)
    return {
        "generate": generate,
        "build": run.build,
        "solve": run.solve,
        "check": run.check,
        "matched": run.matched,
        "problems": run.problems,
        "pairs": sum(map(len, lists[0].values())),
        "rss_inputs": rss_inputs,
        "rss_peak_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def case_child(n_applicants: int, n_hosts: int, target_s: float, target_bytes: int) -> None:
    print(f"\n2. {n_applicants:,} applicants x {n_hosts:,} hosts (one run, in a child process)")
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        r = pool.submit(_child_case, n_applicants, n_hosts).result()
    # ru_maxrss is in KiB on Linux; RUSAGE_CHILDREN is the largest of the finished children.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    total = r["build"] + r["solve"] + r["check"]
    print(f"    {int(r['pairs']):,} preference pairs; generating them took {r['generate']:.2f} s")
    print(
        f"    build {r['build']:.3f} s | solve {r['solve']:.3f} s | check {r['check']:.3f} s"
        f" | total {total:.3f} s"
    )
    print(
        f"    matched {int(r['matched']):,} of {n_applicants:,} applicants;"
        f" stability problems found: {int(r['problems'])}"
    )
    print(
        f"    peak RSS of the child {peak / GIB:.2f} GiB (RUSAGE_CHILDREN), of which"
        f" {r['rss_inputs'] / GIB:.2f} GiB was reached with just the interpreter and input lists"
    )
    verdict(f"case 2 total < {target_s:g} s", f"{total:.3f} s", total < target_s)
    verdict(
        f"case 2 peak RSS < {target_bytes / GIB:g} GiB",
        f"{peak / GIB:.2f} GiB",
        peak < target_bytes,
    )
    verdict("case 2 stable", f"{int(r['problems'])} problems", r["problems"] == 0)


# --------------------------------------------------------------------------------------------
# Case 3: against the `matching` package
# --------------------------------------------------------------------------------------------


def run_package(applicant_prefs, host_prefs, capacities) -> tuple[float, dict[int, int], bool]:
    from matching.games import HospitalResident

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        game = HospitalResident.create_from_dictionaries(applicant_prefs, host_prefs, capacities)
        result = game.solve(optimal="resident")
        stable = game.check_stability()
        elapsed = time.perf_counter() - t0
    pairs = {r.name: h.name for h, residents in result.items() for r in residents}
    return elapsed, pairs, stable


def in_big_thread(fn: Callable[[], object], recursion_limit: int, stack_bytes: int) -> object:
    """Run ``fn`` with a raised recursion limit in a thread with a large C stack."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller
            box["error"] = exc

    old_limit = sys.getrecursionlimit()
    old_stack = threading.stack_size(stack_bytes)
    sys.setrecursionlimit(recursion_limit)
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(old_limit)
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]


def case_package(n_applicants: int, n_hosts: int, target_ratio: float, repeats: int) -> None:
    print(f"\n3. {n_applicants:,} applicants x {n_hosts:,} hosts: ours vs the `matching` package")
    lists = random_lists(4, n_applicants, n_hosts)
    ours = median_run(repeats, *lists)
    print(
        f"    ours:    build {ours.build:.4f} s + solve {ours.solve:.4f} s"
        f" + check {ours.check:.4f} s = {ours.total:.4f} s (median of {repeats})"
    )
    try:
        theirs_s, theirs, stable = run_package(*lists)
        note = f"default recursion limit {sys.getrecursionlimit()}"
    except RecursionError:
        limit = 200_000
        print(
            f"    the package hit RecursionError at the default recursion limit"
            f" ({sys.getrecursionlimit()}) while deep-copying its players; re-running it with"
            f" sys.setrecursionlimit({limit:,}) in a thread with a 512 MiB stack"
        )
        theirs_s, theirs, stable = in_big_thread(  # type: ignore[misc]
            lambda: run_package(*lists), limit, 512 * 1024 * 1024
        )
        note = f"recursion limit raised to {limit:,}"
    print(
        f"    package: create + solve + check_stability = {theirs_s:.4f} s ({note});"
        f" its check says stable: {stable}"
    )
    ratio = theirs_s / ours.total
    ours_pairs = {a: h for a, h in ours.matching.applicant_to_host.items() if h is not None}
    same = ours_pairs == theirs
    print(f"    speed-up {ratio:.1f}x; matchings identical: {same} ({len(ours_pairs):,} pairs)")
    verdict(f"case 3 ours >= {target_ratio:g}x faster", f"{ratio:.1f}x", ratio >= target_ratio)
    verdict("case 3 identical to the package", str(same), same)


# --------------------------------------------------------------------------------------------
# Case 4: build_preferences from profiles
# --------------------------------------------------------------------------------------------


def random_profiles(
    seed: int, n_applicants: int, n_hosts: int, n_areas: int, n_regions: int
) -> tuple[list[ApplicantProfile], list[HostProfile]]:
    """Hosts have 1-4 areas and applicants 1-4 interests out of ``n_areas``; regions, modes,
    windows (30-180 days for hosts, 14-120 for applicants within a year) and lengths (1-20
    days) are uniform."""
    rng = random.Random(seed)
    areas = [f"area-{i}" for i in range(n_areas)]
    regions = [f"region-{i}" for i in range(n_regions)]
    modes = ["in_person", "remote", "either"]
    day0, t0 = date(2026, 1, 1), datetime(2025, 1, 1)
    hosts = []
    for i in range(1, n_hosts + 1):
        start = day0 + timedelta(days=rng.randrange(300))
        hosts.append(
            HostProfile(
                id=i,
                areas=frozenset(rng.sample(areas, rng.randint(1, min(4, n_areas)))),
                region=rng.choice(regions),
                mode=rng.choice(modes),
                capacity=rng.randint(1, 20),
                available_from=start,
                available_to=start + timedelta(days=rng.randint(30, 180)),
                created_at=t0 + timedelta(minutes=rng.randrange(10**6)),
            )
        )
    applicants = []
    for i in range(1, n_applicants + 1):
        start = day0 + timedelta(days=rng.randrange(300))
        applicants.append(
            ApplicantProfile(
                id=i,
                interests=frozenset(rng.sample(areas, rng.randint(1, min(4, n_areas)))),
                region=rng.choice(regions),
                mode=rng.choice(modes),
                available_from=start,
                available_to=start + timedelta(days=rng.randint(14, 120)),
                length_days=rng.randint(1, 20),
                queued_at=t0 + timedelta(minutes=rng.randrange(10**6)),
            )
        )
    return applicants, hosts


def case_profiles(n_applicants: int, n_hosts: int, repeats: int) -> None:
    print(f"\n4. build_preferences: {n_applicants:,} applicants x {n_hosts:,} hosts (profiles)")
    for label, n_areas, n_regions, target_s in (
        ("realistic: 40 areas, 12 regions", 40, 12, 1.0),
        ("dense: 10 areas, 5 regions", 10, 5, 2.0),
    ):
        applicants, hosts = random_profiles(5, n_applicants, n_hosts, n_areas, n_regions)
        banned = {(a.id, h.id) for a, h in zip(applicants[::50], hosts[::5], strict=False)}
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            inst = build_preferences(applicants, hosts, banned)
            times.append(time.perf_counter() - t0)
        elapsed = statistics.median(times)
        m = solve(inst)
        pairs = inst.pair_count()
        print(
            f"    {label}: {elapsed:.3f} s (median of {repeats}); {pairs:,} listed pairs,"
            f" avg list {pairs / n_applicants:.1f}; then matched {len(m):,}"
        )
        verdict(
            f"case 4 {label.split(':')[0]} < {target_s:g} s", f"{elapsed:.3f} s", elapsed < target_s
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    repeats = 3 if args.quick else 5

    print(f"Python {sys.version.split()[0]}; seeded random instances; list length 20")
    if args.quick:
        print("--quick: sizes divided by 10 (case 3: 300 x 30); targets are for the full sizes")
    case_in_process(10_000 // scale, 1_000 // scale, target_s=1.0, repeats=repeats)
    case_child(100_000 // scale, 10_000 // scale, target_s=15.0, target_bytes=2 * GIB)
    if args.quick:
        case_package(300, 30, target_ratio=20.0, repeats=repeats)
    else:
        case_package(2_000, 200, target_ratio=20.0, repeats=repeats)
    case_profiles(10_000 // scale, 1_000 // scale, repeats=3)

    print("\nSummary")
    for what, figure, passed in RESULTS:
        print(f"  {'PASS' if passed else 'MISS'}  {what}: {figure}")
    missed = sum(1 for *_, passed in RESULTS if not passed)
    print(f"{len(RESULTS) - missed} PASS, {missed} MISS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
