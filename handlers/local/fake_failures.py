"""Failures a test asks the fake Slack for: the next calls of a method failing, or a seeded
share of calls answered 429 or 500 like a busy or unwell Slack."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    headers: dict = field(default_factory=dict)
    # Only calls to this channel fail (None: any call).
    channel: str | None = None


@dataclass
class Chaos:
    """A seeded share of calls answered 429 (with Retry-After) or 500."""

    rate_429: float
    rate_500: float
    retry_after: int
    methods: tuple[str, ...]
    rng: random.Random


class FailurePlan:
    """The failures still to come. Not locked itself: the fake calls it under its own lock."""

    def __init__(self):
        self._planned: dict[str, list[Failure]] = {}
        self._chaos: Chaos | None = None

    def clear(self) -> None:
        self._planned.clear()
        self._chaos = None

    def plan(self, method: str, failures: list[Failure]) -> None:
        self._planned.setdefault(method, []).extend(failures)

    def set_chaos(self, chaos: Chaos | None) -> None:
        self._chaos = chaos

    def take(self, method: str, args: dict) -> Failure | None:
        """The failure this call meets, if any: a planned one first, then chaos."""
        return self._planned_failure(method, args) or self._chaos_failure(method)

    def _planned_failure(self, method: str, args: dict) -> Failure | None:
        planned = self._planned.get(method) or []
        for i, failure in enumerate(planned):
            if failure.channel is None or failure.channel == args.get("channel"):
                return planned.pop(i)
        return None

    def _chaos_failure(self, method: str) -> Failure | None:
        chaos = self._chaos
        if chaos is None or method not in chaos.methods:
            return None
        roll = chaos.rng.random()
        if roll < chaos.rate_429:
            return Failure(429, "ratelimited", {"Retry-After": str(chaos.retry_after)})
        if roll < chaos.rate_429 + chaos.rate_500:
            return Failure(500, "internal_error")
        return None
