"""Tests for the deferred-acceptance matching engine (bot.shadowing.matching)."""

from __future__ import annotations

import inspect
import itertools
import random
import sys
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.shadowing.matching import (
    REASON_CAPACITY,
    REASON_CONFLICT,
    REASON_NO_ACCEPTABLE_HOST,
    Instance,
    Matching,
    UnstableMatchingError,
    blocking_pairs,
    check_stable,
    ensure_stable,
    solve,
    unmatched_reasons,
)

# --------------------------------------------------------------------------------------------
# Helpers: random raw inputs and independent (naive) reference implementations
# --------------------------------------------------------------------------------------------


@st.composite
def raw_inputs(draw, max_applicants=10, max_hosts=5, min_capacity=1, max_capacity=5):
    """Both sides' lists (not necessarily mutual), capacities and bans, as from_lists takes."""
    n_a = draw(st.integers(0, max_applicants))
    n_h = draw(st.integers(0, max_hosts))
    applicants = list(range(100, 100 + n_a))  # ids distinct from host ids on purpose
    hosts = list(range(n_h))
    applicant_prefs = {
        a: draw(st.lists(st.sampled_from(hosts), unique=True)) if hosts else [] for a in applicants
    }
    host_prefs = {}
    for h in hosts:
        # Usually the host lists the applicants that listed it, but it may drop some of them and
        # list some that did not list it, to exercise the "acceptable to both sides" rule.
        listing = [a for a, lst in applicant_prefs.items() if h in lst]
        keep = draw(st.lists(st.integers(0, 4), min_size=len(listing), max_size=len(listing)))
        extra = draw(st.lists(st.sampled_from(applicants), unique=True)) if applicants else []
        chosen = [a for a, k in zip(listing, keep, strict=True) if k] + extra
        host_prefs[h] = draw(st.permutations(list(dict.fromkeys(chosen))))
    capacities = {h: draw(st.integers(min_capacity, max_capacity)) for h in hosts}
    pairs = [(a, h) for a in applicants for h in hosts]
    banned = set(draw(st.lists(st.sampled_from(pairs), max_size=6))) if pairs else set()
    return applicant_prefs, host_prefs, capacities, banned


def mutual_pairs(applicant_prefs, host_prefs, banned):
    """Pairs listed by both sides in the raw input and not banned."""
    return {
        (a, h)
        for a, lst in applicant_prefs.items()
        for h in lst
        if a in host_prefs.get(h, ()) and (a, h) not in banned
    }


def naive_blocking(applicant_prefs, host_prefs, capacities, assignment):
    """Blocking pairs straight from the definition, on plain lists (quadratic, independent)."""
    members = {h: [a for a, g in assignment.items() if g == h] for h in capacities}
    found = set()
    for a, lst in applicant_prefs.items():
        for h in lst:
            if a not in host_prefs[h]:
                continue
            current = assignment.get(a)
            a_wants = current is None or lst.index(h) < lst.index(current)
            h_wants = len(members[h]) < capacities[h] or any(
                host_prefs[h].index(a) < host_prefs[h].index(b) for b in members[h]
            )
            if a_wants and h_wants:
                found.add((a, h))
    return found


def as_dict(matching: Matching) -> dict[int, int]:
    return {a: h for a, h in matching.applicant_to_host.items() if h is not None}


def reversed_instance(applicant_prefs, host_prefs, capacities, banned) -> Instance:
    """The same input with every mapping in reverse insertion order."""
    return Instance.from_lists(
        dict(reversed(list(applicant_prefs.items()))),
        dict(reversed(list(host_prefs.items()))),
        dict(reversed(list(capacities.items()))),
        list(banned)[::-1],
    )


def random_raw(rng: random.Random, n_a: int, n_h: int, max_len: int, max_capacity: int = 5):
    """Mutually consistent random lists: applicants rank random hosts, hosts rank who listed."""
    hosts = list(range(n_h))
    applicant_prefs = {
        1000 + i: rng.sample(hosts, rng.randint(0, min(max_len, n_h))) for i in range(n_a)
    }
    host_prefs: dict[int, list[int]] = {h: [] for h in hosts}
    for a, lst in applicant_prefs.items():
        for h in lst:
            host_prefs[h].append(a)
    for lst in host_prefs.values():
        rng.shuffle(lst)
    capacities = {h: rng.randint(1, max_capacity) for h in hosts}
    return applicant_prefs, host_prefs, capacities


