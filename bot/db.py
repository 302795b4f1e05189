"""Database engine and transactions, for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Table, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session, create_engine

from bot.errors import StoreUnavailable

# A pooled connection unused for longer than this is tested before use (see _ping_when_idle).
PING_AFTER_IDLE_SECONDS = 10.0


def make_engine(url: str, *, ping_after_idle: float = PING_AFTER_IDLE_SECONDS, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("connect_args", {"connect_timeout": 5})
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine, ping_after_idle)
    return engine


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Test a pooled connection before use only if it has sat idle for ``idle_seconds``.

    SQLAlchemy's pool_pre_ping tests every checkout: one more round trip on every request,
    including on the way to Slack's 3-second ack. A connection used moments ago is almost
    certainly alive; one that sat idle may have been closed by a database restart or a
    firewall. If a busy connection does turn out dead, that one transaction fails as
    StoreUnavailable ("nothing was saved, try again") and SQLAlchemy discards the whole
    pool, so the next request reconnects.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            # Tells the pool to drop this connection and hand out a fresh one.
            raise DisconnectionError("idle connection failed its ping") from exc


def _sqlite_engine(url: str, **kwargs) -> Engine:
    # pysqlite's own transaction handling defers BEGIN, which lets two writers both read and
    # then fail to upgrade their locks. Taking the write lock at BEGIN (BEGIN IMMEDIATE) and
    # waiting for it (timeout) makes concurrent submissions queue up instead of failing.
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if ":memory:" not in url:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # An AUTOCOMMIT connection runs each statement on its own; a BEGIN here would leave
        # them in a transaction nobody commits.
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url.removeprefix("sqlite:///"))
    return None


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error.

    A failure to reach the database becomes ``StoreUnavailable`` so callers can tell the user
    that nothing was saved, whatever the backend.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        with outage_as_unavailable():
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        session.close()


@contextmanager
def outage_as_unavailable() -> Iterator[None]:
    """Turn a database outage into ``StoreUnavailable``; other database errors pass through.

    Includes SQLite's "database is locked": contention, not an outage, but the answer to the
    user is the same: nothing was saved, try again.
    """
    try:
        yield
    except DBAPIError as exc:
        if exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError):
            raise StoreUnavailable("The database could not be reached.") from exc
        raise


def dialect_insert(engine: Engine, table: Table) -> Insert:
    """INSERT with the backend's ON CONFLICT clauses (SQLite and PostgreSQL spell them alike)."""
    module = postgresql if engine.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def is_reachable(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True
    except Exception:
        return False


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())
