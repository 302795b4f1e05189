"""Joins a core read model to a pure renderer, as the transport's renderer for an outbox kind.

The transport hands each renderer the sending transaction's session and the queued row; the
core's loader reads what the message shows into plain values (and raises the delivery
outcomes: NotReady, Skip, PermanentDeliveryError), and the renderer draws only from those.

A change that returns its read model (``investigation.assign`` returns the case view, naming
the card refresh it queued) can hand that view over, so the refresh is drawn from it instead
of being read again. That is safe because a destination's messages are sent one at a time in
the order queued (bot.outbox): a later change's refresh, drawn later, always follows.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable


class Handoff:
    """Read models handed over by the request that made them, by the outbox row they draw.
    Bounded: a row another process sends (or one sent before the view arrived) simply leaves
    its view unused until it is pushed out."""

    def __init__(self, limit: int = 256):
        self._views: OrderedDict[int, object] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def give(self, row_id: int | None, view: object) -> None:
        """``view`` draws row ``row_id`` (the loader still decides whether it is sent: a
        refresh of a card not posted yet waits or is skipped)."""
        if row_id is None:
            return
        with self._lock:
            self._views[row_id] = view
            while len(self._views) > self._limit:
                self._views.popitem(last=False)

    def take(self, row_id: int | None):
        with self._lock:
            return self._views.pop(row_id, None) if row_id is not None else None


def drawn(load: Callable, render: Callable, handoff: Handoff | None = None) -> Callable:
    """``load(session, msg)``; with a ``handoff``, ``load(session, msg, handed=view)`` where
    ``view`` is the one handed over for that row, if any."""

    def renderer(session, msg):
        if handoff is None:
            return render(load(session, msg))
        return render(load(session, msg, handed=handoff.take(msg.id)))

    return renderer