# --------------------------------------------------------------------------------------------
# Property tests
# --------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(raw_inputs())
def test_solution_is_stable_valid_and_deterministic(raw):
    applicant_prefs, host_prefs, capacities, banned = raw
    inst = Instance.from_lists(applicant_prefs, host_prefs, capacities, banned)
    m = solve(inst)

    assert check_stable(inst, m) == []
    assert blocking_pairs(inst, m) == []

    acceptable = mutual_pairs(applicant_prefs, host_prefs, banned)
    assert set(m.applicant_to_host) == set(applicant_prefs)
    for a, h in m.pairs():
        assert (a, h) in acceptable  # acceptable to both sides, and not banned
        assert (a, h) not in banned
        assert a in m.host_to_applicants[h]
    for h, members in m.host_to_applicants.items():
        assert len(members) <= capacities[h]
        assert len(set(members)) == len(members)
        assert all(m.applicant_to_host[a] == h for a in members)
        # listed in the host's order of preference
        assert members == sorted(members, key=host_prefs[h].index)

    # Independent check of stability from the raw lists (bans make pairs unacceptable).
    clean_a = {a: [h for h in lst if (a, h) in acceptable] for a, lst in applicant_prefs.items()}
    clean_h = {h: [a for a in lst if (a, h) in acceptable] for h, lst in host_prefs.items()}
    assert naive_blocking(clean_a, clean_h, capacities, as_dict(m)) == set()

    # Deterministic: same input, same output; and independent of input order (the
    # applicant-optimal stable matching is unique).
    assert solve(Instance.from_lists(applicant_prefs, host_prefs, capacities, banned)) == m
    assert solve(inst) == m
    assert as_dict(solve(reversed_instance(*raw))) == as_dict(m)


@settings(max_examples=150, deadline=None)
@given(raw_inputs(max_applicants=5, max_hosts=3, max_capacity=2))
def test_solution_is_applicant_optimal_by_brute_force(raw):
    applicant_prefs, host_prefs, capacities, banned = raw
    inst = Instance.from_lists(applicant_prefs, host_prefs, capacities, banned)
    ours = as_dict(solve(inst))
    clean_h = inst.host_prefs()

    applicants = list(inst.applicant_prefs)
    options = [[None, *inst.applicant_prefs[a]] for a in applicants]
    stable = []
    for choice in itertools.product(*options):
        assignment = {a: h for a, h in zip(applicants, choice, strict=True) if h is not None}
        load = {h: 0 for h in capacities}
        for h in assignment.values():
            load[h] += 1
        if any(load[h] > capacities[h] for h in capacities):
            continue
        if not naive_blocking(inst.applicant_prefs, clean_h, capacities, assignment):
            stable.append(assignment)

    assert ours in stable
    for other in stable:  # every applicant does at least as well in ours as in any stable one
        for a in applicants:
            if a in other:
                assert a in ours
                lst = inst.applicant_prefs[a]
                assert lst.index(ours[a]) <= lst.index(other[a])


@settings(max_examples=200, deadline=None)
@given(raw_inputs(), st.randoms(use_true_random=False))
def test_blocking_pairs_matches_definition_on_arbitrary_assignments(raw, rnd):
    applicant_prefs, host_prefs, capacities, banned = raw
    inst = Instance.from_lists(applicant_prefs, host_prefs, capacities, banned)
    # An arbitrary (possibly unstable) assignment of applicants to acceptable hosts.
    load = dict.fromkeys(capacities, 0)
    pairs = []
    for a, lst in inst.applicant_prefs.items():
        free = [h for h in lst if load[h] < capacities[h]]
        if free and rnd.random() < 0.7:
            h = rnd.choice(free)
            load[h] += 1
            pairs.append((a, h))
    m = Matching.from_pairs(inst, pairs)
    expected = naive_blocking(inst.applicant_prefs, inst.host_prefs(), capacities, dict(pairs))
    found = blocking_pairs(inst, m)
    assert set(found) == expected
    assert len(found) == len(expected)
    problems = check_stable(inst, m)
    assert len(problems) == len(expected)
    assert all(p.startswith("blocking pair") for p in problems)


# --------------------------------------------------------------------------------------------
# Agreement with the reference implementation in the `matching` package
# --------------------------------------------------------------------------------------------


