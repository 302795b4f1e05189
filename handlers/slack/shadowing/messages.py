"""The work-shadowing renderers for the outbox, by notice kind: the package's entry point for
handlers/slack/app.py. Each renderer lives with the listeners of its use (signup, offers,
placements); see their modules."""

from __future__ import annotations

from handlers.slack.shadowing import offers, placements, signup

RENDERERS = {**signup.RENDERERS, **offers.RENDERERS, **placements.RENDERERS}
