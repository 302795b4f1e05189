"""The one "store a submission once" routine (bot.submissions), used by sign-ups and hosts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlmodel import Session

from bot.errors import ValidationFailed
from bot.submissions import create_once, find_by_key
from models import ShadowEvent, ShadowHost
from tests.conftest import rows
from tests.people_ids import pid
from tests.test_shadow_core_support import TODAY

HOST_PERSON = pid("U300")


def _host(key: str, organisation: str = "Ambridge Mind") -> ShadowHost:
    return ShadowHost(
        person_id=HOST_PERSON,
        submission_key=key,
        organisation=organisation,
        contact_name="Jo",
        areas=["health"],
        region="london",
        mode="either",
        capacity=2,
        available_from=TODAY,
        available_to=TODAY,
        activities="Visits.",
    )


def _creator(key: str, barrier: Barrier | None = None):
    def create(s: Session) -> ShadowHost:
        if barrier is not None:
            barrier.wait(timeout=10)  # every delivery has looked the key up before any writes
        host = _host(key)
        s.add(host)
        s.flush()
        s.add(ShadowEvent(kind="host_registered", host_id=host.id))
        return host

    return create


def test_a_repeated_submission_returns_the_first_row_and_writes_nothing(engine, session):
    first = create_once(engine, ShadowHost, "V1", _creator("V1"))
    again = create_once(engine, ShadowHost, "V1", _creator("V1"))
    assert first.created and not again.created and again.row.id == first.row.id
    assert len(rows(session, ShadowHost)) == 1 and len(rows(session, ShadowEvent)) == 1
    with Session(engine) as s:
        assert find_by_key(s, ShadowHost, "V1").id == first.row.id
        assert find_by_key(s, ShadowHost, "") is None and find_by_key(s, ShadowHost, None) is None


def test_without_a_key_every_submission_is_stored(engine, session):
    create_once(engine, ShadowHost, None, _creator(None))
    create_once(engine, ShadowHost, None, _creator(None))
    assert len(rows(session, ShadowHost)) == 2


def test_a_refusal_inside_create_rolls_everything_back(engine, session):
    def refuse(s: Session) -> ShadowHost:
        s.add(_host("V2"))
        s.flush()
        raise ValidationFailed({"organisation": "No."})

    with pytest.raises(ValidationFailed):
        create_once(engine, ShadowHost, "V2", refuse)
    assert rows(session, ShadowHost) == []


def test_racing_deliveries_store_one_row_and_all_get_it(engine, session):
    deliveries = 4
    # On SQLite writers queue at BEGIN, so only PostgreSQL lets them all pass the look-up.
    barrier = Barrier(deliveries) if engine.dialect.name == "postgresql" else None
    with ThreadPoolExecutor(max_workers=deliveries) as pool:
        results = list(
            pool.map(
                lambda _: create_once(engine, ShadowHost, "VRACE", _creator("VRACE", barrier)),
                range(deliveries),
            )
        )
    assert sum(r.created for r in results) == 1
    assert len({r.row.id for r in results}) == 1
    assert len(rows(session, ShadowHost)) == 1 and len(rows(session, ShadowEvent)) == 1