def package_solution(inst: Instance) -> dict[int, int]:
    """Resident-optimal matching from the PyPI `matching` package."""
    from matching.games import HospitalResident

    # The package needs non-empty resident lists and hospitals ranking exactly their proposers.
    resident_prefs = {a: lst for a, lst in inst.applicant_prefs.items() if lst}
    hospital_prefs = inst.host_prefs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        game = HospitalResident.create_from_dictionaries(
            resident_prefs, hospital_prefs, inst.capacities
        )
        result = game.solve(optimal="resident")
        assert game.check_stability()
    return {r.name: h.name for h, residents in result.items() for r in residents}


@pytest.mark.parametrize("chunk", range(10))
def test_equals_matching_package_on_random_instances(chunk):
    # 10 chunks x 20 seeds = 200 seeded instances of up to 30 applicants x 10 hosts.
    for seed in range(chunk * 20, chunk * 20 + 20):
        rng = random.Random(seed)
        n_a, n_h = rng.randint(1, 30), rng.randint(1, 10)
        applicant_prefs, host_prefs, capacities = random_raw(rng, n_a, n_h, max_len=n_h)
        pairs = [(a, h) for a, lst in applicant_prefs.items() for h in lst]
        banned = set(rng.sample(pairs, min(len(pairs), rng.randint(0, 5))))
        inst = Instance.from_lists(applicant_prefs, host_prefs, capacities, banned)
        ours = solve(inst)
        assert check_stable(inst, ours) == [], seed
        assert as_dict(ours) == package_solution(inst), seed


@settings(max_examples=100, deadline=None)
@given(raw_inputs(max_applicants=15, max_hosts=6))
def test_equals_matching_package_on_hypothesis_instances(raw):
    inst = Instance.from_lists(*raw)
    assert as_dict(solve(inst)) == package_solution(inst)


# --------------------------------------------------------------------------------------------
# Scale: no recursion
# --------------------------------------------------------------------------------------------


def test_large_instance_beyond_package_recursion_limit_solves():
    rng = random.Random(42)
    applicant_prefs, host_prefs, capacities = random_raw(rng, 1500, 150, max_len=20)
    inst = Instance.from_lists(applicant_prefs, host_prefs, capacities)
    # Run with almost no spare stack frames: the solver and checker must not recurse.
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + 25)
    try:
        m = solve(inst)
        problems = check_stable(inst, m)
    finally:
        sys.setrecursionlimit(old)
    assert problems == []
    assert len(m) > 0
    assert sum(map(len, m.host_to_applicants.values())) == len(m)


def test_long_rejection_chain():
    # Everyone ranks hosts 0..n-1 in the same order and every host prefers later applicants, so
    # each new applicant displaces the previous one along a chain of length ~n.
    n = 400
    applicant_prefs = {a: list(range(n)) for a in range(n)}
    host_prefs = {h: list(range(n - 1, -1, -1)) for h in range(n)}
    inst = Instance.from_lists(applicant_prefs, host_prefs, dict.fromkeys(range(n), 1))
    m = solve(inst)
    assert check_stable(inst, m) == []
    # Unique stable matching: applicant n-1-k gets host k.
    assert as_dict(m) == {n - 1 - k: k for k in range(n)}


# --------------------------------------------------------------------------------------------
# Instance construction
# --------------------------------------------------------------------------------------------


def test_from_lists_keeps_only_mutual_unbanned_pairs_in_order():
    inst = Instance.from_lists(
        applicant_prefs={1: [10, 11, 12, 99], 2: [12, 10], 3: [11]},
        host_prefs={10: [2, 1], 11: [1, 4], 12: [1, 2, 3]},
        capacities={10: 1, 11: 1, 12: 2},
        banned={(2, 12), (3, 10)},
    )
    # 99 is unknown; 3 lists 11 but 11 does not list 3; (2, 12) is banned.
    assert inst.applicant_prefs == {1: [10, 11, 12], 2: [10], 3: []}
    assert inst.host_prefs() == {10: [2, 1], 11: [1], 12: [1]}
    assert inst.host_rank[10][2] < inst.host_rank[10][1]
    # Only (2, 12) was otherwise acceptable; (3, 10) was never listed by 3.
    assert inst.banned_counts == {2: 1}
    assert inst.pair_count() == 4


def test_from_lists_host_without_preferences_ranks_nobody():
    inst = Instance.from_lists({1: [5]}, {}, {5: 3})
    assert inst.applicant_prefs == {1: []}
    assert inst.host_rank == {5: {}}
    assert as_dict(solve(inst)) == {}


