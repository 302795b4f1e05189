"""Stable matching of work-shadowing applicants to host places.

This is the hospitals/residents problem: every applicant (a civil servant) ranks the hosts it
would accept, every host ranks the applicants that listed it and offers ``capacity`` places.
:func:`solve` runs applicant-proposing deferred acceptance (Gale-Shapley with capacities), which
gives the *applicant-optimal* stable matching: no applicant can do better in any stable matching,
and the result does not depend on the order in which applicants propose.

The module is pure Python (no database or Slack imports) and works on integer ids:

* :class:`Instance` holds both sides' preferences, restricted to pairs acceptable to both sides
  and not banned.  Build it with :meth:`Instance.from_lists` (or with
  :func:`bot.shadowing.scoring.build_preferences` from profiles).
* :func:`solve` returns a :class:`Matching`.
* :func:`blocking_pairs` / :func:`check_stable` verify a matching in O(total preference entries).
* :func:`unmatched_reasons` explains why each unmatched applicant got no place.

The solver is iterative (no recursion), so it scales to hundreds of thousands of applicants.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from heapq import heappush, heapreplace
from itertools import chain

__all__ = [
    "REASON_CAPACITY",
    "REASON_CONFLICT",
    "REASON_NO_ACCEPTABLE_HOST",
    "Instance",
    "Matching",
    "UnstableMatchingError",
    "blocking_pairs",
    "check_stable",
    "ensure_stable",
    "solve",
    "unmatched_reasons",
]

#: The applicant had no mutually acceptable host at all.
REASON_NO_ACCEPTABLE_HOST = "no acceptable host"
#: The applicant had mutually acceptable hosts, but every one of them was banned for it
#: (e.g. a conflict of interest).
REASON_CONFLICT = "conflict"
#: The applicant had acceptable hosts, but each was full with applicants that host preferred.
REASON_CAPACITY = "capacity"


@dataclass(slots=True)
class Instance:
    """A hospitals/residents instance over integer ids.

    Invariants (guaranteed by :meth:`from_lists` and by ``build_preferences``):

    * ``applicant_prefs[a]`` lists the hosts acceptable to applicant ``a``, best first, without
      duplicates; every host in it is a key of ``capacities`` and of ``host_rank``.
    * ``host_rank[h][a]`` is host ``h``'s rank of applicant ``a`` (lower = better, all distinct
      within a host).  It holds exactly the applicants whose list contains ``h``, so a pair is
      acceptable iff ``a in host_rank[h]``.
    * ``capacities[h] >= 0`` is the number of places host ``h`` offers.
    * ``banned_counts[a]`` counts pairs that were acceptable to both sides but were removed
      because they are banned (applicants with no such pair may be absent).
    """

    applicant_prefs: dict[int, list[int]]
    host_rank: dict[int, dict[int, int]]
    capacities: dict[int, int]
    banned_counts: dict[int, int] = field(default_factory=dict)

    @classmethod
    def from_lists(
        cls,
        applicant_prefs: Mapping[int, Sequence[int]],
        host_prefs: Mapping[int, Sequence[int]],
        capacities: Mapping[int, int],
        banned: Iterable[tuple[int, int]] = (),
    ) -> Instance:
        """Build an instance from both sides' ordered preference lists (best first).

        ``banned`` holds ``(applicant, host)`` pairs that must never be matched.  Pairs that are
        banned or not listed by *both* sides are dropped; the relative order of what remains is
        kept.  Every host must have a capacity; a host in ``capacities`` but not in
        ``host_prefs`` ranks nobody.  Hosts an applicant lists that are unknown or that do not
        list it back are simply unacceptable.

        Raises ``ValueError`` for a negative or non-integer capacity, a host with preferences but
        no capacity, or a duplicate entry in a preference list.
        """
        caps: dict[int, int] = {}
        for h, c in capacities.items():
            if isinstance(c, bool) or not isinstance(c, int) or c < 0:
                raise ValueError(f"host {h!r}: capacity must be an int >= 0, got {c!r}")
            caps[h] = c

        # Each host's rank of every applicant it lists (before checking the other side).
        listed: dict[int, dict[int, int]] = {}
        for h, lst in host_prefs.items():
            if h not in caps:
                raise ValueError(f"host {h!r} has preferences but no capacity")
            ranks = {a: i for i, a in enumerate(lst)}
            if len(ranks) != len(lst):
                raise ValueError(f"host {h!r} lists an applicant more than once")
            listed[h] = ranks

        bans: dict[int, set[int]] = {}
        for a, h in banned:
            bans.setdefault(a, set()).add(h)

        empty: dict[int, int] = {}
        listed_get = listed.get
        prefs: dict[int, list[int]] = {}
        banned_counts: dict[int, int] = {}
        for a, lst in applicant_prefs.items():
            if len(set(lst)) != len(lst):
                raise ValueError(f"applicant {a!r} lists a host more than once")
            kept = [h for h in lst if a in listed_get(h, empty)]
            ban = bans.get(a)
            if ban is not None:
                allowed = [h for h in kept if h not in ban]
                if len(allowed) != len(kept):
                    banned_counts[a] = len(kept) - len(allowed)
                kept = allowed
            prefs[a] = kept

        # Usually every applicant a host lists also lists the host; then the host's rank dict
        # can be used as it is.  Otherwise rebuild it from the applicants that kept the host.
        kept_by = Counter(chain.from_iterable(prefs.values()))
        host_rank: dict[int, dict[int, int]] = {}
        stale: set[int] = set()
        for h in caps:
            ranks = listed.get(h)
            if ranks is not None and kept_by[h] == len(ranks):
                host_rank[h] = ranks
            else:
                host_rank[h] = {}
                if kept_by[h]:
                    stale.add(h)
        if stale:
            for a, kept in prefs.items():
                if not stale.isdisjoint(kept):
                    for h in kept:
                        if h in stale:
                            host_rank[h][a] = listed[h][a]
        return cls(prefs, host_rank, caps, banned_counts)

    def host_prefs(self) -> dict[int, list[int]]:
        """Each host's acceptable applicants in its order of preference, best first."""
        return {h: sorted(ranks, key=ranks.__getitem__) for h, ranks in self.host_rank.items()}

    def pair_count(self) -> int:
        """Number of acceptable (applicant, host) pairs."""
        return sum(map(len, self.applicant_prefs.values()))


