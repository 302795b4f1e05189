"""Property: no generated request, signed or not, gets a 5xx from the running app."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.conftest import SIGNING_SECRET
from tests.edge_bodies import cases, send


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(case=cases(SIGNING_SECRET))
def test_no_generated_body_gets_a_5xx(app, case):
    # The app and its database persist across examples: state left by one (a stored case, a
    # claimed delivery) is just more input for the next.
    body, headers = case
    status = send(app.url, body, headers)
    assert status < 500, (status, body[:300], headers)
