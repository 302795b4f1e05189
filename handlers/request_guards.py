"""What every front end's HTTP edge shares: the refusal its checks raise, and how deeply a
parsed body nests, measured without recursion because a hostile body may nest deeper than
Python's stack."""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """The request gets ``status`` and a one-line reason; never a traceback."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def nesting_depth(value: Any, stop_above: int) -> int:
    """How many dicts and lists deep ``value`` goes; counting stops once past ``stop_above``."""
    deepest, stack = 0, [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > stop_above:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest
