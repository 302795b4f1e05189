"""Preference scores for work-shadowing: how well a host place suits an applicant.

Score rule
----------
An applicant and a host are a possible pair only if all of these hold:

1. **Interests** - at least one of the applicant's interests is one of the host's areas
   (tags are compared exactly, so store them normalised).
2. **Mode** - they can agree on a way of working: both allow remote working (mode ``remote``
   or ``either``), which works across regions; or both allow in-person working (mode
   ``in_person`` or ``either``) *and* they are in the same region.
3. **Dates** - their availability windows overlap by at least one day (dates are inclusive).

The score of a possible pair is a whole number from 100 to 400, higher is better:

* **100 per shared interest**, counting at most 3 (up to 300);
* **+40** if applicant and host are in the same region (whatever the mode);
* **+ up to 30 for date overlap**: ``30 * overlap_days // applicant_window_days``, the share of
  the applicant's availability that the host's window also covers;
* **+ up to 30 for length fit**: ``30 * min(overlap_days, length_days) // length_days``, so 30
  when the overlap is long enough for the whole placement the applicant wants.

Scores are integers, so rankings are exact. Ties are broken, for an applicant's ranking of
hosts, by the host that registered first (``created_at``), then the lower host id; for a host's
ranking of applicants, by the applicant that has waited longest (``queued_at``), then the lower
applicant id.

Preference lists
----------------
:func:`build_preferences` turns profiles into a matching :class:`~bot.shadowing.matching.Instance`.
Banned pairs (e.g. conflicts of interest) are removed first. Each applicant then lists its best
``max_choices`` (default 20) possible hosts, and each host ranks exactly the applicants that
listed it. Hosts are indexed by area (and region for in-person places), so an applicant is only
scored against hosts that share one of its interests and could work with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain

from bot.shadowing.matching import Instance

__all__ = [
    "DATE_OVERLAP_POINTS",
    "INTEREST_CAP",
    "INTEREST_POINTS",
    "LENGTH_FIT_POINTS",
    "MAX_SCORE",
    "MODES",
    "MODE_EITHER",
    "MODE_IN_PERSON",
    "MODE_REMOTE",
    "SAME_REGION_POINTS",
    "ApplicantProfile",
    "HostProfile",
    "build_preferences",
    "score",
]

MODE_IN_PERSON = "in_person"
MODE_REMOTE = "remote"
MODE_EITHER = "either"
MODES = frozenset({MODE_IN_PERSON, MODE_REMOTE, MODE_EITHER})

INTEREST_POINTS = 100
INTEREST_CAP = 3
SAME_REGION_POINTS = 40
DATE_OVERLAP_POINTS = 30
LENGTH_FIT_POINTS = 30
MAX_SCORE = (
    INTEREST_POINTS * INTEREST_CAP + SAME_REGION_POINTS + DATE_OVERLAP_POINTS + LENGTH_FIT_POINTS
)

_REMOTE_OK = frozenset({MODE_REMOTE, MODE_EITHER})
_IN_PERSON_OK = frozenset({MODE_IN_PERSON, MODE_EITHER})


def _check_common(kind: str, obj_id: int, mode: str, start: date, end: date) -> None:
    if mode not in MODES:
        raise ValueError(f"{kind} {obj_id}: mode must be one of {sorted(MODES)}, got {mode!r}")
    if start > end:
        raise ValueError(f"{kind} {obj_id}: available_from {start} is after available_to {end}")


@dataclass(frozen=True, slots=True)
class ApplicantProfile:
    """A civil servant looking for a work-shadowing place."""

    id: int
    interests: frozenset[str]
    region: str
    mode: str  # "in_person" | "remote" | "either"
    available_from: date
    available_to: date  # inclusive
    length_days: int  # length of placement wanted
    queued_at: datetime  # when the applicant joined the queue (earlier wins ties)

    def __post_init__(self) -> None:
        if not isinstance(self.interests, frozenset):
            object.__setattr__(self, "interests", frozenset(self.interests))
        _check_common("applicant", self.id, self.mode, self.available_from, self.available_to)
        if self.length_days < 1:
            raise ValueError(f"applicant {self.id}: length_days must be >= 1")


@dataclass(frozen=True, slots=True)
class HostProfile:
    """A voluntary-sector organisation offering ``capacity`` work-shadowing places."""

    id: int
    areas: frozenset[str]
    region: str
    mode: str  # "in_person" | "remote" | "either"
    capacity: int
    available_from: date
    available_to: date  # inclusive
    created_at: datetime  # when the host registered (earlier wins ties)

    def __post_init__(self) -> None:
        if not isinstance(self.areas, frozenset):
            object.__setattr__(self, "areas", frozenset(self.areas))
        _check_common("host", self.id, self.mode, self.available_from, self.available_to)
        if self.capacity < 0:
            raise ValueError(f"host {self.id}: capacity must be >= 0")


def _points(
    shared: int, same_region: bool, overlap_days: int, window_days: int, length_days: int
) -> int:
    """The score of a possible pair (see the module docstring)."""
    return (
        INTEREST_POINTS * min(shared, INTEREST_CAP)
        + (SAME_REGION_POINTS if same_region else 0)
        + DATE_OVERLAP_POINTS * overlap_days // window_days
        + LENGTH_FIT_POINTS * min(overlap_days, length_days) // length_days
    )


def score(applicant: ApplicantProfile, host: HostProfile) -> int | None:
    """How well ``host`` suits ``applicant`` (higher is better), or ``None`` if not acceptable.

    See the module docstring for the rule.
    """
    shared = len(applicant.interests & host.areas)
    if not shared:
        return None
    same_region = applicant.region == host.region
    remote = applicant.mode in _REMOTE_OK and host.mode in _REMOTE_OK
    in_person = applicant.mode in _IN_PERSON_OK and host.mode in _IN_PERSON_OK and same_region
    if not (remote or in_person):
        return None
    start = max(applicant.available_from, host.available_from)
    end = min(applicant.available_to, host.available_to)
    overlap_days = (end - start).days + 1
    if overlap_days <= 0:
        return None
    window_days = (applicant.available_to - applicant.available_from).days + 1
    return _points(shared, same_region, overlap_days, window_days, applicant.length_days)


def build_preferences(
    applicants: Iterable[ApplicantProfile],
    hosts: Iterable[HostProfile],
    banned: Iterable[tuple[int, int]] = (),
    max_choices: int | None = 20,
) -> Instance:
    """Ranked preference lists for matching, from profiles.

    ``banned`` holds ``(applicant_id, host_id)`` pairs that must never be matched; they are
    removed from both sides before ranking (so a banned host does not use up one of the
    applicant's ``max_choices``) and counted in ``Instance.banned_counts`` when the pair was
    otherwise possible (whether or not it would have made the applicant's top choices).

    Each applicant ranks its best ``max_choices`` possible hosts (``None`` = no limit) by score,
    then earlier ``created_at``, then lower host id. Each host ranks the applicants that listed
    it by score, then earlier ``queued_at``, then lower applicant id.
    Every applicant and host appears in the instance, with an empty list if nothing fits.

    Raises ``ValueError`` for duplicate ids or a negative ``max_choices``.
    """
    applicant_list = list(applicants)
    host_list = sorted(hosts, key=lambda h: (h.created_at, h.id))
    if max_choices is not None and max_choices < 0:
        raise ValueError("max_choices must be >= 0 or None")
    if len({a.id for a in applicant_list}) != len(applicant_list):
        raise ValueError("duplicate applicant id")
    if len({h.id for h in host_list}) != len(host_list):
        raise ValueError("duplicate host id")

    # Hosts are referred to by their position in (created_at, id) order, so a smaller position
    # wins ties. Candidate keys pack (MAX_SCORE - score, position) into one int for fast sorting.
    n_hosts = len(host_list)
    host_ids = [h.id for h in host_list]
    position = {h.id: pos for pos, h in enumerate(host_list)}
    h_start = [h.available_from.toordinal() for h in host_list]
    h_end = [h.available_to.toordinal() for h in host_list]
    h_region = [h.region for h in host_list]

    # Inverted indexes from area to the hosts that could work with an applicant.
    remote_by_area: dict[str, list[int]] = {}  # hosts allowing remote work
    in_person_by_area: dict[tuple[str, str], list[int]] = {}  # hosts allowing in person
    in_person_only_by_area: dict[tuple[str, str], list[int]] = {}  # hosts only in person
    for pos, h in enumerate(host_list):
        for area in h.areas:
            if h.mode in _REMOTE_OK:
                remote_by_area.setdefault(area, []).append(pos)
            if h.mode in _IN_PERSON_OK:
                in_person_by_area.setdefault((area, h.region), []).append(pos)
            if h.mode == MODE_IN_PERSON:
                in_person_only_by_area.setdefault((area, h.region), []).append(pos)

    bans: dict[int, set[int]] = {}
    for a_id, h_id in banned:
        pos = position.get(h_id)
        if pos is not None:
            bans.setdefault(a_id, set()).add(pos)

    # Applicants likewise by position in (queued_at, id) order, for the hosts' tie-break.
    by_wait = sorted(applicant_list, key=lambda a: (a.queued_at, a.id))
    n_applicants = len(by_wait)
    applicant_ids = [a.id for a in by_wait]

    applicant_prefs: dict[int, list[int]] = {a.id: [] for a in applicant_list}
    banned_counts: dict[int, int] = {}
    proposals: list[list[int]] = [[] for _ in range(n_hosts)]
    max_interest = INTEREST_POINTS * INTEREST_CAP
    empty: list[int] = []
    for a_pos, a in enumerate(by_wait):
        region = a.region
        if a.mode == MODE_REMOTE:
            found = [remote_by_area.get(t, empty) for t in a.interests]
        elif a.mode == MODE_IN_PERSON:
            found = [in_person_by_area.get((t, region), empty) for t in a.interests]
        else:  # either: remote-capable hosts anywhere, plus in-person-only hosts in the region
            found = [remote_by_area.get(t, empty) for t in a.interests]
            found += [in_person_only_by_area.get((t, region), empty) for t in a.interests]
        shared_by_host = Counter(chain.from_iterable(found))
        if not shared_by_host:
            continue

        a_start = a.available_from.toordinal()
        a_end = a.available_to.toordinal()
        window = a_end - a_start + 1
        length = a.length_days
        ban = bans.get(a.id)
        keys: list[int] = []
        removed = 0
        for pos, shared in shared_by_host.items():
            start = h_start[pos]
            if start < a_start:
                start = a_start
            end = h_end[pos]
            if end > a_end:
                end = a_end
            overlap = end - start + 1
            if overlap <= 0:
                continue
            if ban is not None and pos in ban:
                removed += 1
                continue
            # _points(), inlined for speed.
            s = (
                (INTEREST_POINTS * shared if shared < INTEREST_CAP else max_interest)
                + (SAME_REGION_POINTS if h_region[pos] == region else 0)
                + DATE_OVERLAP_POINTS * overlap // window
                + LENGTH_FIT_POINTS * (overlap if overlap < length else length) // length
            )
            keys.append((MAX_SCORE - s) * n_hosts + pos)
        if removed:
            banned_counts[a.id] = removed
        keys.sort()
        if max_choices is not None:
            del keys[max_choices:]
        chosen: list[int] = []
        for key in keys:
            pos = key % n_hosts
            chosen.append(host_ids[pos])
            # Same score, re-packed with the applicant's position for the host's ranking.
            proposals[pos].append((key // n_hosts) * n_applicants + a_pos)
        applicant_prefs[a.id] = chosen

    host_rank: dict[int, dict[int, int]] = {}
    capacities: dict[int, int] = {}
    for pos, h in enumerate(host_list):
        keys = proposals[pos]
        keys.sort()
        host_rank[h.id] = {applicant_ids[key % n_applicants]: i for i, key in enumerate(keys)}
        capacities[h.id] = h.capacity
    return Instance(applicant_prefs, host_rank, capacities, banned_counts)
