"""The baseline: a Bolt app whose listeners only ack, served like msbot (see ack_latency.py)."""

import os

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

bolt = App(
    # Same Web API stand-in as msbot: Bolt calls auth.test once before the first listener.
    client=WebClient(token="xoxb-bench", base_url=os.environ["SLACK_API_URL"]),
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    token_verification_enabled=False,
)


@bolt.command("/complaint")
def _command(ack):
    ack()


@bolt.view("complaint_form")
def _submission(ack):
    ack()


@bolt.event("message")
def _thread_reply(ack):  # benchmarks/thread_load.py
    ack()


app = SlackRequestHandler(bolt)