@dataclass(frozen=True, slots=True)
class Matching:
    """An assignment of applicants to hosts.

    ``applicant_to_host`` has every applicant of the instance, with ``None`` when unmatched.
    ``host_to_applicants`` has every host, with its applicants in the host's order (best first).
    """

    applicant_to_host: dict[int, int | None]
    host_to_applicants: dict[int, list[int]]

    @classmethod
    def from_pairs(cls, instance: Instance, pairs: Iterable[tuple[int, int]]) -> Matching:
        """Build a matching of ``instance`` from ``(applicant, host)`` pairs.

        Meant for tests and for checking externally produced assignments; no validation is done
        here (use :func:`check_stable`).
        """
        a2h: dict[int, int | None] = dict.fromkeys(instance.applicant_prefs)
        h2a: dict[int, list[int]] = {h: [] for h in instance.capacities}
        for a, h in pairs:
            a2h[a] = h
            h2a.setdefault(h, []).append(a)
        for h, members in h2a.items():
            ranks = instance.host_rank.get(h, {})
            members.sort(key=lambda a, ranks=ranks: ranks.get(a, len(ranks)))
        return cls(a2h, h2a)

    def host_of(self, applicant: int) -> int | None:
        """The host ``applicant`` is matched to, or ``None``."""
        return self.applicant_to_host.get(applicant)

    def applicants_of(self, host: int) -> list[int]:
        """The applicants matched to ``host``, in the host's order of preference."""
        return self.host_to_applicants.get(host, [])

    def pairs(self) -> list[tuple[int, int]]:
        """All matched ``(applicant, host)`` pairs."""
        return [(a, h) for a, h in self.applicant_to_host.items() if h is not None]

    def unmatched(self) -> list[int]:
        """Applicants without a host."""
        return [a for a, h in self.applicant_to_host.items() if h is None]

    def __len__(self) -> int:
        """Number of matched applicants."""
        return sum(1 for h in self.applicant_to_host.values() if h is not None)


class UnstableMatchingError(ValueError):
    """Raised by :func:`ensure_stable`; ``problems`` lists what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} problem(s): {shown}{more}")
        self.problems = problems


def solve(instance: Instance) -> Matching:
    """Applicant-optimal stable matching by applicant-proposing deferred acceptance.

    Each free applicant proposes to the next host on its list.  A host with a free place holds
    the proposal; a full host keeps its best ``capacity`` proposals, rejecting the worst one.  A
    rejected applicant moves on to its next host until it is held or its list is exhausted.

    Each host keeps a heap of ``(-rank, applicant)`` so its worst held applicant is on top, and
    each applicant a pointer to its next proposal, so every preference entry is looked at most
    once: O(P log C) for P preference entries and maximum capacity C.  Iterative, deterministic.
    """
    prefs = instance.applicant_prefs
    host_rank = instance.host_rank
    caps = instance.capacities
    held: dict[int, list[tuple[int, int]]] = {h: [] for h in caps}
    next_choice: dict[int, int] = {}

    for start in prefs:
        # Propose for `start`; when it displaces someone, carry on with the displaced applicant.
        a = start
        lst = prefs[a]
        i = 0
        n = len(lst)
        while i < n:
            h = lst[i]
            i += 1
            r = host_rank[h][a]
            heap = held[h]
            if len(heap) < caps[h]:
                heappush(heap, (-r, a))
                next_choice[a] = i
                break
            if heap and -heap[0][0] > r:
                # `a` beats the host's worst held applicant, who becomes free again.
                next_choice[a] = i
                a = heapreplace(heap, (-r, a))[1]
                lst = prefs[a]
                i = next_choice[a]
                n = len(lst)
        else:
            next_choice[a] = n  # `a` has been rejected by every host on its list

    a2h: dict[int, int | None] = dict.fromkeys(prefs)
    h2a: dict[int, list[int]] = {}
    for h, heap in held.items():
        if len(heap) > 1:
            heap.sort(reverse=True)  # -rank descending = rank ascending = host's best first
        members = [a for _, a in heap]
        for a in members:
            a2h[a] = h
        h2a[h] = members
    return Matching(a2h, h2a)


def _worst_ranks(instance: Instance, matching: Matching) -> dict[int, float]:
    """Rank of each host's worst assigned applicant (-1 if none; inf if one is unacceptable)."""
    worst: dict[int, float] = {}
    host_rank = instance.host_rank
    for h, members in matching.host_to_applicants.items():
        ranks = host_rank.get(h, {})
        w: float = -1
        for a in members:
            r = ranks.get(a)
            if r is None:
                w = float("inf")
                break
            if r > w:
                w = r
        worst[h] = w
    return worst


