"""Reference numbers under repeated concurrent deliveries: a number only for a stored case."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from models import Complaint
from tests import forms
from tests.conftest import rows


def test_thirty_concurrent_deliveries_of_ten_submissions_number_ten_cases_without_gaps(
    app, session
):
    """Real HTTP requests, each submission delivered three times at once."""
    views = [f"VREP{n}" for n in range(10)] * 3

    def deliver(view_id: str) -> int:
        return app.slack.view_submission(
            "complaint_form", forms.complaint(), view_id=view_id
        ).status

    with ThreadPoolExecutor(max_workers=30) as pool:
        assert set(pool.map(deliver, views)) == {200}
    cases = rows(session, Complaint)
    assert len(cases) == 10
    assert sorted(c.seq for c in cases) == list(range(1, 11))
    assert {c.submission_key for c in cases} == set(views)
