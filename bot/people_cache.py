"""Which person a platform account is, remembered per process: no database work per request.

Turning the sender of a request into a person (bot.people.person_for) is a get-or-create in a
transaction; done on every request it tripled the `/complaint` ack p99 (docs/benchmarks.md).
An account's person does not change once made, so this process keeps (platform, workspace,
user id) -> the person (their id, accounts and email, which the roles are worked out from).

What may change, and how it is kept right:
- **The display name.** An entry remembers the name it was stored with; a request that brings
  another name misses, so person_for records the new one before anyone can see the old.
- **Erasure** (bot.privacy.erase) blanks the account's user id: it calls ``forget`` after its
  commit, and a look-up under way meanwhile cannot store what it read before (the generation
  check). Another process's erasure (the CLI, a retention job) is not seen here; entries
  expire after ``TTL_SECONDS`` so such a stale entry lives at most that long.
- **Accounts or an email learnt later** (a Teams account of the same person) count for roles
  from the next miss, within ``TTL_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy.engine import Engine

from bot import people
from bot.db import transaction
from bot.people import PersonRef

MAX_ENTRIES = 20_000  # about 5 MB at most; beyond it the least recently used goes
TTL_SECONDS = 60.0

# (database, platform, workspace, user id): the database too, for a process that uses several
# (the tests, the benchmarks); a deployment has one.
Key = tuple[object, str, str, str]


class AccountCache:
    """A bounded, thread-safe LRU of account -> PersonRef, with a time to live."""

    def __init__(
        self,
        max_entries: int = MAX_ENTRIES,
        ttl: float = TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_entries, self.ttl, self.clock = max_entries, ttl, clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, tuple[PersonRef, str | None, float]] = OrderedDict()
        self._generation = 0

    def get(self, key: Key, name: str | None) -> PersonRef | None:
        """The person, unless unknown, expired, or ``name`` is not the name last stored."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            ref, seen_name, until = found
            if self.clock() >= until:
                del self._entries[key]
                return None
            if name is not None and name != seen_name:
                return None
            self._entries.move_to_end(key)
            return ref

    def generation(self) -> int:
        with self._lock:
            return self._generation

    def put(self, key: Key, ref: PersonRef, name: str | None, generation: int) -> None:
        """Remember ``ref``, unless something was forgotten since ``generation`` was read
        (what was read from the database then may be what the erasure removed)."""
        with self._lock:
            if generation != self._generation:
                return
            self._entries[key] = (ref, name, self.clock() + self.ttl)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self) -> None:
        """Drop every entry (erasures are rare; the next request of each person misses)."""
        with self._lock:
            self._entries.clear()
            self._generation += 1

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


# The process's cache: module state, but nothing is registered in it at import.
ACCOUNTS = AccountCache()


def person(
    engine: Engine,
    platform: str,
    workspace: str | None,
    user_id: str,
    display_name: str | None = None,
    *,
    cache: AccountCache = ACCOUNTS,
) -> PersonRef:
    """bot.people.person_for through the cache: a transaction only on a miss."""
    key = (engine.url, platform, (workspace or people.UNKNOWN_WORKSPACE)[:100], user_id)
    name = (display_name or "").strip()[: people.NAME_MAX] or None
    found = cache.get(key, name)
    if found is not None:
        return found
    generation = cache.generation()
    with transaction(engine) as s:
        found = people.person_for(s, platform, workspace, user_id, name)
    cache.put(key, found, name or found.name, generation)
    return found


def forget() -> None:
    """After an erasure: no account is served from memory any more."""
    ACCOUNTS.forget()
