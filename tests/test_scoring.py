"""Tests for the preference score and list building (bot.shadowing.scoring)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.shadowing.matching import (
    REASON_CAPACITY,
    REASON_CONFLICT,
    REASON_NO_ACCEPTABLE_HOST,
    check_stable,
    solve,
    unmatched_reasons,
)
from bot.shadowing.scoring import (
    MAX_SCORE,
    ApplicantProfile,
    HostProfile,
    build_preferences,
    score,
)

T0 = datetime(2025, 1, 1, 9, 0)
D0 = date(2026, 3, 2)


def applicant(
    id=1,
    interests=("policy",),
    region="north",
    mode="either",
    start=D0,
    end=D0 + timedelta(days=29),
    length=5,
    queued=T0,
):
    return ApplicantProfile(id, frozenset(interests), region, mode, start, end, length, queued)


def host(
    id=10,
    areas=("policy",),
    region="north",
    mode="either",
    capacity=1,
    start=D0,
    end=D0 + timedelta(days=29),
    created=T0,
):
    return HostProfile(id, frozenset(areas), region, mode, capacity, start, end, created)


# --------------------------------------------------------------------------------------------
# score()
# --------------------------------------------------------------------------------------------


def test_full_marks_example():
    # 1 shared interest (100) + same region (40) + full date overlap (30) + length fits (30).
    assert score(applicant(), host()) == 200


def test_worked_example():
    a = applicant(
        interests={"policy", "digital", "housing", "health", "arts"},
        region="north",
        start=date(2026, 3, 1),
        end=date(2026, 3, 30),  # 30 days
        length=20,
    )
    h = host(
        areas={"policy", "digital", "housing", "health"},
        region="south",
        mode="remote",
        start=date(2026, 3, 21),
        end=date(2026, 5, 1),  # overlaps 21-30 March: 10 days
    )
    # 4 shared interests capped at 3 (300) + other region (0) + 30*10//30 (10) + 30*10//20 (15)
    assert score(a, h) == 325


def test_no_shared_interest_is_not_acceptable():
    assert score(applicant(interests={"policy"}), host(areas={"digital"})) is None
    assert score(applicant(interests=()), host()) is None


@pytest.mark.parametrize(
    ("a_mode", "h_mode", "same_region_ok", "other_region_ok"),
    [
        ("in_person", "in_person", True, False),
        ("in_person", "either", True, False),
        ("in_person", "remote", False, False),
        ("remote", "in_person", False, False),
        ("remote", "remote", True, True),
        ("remote", "either", True, True),
        ("either", "in_person", True, False),
        ("either", "remote", True, True),
        ("either", "either", True, True),
    ],
)
def test_mode_compatibility(a_mode, h_mode, same_region_ok, other_region_ok):
    a = applicant(mode=a_mode, region="north")
    assert (score(a, host(mode=h_mode, region="north")) is not None) is same_region_ok
    assert (score(a, host(mode=h_mode, region="south")) is not None) is other_region_ok


def test_same_region_bonus_applies_to_remote_pairs_too():
    a = applicant(mode="remote", region="north")
    assert score(a, host(mode="remote", region="north")) == 200
    assert score(a, host(mode="remote", region="south")) == 160


def test_date_windows_must_overlap_inclusive():
    a = applicant(start=date(2026, 3, 1), end=date(2026, 3, 10), length=1)
    assert score(a, host(start=date(2026, 3, 11), end=date(2026, 4, 1))) is None
    assert score(a, host(start=date(2026, 1, 1), end=date(2026, 2, 28))) is None
    # Touching on a single day is an overlap of one day.
    assert score(a, host(start=date(2026, 3, 10), end=date(2026, 4, 1))) == 100 + 40 + 3 + 30


def test_length_fit_and_overlap_fraction():
    a = applicant(start=date(2026, 3, 1), end=date(2026, 3, 20), length=10)  # 20-day window
    full = host(start=date(2026, 2, 1), end=date(2026, 4, 1))
    half = host(start=date(2026, 3, 11), end=date(2026, 4, 1))  # 10 days: fits exactly
    short = host(start=date(2026, 3, 16), end=date(2026, 4, 1))  # 5 days: half the length
    assert score(a, full) == 100 + 40 + 30 + 30
    assert score(a, half) == 100 + 40 + 15 + 30
    assert score(a, short) == 100 + 40 + 7 + 15


def test_profile_validation():
    with pytest.raises(ValueError, match="mode"):
        applicant(mode="hybrid")
    with pytest.raises(ValueError, match="mode"):
        host(mode="")
    with pytest.raises(ValueError, match="after"):
        applicant(start=date(2026, 3, 2), end=date(2026, 3, 1))
    with pytest.raises(ValueError, match="after"):
        host(start=date(2026, 3, 2), end=date(2026, 3, 1))
    with pytest.raises(ValueError, match="length_days"):
        applicant(length=0)
    with pytest.raises(ValueError, match="capacity"):
        host(capacity=-1)
    # Plain sets are stored as frozensets.
    a = ApplicantProfile(1, {"x"}, "r", "remote", D0, D0, 1, T0)  # type: ignore[arg-type]
    assert a.interests == frozenset({"x"})
    assert isinstance(a.interests, frozenset)


# --------------------------------------------------------------------------------------------
# build_preferences(): ordering and tie-breaks
# --------------------------------------------------------------------------------------------


def test_applicant_ranks_hosts_by_score_then_created_at_then_id():
    a = applicant(interests={"policy", "digital"})
    hosts = [
        host(id=1, areas={"policy"}, created=T0 + timedelta(days=2)),
        host(id=2, areas={"policy", "digital"}, created=T0 + timedelta(days=9)),  # best score
        host(id=3, areas={"policy"}, created=T0 + timedelta(days=1)),  # oldest of the ties
        host(id=5, areas={"policy"}, created=T0 + timedelta(days=2)),  # tie with 1: lower id wins
        host(id=4, areas={"policy"}, region="south", mode="remote"),  # lower score (no region)
        host(id=6, areas={"digital"}, region="south", mode="in_person"),  # not acceptable
    ]
    inst = build_preferences([a], hosts)
    assert inst.applicant_prefs == {1: [2, 3, 1, 5, 4]}


def test_host_ranks_by_score_then_queued_at_then_id():
    h = host(areas={"policy", "digital"}, capacity=1)
    applicants = [
        applicant(id=1, queued=T0 + timedelta(days=5)),
        applicant(id=2, interests={"policy", "digital"}, queued=T0 + timedelta(days=9)),  # best
        applicant(id=3, queued=T0 + timedelta(days=1)),  # has waited longest among the ties
        applicant(id=7, queued=T0 + timedelta(days=5)),  # same wait as 1: lower id first
        applicant(id=4, queued=T0, region="south", mode="remote"),  # lower score
    ]
    inst = build_preferences(applicants, [h])
    assert inst.host_prefs() == {10: [2, 3, 1, 7, 4]}
    assert inst.capacities == {10: 1}
    # With one place, the best-scoring applicant gets it, and on equal scores the longest wait.
    assert solve(inst).applicants_of(10) == [2]
    inst = build_preferences([x for x in applicants if x.id != 2], [h])
    assert solve(inst).applicants_of(10) == [3]


def test_max_choices_caps_each_applicant_list():
    hosts = [host(id=i, created=T0 + timedelta(minutes=i)) for i in range(30)]
    inst = build_preferences([applicant()], hosts)
    assert inst.applicant_prefs[1] == list(range(20))
    inst = build_preferences([applicant()], hosts, max_choices=3)
    assert inst.applicant_prefs[1] == [0, 1, 2]
    assert inst.host_rank[0] == {1: 0}
    assert inst.host_rank[3] == {}  # hosts only rank applicants that listed them
    inst = build_preferences([applicant()], hosts, max_choices=None)
    assert len(inst.applicant_prefs[1]) == 30
    with pytest.raises(ValueError, match="max_choices"):
        build_preferences([applicant()], hosts, max_choices=-1)


def test_bans_are_removed_from_both_sides_before_ranking():
    hosts = [host(id=i, created=T0 + timedelta(minutes=i)) for i in range(4)]
    applicants = [applicant(id=1), applicant(id=2)]
    banned = {(1, 0), (2, 3), (1, 99), (2, 3)}
    inst = build_preferences(applicants, hosts, banned, max_choices=3)
    # The banned host does not use up one of the 3 choices.
    assert inst.applicant_prefs == {1: [1, 2, 3], 2: [0, 1, 2]}
    assert 1 not in inst.host_rank[0]
    assert 2 not in inst.host_rank[3]
    assert inst.banned_counts == {1: 1, 2: 1}
    m = solve(inst)
    assert (1, 0) not in m.pairs()


def test_banned_pair_that_was_never_possible_is_not_counted():
    inst = build_preferences([applicant(interests={"arts"})], [host()], {(1, 10)})
    assert inst.banned_counts == {}


def test_everyone_appears_even_without_options():
    inst = build_preferences(
        [applicant(id=1, interests={"arts"}), applicant(id=2)],
        [
            host(id=10, capacity=0),
            host(id=11, areas={"arts"}, start=date(2027, 1, 1), end=date(2027, 2, 1)),
        ],
    )
    assert inst.applicant_prefs == {1: [], 2: [10]}
    assert inst.capacities == {10: 0, 11: 1}
    assert inst.host_rank == {10: {2: 0}, 11: {}}


def test_duplicate_ids_rejected():
    with pytest.raises(ValueError, match="duplicate applicant"):
        build_preferences([applicant(id=1), applicant(id=1)], [host()])
    with pytest.raises(ValueError, match="duplicate host"):
        build_preferences([applicant()], [host(id=1), host(id=1)])


def test_unmatched_reasons_from_profiles():
    hosts = [host(id=10, capacity=1), host(id=11, areas={"arts"})]
    applicants = [
        applicant(id=1, queued=T0),  # gets host 10 (longest wait)
        applicant(id=2, queued=T0 + timedelta(hours=1)),  # same score, waited less
        applicant(id=3, interests={"arts"}),  # only host 11, which is banned for it
        applicant(id=4, interests={"fisheries"}),  # no host shares an interest
    ]
    inst = build_preferences(applicants, hosts, banned={(3, 11)})
    m = solve(inst)
    assert check_stable(inst, m) == []
    assert m.pairs() == [(1, 10)]
    assert unmatched_reasons(inst, m) == {
        2: REASON_CAPACITY,
        3: REASON_CONFLICT,
        4: REASON_NO_ACCEPTABLE_HOST,
    }


# --------------------------------------------------------------------------------------------
# build_preferences() agrees with a naive all-pairs reference built on score()
# --------------------------------------------------------------------------------------------

AREAS = ["policy", "digital", "housing", "health"]
REGIONS = ["north", "south", "wales"]
MODES = ["in_person", "remote", "either"]
days = st.integers(0, 60).map(lambda n: D0 + timedelta(days=n))
stamps = st.integers(0, 5).map(lambda n: T0 + timedelta(hours=n))  # few values: many ties


@st.composite
def window(draw):
    start, end = sorted([draw(days), draw(days)])
    return start, end


@st.composite
def applicant_profiles(draw, id):
    start, end = draw(window())
    return ApplicantProfile(
        id,
        frozenset(draw(st.sets(st.sampled_from(AREAS), max_size=4))),
        draw(st.sampled_from(REGIONS)),
        draw(st.sampled_from(MODES)),
        start,
        end,
        draw(st.integers(1, 30)),
        draw(stamps),
    )


@st.composite
def host_profiles(draw, id):
    start, end = draw(window())
    return HostProfile(
        id,
        frozenset(draw(st.sets(st.sampled_from(AREAS), max_size=4))),
        draw(st.sampled_from(REGIONS)),
        draw(st.sampled_from(MODES)),
        draw(st.integers(0, 3)),
        start,
        end,
        draw(stamps),
    )


@st.composite
def profile_sets(draw):
    n_a = draw(st.integers(0, 12))
    n_h = draw(st.integers(0, 8))
    a_ids = draw(st.lists(st.integers(1, 50), min_size=n_a, max_size=n_a, unique=True))
    h_ids = draw(st.lists(st.integers(1, 50), min_size=n_h, max_size=n_h, unique=True))
    applicants = [draw(applicant_profiles(i)) for i in a_ids]
    hosts = [draw(host_profiles(i)) for i in h_ids]
    pairs = [(a, h) for a in a_ids for h in h_ids]
    banned = set(draw(st.lists(st.sampled_from(pairs), max_size=8))) if pairs else set()
    max_choices = draw(st.one_of(st.none(), st.integers(0, 5)))
    return applicants, hosts, banned, max_choices


def naive_preferences(applicants, hosts, banned, max_choices):
    host_by_id = {h.id: h for h in hosts}
    applicant_prefs = {}
    listed_by = {h.id: [] for h in hosts}
    for a in applicants:
        options = [
            (-s, h.created_at, h.id)
            for h in hosts
            if (a.id, h.id) not in banned and (s := score(a, h)) is not None
        ]
        options.sort()
        if max_choices is not None:
            options = options[:max_choices]
        applicant_prefs[a.id] = [h_id for _, _, h_id in options]
        for neg_s, _, h_id in options:
            listed_by[h_id].append((neg_s, a.queued_at, a.id))
    host_prefs = {h_id: [a_id for _, _, a_id in sorted(v)] for h_id, v in listed_by.items()}
    capacities = {h_id: h.capacity for h_id, h in host_by_id.items()}
    banned_counts = {}
    for a in applicants:
        n = sum(1 for h in hosts if (a.id, h.id) in banned and score(a, h) is not None)
        if n:
            banned_counts[a.id] = n
    return applicant_prefs, host_prefs, capacities, banned_counts


@settings(max_examples=300, deadline=None)
@given(profile_sets())
def test_build_preferences_equals_naive_reference(data):
    applicants, hosts, banned, max_choices = data
    inst = build_preferences(applicants, hosts, banned, max_choices)
    applicant_prefs, host_prefs, capacities, banned_counts = naive_preferences(*data)
    assert inst.applicant_prefs == applicant_prefs
    assert inst.host_prefs() == host_prefs
    assert inst.capacities == capacities
    assert inst.banned_counts == banned_counts
    # Every listed pair is acceptable, unbanned and mutual.
    for a_id, lst in inst.applicant_prefs.items():
        for h_id in lst:
            assert (a_id, h_id) not in banned
            assert a_id in inst.host_rank[h_id]
    m = solve(inst)
    assert check_stable(inst, m) == []


@settings(max_examples=300, deadline=None)
@given(
    applicant_profiles(1),
    host_profiles(2),
)
def test_score_range_and_acceptability_conditions(a, h):
    s = score(a, h)
    if s is not None:
        assert 100 <= s <= MAX_SCORE
        assert a.interests & h.areas
        assert max(a.available_from, h.available_from) <= min(a.available_to, h.available_to)
        if a.region != h.region:
            assert h.mode in ("remote", "either") and a.mode in ("remote", "either")
