"""The tests' Slack Web API stand-in: the one fake Slack, shared with `msbot local`."""

from handlers.local.fake_slack import RESPONSE_URL, Call, Failure, SlackStub

__all__ = ["RESPONSE_URL", "Call", "Failure", "SlackStub"]
