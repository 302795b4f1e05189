"""Signed requests to the app, as Slack sends them: the one fake Slack's client."""

from handlers.local.slack_client import FakeSlack, Reply

__all__ = ["FakeSlack", "Reply"]
