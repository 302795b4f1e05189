"""Test databases: a fresh SQLite file or a fresh PostgreSQL database, migrated to head."""

from __future__ import annotations

import os
import uuid

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot import people_cache
from bot.db import make_engine
from bot.migrate import upgrade

PG_ADMIN_URL = os.environ.get("MSBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pg_available() -> str | None:
    """None if PostgreSQL answers, else the reason."""
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:
        return str(exc)


def create_pg_database() -> tuple[str, str]:
    name = f"msbot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return name, f"{base}/{name}"


def drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrated_engine(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def wipe(engine: Engine) -> None:
    """Empty every table (keeping the schema) so each test starts from nothing."""
    from models import metadata

    tables = [t.name for t in metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                conn.execute(text(f"DELETE FROM {name}"))
    # The people remembered by this process are gone with their rows.
    people_cache.forget()
    # The people tests name (tests.people_ids) are made again in the empty database.
    from tests import people_ids

    people_ids.use(engine)