@pytest.mark.parametrize(
    ("applicant_prefs", "host_prefs", "capacities", "message"),
    [
        ({1: [5, 5]}, {5: [1]}, {5: 1}, "applicant 1 lists a host more than once"),
        ({1: [5]}, {5: [1, 1]}, {5: 1}, "host 5 lists an applicant more than once"),
        ({1: [5]}, {5: [1]}, {5: -1}, "capacity"),
        ({1: [5]}, {5: [1]}, {5: 1.5}, "capacity"),
        ({1: [5]}, {5: [1], 6: [1]}, {5: 1}, "host 6 has preferences but no capacity"),
    ],
)
def test_from_lists_rejects_bad_input(applicant_prefs, host_prefs, capacities, message):
    with pytest.raises(ValueError, match=message):
        Instance.from_lists(applicant_prefs, host_prefs, capacities)


# --------------------------------------------------------------------------------------------
# Hand-made cases
# --------------------------------------------------------------------------------------------


def test_textbook_example():
    # Hosts prefer differently from applicants; applicant-optimal result is known.
    inst = Instance.from_lists(
        applicant_prefs={1: [10, 20], 2: [10, 20], 3: [10, 20], 4: [20, 10]},
        host_prefs={10: [3, 1, 2, 4], 20: [1, 2, 3, 4]},
        capacities={10: 2, 20: 1},
    )
    m = solve(inst)
    # 10 keeps 3 and 1 (its two favourites among 1, 2, 3); 2 goes to 20 and displaces 4,
    # who tries 10 but 10 prefers 3 and 1.
    assert as_dict(m) == {1: 10, 3: 10, 2: 20}
    assert m.host_to_applicants == {10: [3, 1], 20: [2]}
    assert m.unmatched() == [4]
    assert m.host_of(4) is None
    assert m.applicants_of(10) == [3, 1]
    assert len(m) == 3
    assert unmatched_reasons(inst, m) == {4: REASON_CAPACITY}


def test_capacity_zero_host_takes_nobody():
    inst = Instance.from_lists({1: [10, 20]}, {10: [1], 20: [1]}, {10: 0, 20: 1})
    m = solve(inst)
    assert as_dict(m) == {1: 20}
    assert check_stable(inst, m) == []


def test_unmatched_reasons():
    inst = Instance.from_lists(
        applicant_prefs={1: [10], 2: [10], 3: [10], 4: [11], 5: []},
        host_prefs={10: [1, 2, 3], 11: [4]},
        capacities={10: 1, 11: 1},
        banned={(3, 10), (4, 11)},
    )
    m = solve(inst)
    assert as_dict(m) == {1: 10}
    assert unmatched_reasons(inst, m) == {
        2: REASON_CAPACITY,  # host 10 is full with applicant 1, whom it prefers
        3: REASON_CONFLICT,  # its only acceptable host is banned for it
        4: REASON_CONFLICT,
        5: REASON_NO_ACCEPTABLE_HOST,
    }


def test_check_stable_reports_each_kind_of_problem():
    inst = Instance.from_lists(
        applicant_prefs={1: [10, 20], 2: [10], 3: [20]},
        host_prefs={10: [1, 2], 20: [1, 3]},
        capacities={10: 1, 20: 1},
    )
    good = solve(inst)
    assert check_stable(inst, good) == []
    ensure_stable(inst, good)

    over = Matching({1: 10, 2: 10, 3: 20}, {10: [1, 2], 20: [3]})
    assert any("capacity" in p for p in check_stable(inst, over))

    unacceptable = Matching({1: 10, 2: None, 3: 10}, {10: [1, 3], 20: []})
    assert any("not acceptable" in p for p in check_stable(inst, unacceptable))

    inconsistent = Matching({1: 10, 2: None, 3: 20}, {10: [], 20: [3]})
    assert any("missing from host_to_applicants" in p for p in check_stable(inst, inconsistent))

    unknown = Matching({1: 99, 2: None, 3: None, 7: None}, {10: [], 20: []})
    problems = check_stable(inst, unknown)
    assert any("unknown host 99" in p for p in problems)
    assert any("unknown applicant 7" in p for p in problems)

    empty = Matching.from_pairs(inst, [])
    assert set(blocking_pairs(inst, empty)) == {(1, 10), (1, 20), (2, 10), (3, 20)}
    with pytest.raises(UnstableMatchingError) as excinfo:
        ensure_stable(inst, empty)
    assert len(excinfo.value.problems) == 4


def test_empty_instance():
    inst = Instance.from_lists({}, {}, {})
    m = solve(inst)
    assert m == Matching({}, {})
    assert check_stable(inst, m) == []
    assert unmatched_reasons(inst, m) == {}
