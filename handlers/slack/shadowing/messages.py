"""The work-shadowing renderers for the outbox, by notice kind: the package's entry point for
handlers/slack/app.py. Each is a pure function of a core read model, in the *_blocks module of
its use (signup, offers, placements); the listeners live in the modules named for the use."""

from __future__ import annotations

from handlers.slack.shadowing import offer_blocks, placement_blocks, signup_blocks

RENDERERS = {**signup_blocks.RENDERERS, **offer_blocks.RENDERERS, **placement_blocks.RENDERERS}