def blocking_pairs(instance: Instance, matching: Matching) -> list[tuple[int, int]]:
    """All ``(applicant, host)`` pairs that block ``matching``.

    A pair blocks when it is acceptable to both sides, the applicant is unmatched or prefers the
    host to its assignment, and the host has a free place or prefers the applicant to its worst
    assigned applicant.  Runs in O(total preference entries).
    """
    host_rank = instance.host_rank
    caps = instance.capacities
    worst = _worst_ranks(instance, matching)
    counts = {h: len(members) for h, members in matching.host_to_applicants.items()}
    a2h = matching.applicant_to_host
    found: list[tuple[int, int]] = []
    for a, lst in instance.applicant_prefs.items():
        current = a2h.get(a)
        for h in lst:
            if h == current:
                break
            r = host_rank[h].get(a)
            if r is None:
                continue
            if counts.get(h, 0) < caps[h] or r < worst.get(h, -1):
                found.append((a, h))
    return found


def check_stable(instance: Instance, matching: Matching) -> list[str]:
    """Every problem with ``matching`` as a stable matching of ``instance`` (empty = fine).

    Checks that both views of the matching agree and refer to known applicants and hosts, that no
    host is over capacity, that every matched pair is acceptable to both sides (which also rules
    out banned pairs, as the instance has dropped them), and that there is no blocking pair.
    Runs in O(total preference entries).
    """
    problems: list[str] = []
    prefs = instance.applicant_prefs
    host_rank = instance.host_rank
    caps = instance.capacities
    a2h = matching.applicant_to_host

    for a in prefs:
        if a not in a2h:
            problems.append(f"applicant {a} is missing from applicant_to_host")
    for a, h in a2h.items():
        if a not in prefs:
            problems.append(f"unknown applicant {a}")
        elif h is not None:
            if h not in caps:
                problems.append(f"applicant {a} is matched to unknown host {h}")
            elif a not in host_rank[h] or h not in prefs[a]:
                problems.append(f"pair ({a}, {h}) is not acceptable to both sides")
            if a not in matching.host_to_applicants.get(h, ()):
                problems.append(f"applicant {a} -> host {h} is missing from host_to_applicants")

    seen: set[int] = set()
    for h, members in matching.host_to_applicants.items():
        if h not in caps:
            if members:
                problems.append(f"unknown host {h} has applicants {members}")
            continue
        if len(members) > caps[h]:
            problems.append(f"host {h} has {len(members)} applicants, capacity {caps[h]}")
        for a in members:
            if a in seen:
                problems.append(f"applicant {a} is assigned more than once")
            seen.add(a)
            if a2h.get(a) != h:
                problems.append(f"host {h} lists applicant {a}, who is matched to {a2h.get(a)}")

    problems.extend(
        f"blocking pair: applicant {a}, host {h}" for a, h in blocking_pairs(instance, matching)
    )
    return problems


def ensure_stable(instance: Instance, matching: Matching) -> None:
    """Raise :class:`UnstableMatchingError` if :func:`check_stable` finds any problem."""
    problems = check_stable(instance, matching)
    if problems:
        raise UnstableMatchingError(problems)


def unmatched_reasons(instance: Instance, matching: Matching) -> dict[int, str]:
    """Why each unmatched applicant got no place.

    * :data:`REASON_NO_ACCEPTABLE_HOST` - no host was acceptable to both sides;
    * :data:`REASON_CONFLICT` - there were such hosts, but every one was banned for it;
    * :data:`REASON_CAPACITY` - it had acceptable hosts, but (in a stable matching) each was full
      with applicants that host preferred.
    """
    reasons: dict[int, str] = {}
    banned_counts = instance.banned_counts
    a2h = matching.applicant_to_host
    for a, lst in instance.applicant_prefs.items():
        if a2h.get(a) is not None:
            continue
        if lst:
            reasons[a] = REASON_CAPACITY
        elif banned_counts.get(a, 0):
            reasons[a] = REASON_CONFLICT
        else:
            reasons[a] = REASON_NO_ACCEPTABLE_HOST
    return reasons
