"""Joins a core read model to a pure renderer, as the transport's renderer for an outbox kind.

The transport hands each renderer the sending transaction's session and the queued row; the
core's loader reads what the message shows into plain values (and raises the delivery
outcomes: NotReady, Skip, PermanentDeliveryError), and the renderer draws only from those.
"""

from __future__ import annotations

from collections.abc import Callable


def drawn(load: Callable, render: Callable) -> Callable:
    def renderer(session, msg):
        return render(load(session, msg))

    return renderer
