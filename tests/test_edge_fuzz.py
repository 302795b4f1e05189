"""Property: no generated request, signed or not, gets a 5xx from the running app; and no
generated Events API body, signed, gets a 5xx or leaves a traceback in the logs."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.conftest import SIGNING_SECRET
from tests.edge_bodies import cases, event_callbacks, send, signed
from tests.test_edge_requests import no_tracebacks  # noqa: F401  (a fixture)

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@FUZZ
@given(case=cases(SIGNING_SECRET))
def test_no_generated_body_gets_a_5xx(app, case):
    # The app and its database persist across examples: state left by one (a stored case, a
    # claimed delivery) is just more input for the next.
    body, headers = case
    status = send(app.url, body, headers)
    assert status < 500, (status, body[:300], headers)


@FUZZ
@given(body=event_callbacks())
def test_no_generated_event_gets_a_5xx_or_a_traceback(app, body, no_tracebacks):  # noqa: F811
    # Thread replies, edits, deletions, mentions, App Home, bot messages and odd subtypes, in
    # channels and DMs, as Slack sends them and with fields of any shape (tests/edge_bodies.py).
    # no_tracebacks checks the logs of every example at the end.
    status = send(app.url, *signed(body, SIGNING_SECRET))
    assert status < 500, (status, body[:300])
