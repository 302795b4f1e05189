"""Logs never tie an anonymous filer to their case: not the user, not their DM channel."""

from __future__ import annotations

import json

import structlog

from models import Complaint
from tests import forms
from tests.conftest import rows, wait_settled


def test_anonymous_submission_and_its_deliveries_log_case_and_filer_apart(slack, stub, session):
    events: list[dict] = []

    def keep(_logger, _name, event: dict):
        events.append(dict(event))
        raise structlog.DropEvent

    structlog.configure(processors=[structlog.contextvars.merge_contextvars, keep])
    try:
        values = forms.complaint(anonymous=forms.checked(True))
        reply = slack.view_submission("complaint_form", values, view_id="VANONLOG")
        assert reply.json()["response_action"] == "update"
        stub.wait_for("chat.postMessage", 2)
        wait_settled(session, 2)
    finally:
        structlog.reset_defaults()
    (case,) = rows(session, Complaint)
    assert case.anonymous
    names = [e["event"] for e in events]
    assert "complaint.received" in names and names.count("outbox.sent") == 2
    for event in events:
        line = json.dumps(event, default=str)
        about_case = case.reference in line or (
            str(event.get("kind", "")).startswith("complaint.") and event.get("subject_id")
        )
        names_filer = "U100" in line  # the user id, and the DM channel DU100
        assert not (about_case and names_filer), line
