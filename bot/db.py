"""Database engine and transactions, for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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

# Every wait is bounded (README "Bounded waits"). Slack gives a request 3 s in all, so a
# request's database work gets REQUEST_BUDGET_SECONDS (see ``deadline``), and each kind of wait
# is sized to fit inside it.
REQUEST_BUDGET_SECONDS = 2.2
# libpq counts whole seconds, and treats less than 2 as 2.
CONNECT_TIMEOUT_SECONDS = 2
POOL_TIMEOUT_SECONDS = 1.5
# Server-side backstops for work without a request deadline (the outbox, jobs): generous,
# since reports and matching rounds legitimately run long statements.
STATEMENT_TIMEOUT_MS = 30_000
# A session silent inside a transaction (its client hung or gone) is ended, releasing its
# locks (the reference counter row) for everyone else.
IDLE_IN_TRANSACTION_TIMEOUT_MS = 15_000
SQLITE_BUSY_TIMEOUT_SECONDS = 2.0


class CommitUncertain(StoreUnavailable):
    """COMMIT was sent but no answer came before the deadline: the change may or may not
    have been saved. (Not "nothing was saved": that is said only when COMMIT was never sent.)"""


class Budget:
    """A request's time for database work. Nested budgets (a shorter one for a step) share
    their parents' fate: once the database has failed to answer in time (a connection that
    never completed, a statement cut off), the whole request gives up on it, since a second
    wait would take it past Slack's 3 s."""

    def __init__(self, at: float, parent: Budget | None = None):
        self.at, self.parent = at, parent
        # True once the database failed to answer in time (not merely time running out).
        self.failed = False

    def until(self) -> float:
        at, up = self.at, self.parent
        while up is not None:
            at, up = min(at, up.at), up.parent
        return at

    def expire(self) -> None:
        now, budget = time.monotonic(), self
        while budget is not None:
            budget.at, budget.failed = min(budget.at, now), True
            budget = budget.parent


_deadline: ContextVar[Budget | None] = ContextVar("db_deadline", default=None)


@contextmanager
def deadline(seconds: float = REQUEST_BUDGET_SECONDS, *, fresh: bool = False) -> Iterator[None]:
    """Bound every database wait inside the block to ``seconds`` from now (time.monotonic),
    and to any enclosing deadline unless ``fresh``.

    Within it: no connection is opened and no COMMIT is sent once the time is up; a statement
    still unanswered then has its connection's socket shut by a watchdog, so the blocked read
    fails at once (a silent network would otherwise hang until TCP gives up, minutes later);
    and PostgreSQL gets ``SET LOCAL statement_timeout`` to the time left. A connection attempt
    that fails or a statement cut off ends the budget for the rest of the block.
    """
    parent = None if fresh else _deadline.get()
    token = _deadline.set(Budget(time.monotonic() + seconds, parent))
    try:
        yield
    finally:
        _deadline.reset(token)


def deadline_at() -> Budget | None:
    """The current budget, to carry to work done on another thread."""
    return _deadline.get()


@contextmanager
def deadline_until(budget: Budget | None) -> Iterator[None]:
    """Work on another thread keeps the budget of the request it was handed off by."""
    token = _deadline.set(budget)
    try:
        yield
    finally:
        _deadline.reset(token)


# Called with the session of each transaction that wrote something, just before its COMMIT:
# a durable command marks itself done in the transaction of its effect (bot/pending.py).
_on_write: ContextVar[Callable[[Session], None] | None] = ContextVar("db_on_write", default=None)


@contextmanager
def on_each_write(hook: Callable[[Session], None] | None) -> Iterator[None]:
    """Run ``hook(session)`` inside every transaction in this block that writes, before its
    COMMIT; an exception from it rolls that transaction back. None: no hook in this block."""
    token = _on_write.set(hook)
    try:
        yield
    finally:
        _on_write.reset(token)


def _watch_writes(session: Session) -> None:
    @event.listens_for(session, "after_flush")
    def _flushed(s, _flush_context):
        s.info["wrote"] = True

    @event.listens_for(session, "do_orm_execute")
    def _executed(state):
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info["wrote"] = True


def _time_left() -> float | None:
    budget = _deadline.get()
    return None if budget is None else budget.until() - time.monotonic()


def _check_time_left(what: str) -> None:
    left = _time_left()
    if left is not None and left <= 0:
        raise StoreUnavailable(f"The database did not answer in time ({what}).")


def make_engine(
    url: str,
    *,
    ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
    statement_timeout_ms: int | None = STATEMENT_TIMEOUT_MS,
    **kwargs,
) -> Engine:
    if url.startswith("sqlite"):
        engine = _sqlite_engine(url, **kwargs)
        _watch_deadlines(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
    options = f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_TIMEOUT_MS}"
    if statement_timeout_ms:
        options += f" -c statement_timeout={statement_timeout_ms}"
    kwargs.setdefault(
        "connect_args", {"connect_timeout": CONNECT_TIMEOUT_SECONDS, "options": options}
    )
    engine = create_engine(url, **kwargs)
    _watch_deadlines(engine)  # first: the watchdog must cover the idle ping too
    _ping_when_idle(engine, ping_after_idle)
    return engine


class _Watchdog:
    """One thread that cuts off connections whose request deadline has passed."""

    def __init__(self):
        self._armed: dict[int, tuple[float, object]] = {}
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, key: int, at: float, dbapi_conn, budget: Budget) -> None:
        with self._cond:
            self._armed[key] = (at, (dbapi_conn, budget))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="db-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()

    def disarm(self, key: int) -> None:
        with self._cond:
            self._armed.pop(key, None)

    def _run(self) -> None:
        while True:
            with self._cond:
                now = time.monotonic()
                due = [k for k, (at, _) in self._armed.items() if at <= now]
                expired = [self._armed.pop(k)[1] for k in due]
                if not expired:
                    soonest = min((at for at, _ in self._armed.values()), default=now + 60)
                    self._cond.wait(max(0.005, soonest - now))
                    continue
            for dbapi_conn, budget in expired:
                budget.expire()
                _sever(dbapi_conn)


_watchdog = _Watchdog()


def _sever(dbapi_conn) -> None:
    """Make a connection's blocked call fail now: shut its socket (PostgreSQL) or interrupt
    its statement (SQLite). The connection is then discarded by the pool."""
    try:
        pgconn = getattr(dbapi_conn, "pgconn", None)
        if pgconn is not None:
            sock = socket.socket(fileno=os.dup(pgconn.socket))
            try:
                sock.shutdown(socket.SHUT_RDWR)
            finally:
                sock.close()
        elif hasattr(dbapi_conn, "interrupt"):
            dbapi_conn.interrupt()
    except Exception:  # already closed: nothing left to cut
        pass


def _watch_deadlines(engine: Engine) -> None:
    @event.listens_for(engine, "do_connect")
    def _connect_within_budget(dialect, conn_rec, cargs, cparams):
        _check_time_left("connect")
        budget = _deadline.get()
        if budget is None:
            return None  # the dialect connects as usual
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception:
            # psycopg waits at least 2 s for a connection: there is no time for another.
            budget.expire()
            raise

    @event.listens_for(engine, "checkout")
    def _arm(dbapi_conn, record, proxy):
        left = _time_left()
        if left is None:
            return
        if left <= 0:
            raise StoreUnavailable("The database did not answer in time (checkout).")
        _watchdog.arm(id(record), time.monotonic() + left, dbapi_conn, _deadline.get())

    @event.listens_for(engine, "checkin")
    def _disarm(dbapi_conn, record):
        _watchdog.disarm(id(record))

    @event.listens_for(engine, "invalidate")
    def _disarm_invalid(dbapi_conn, record, exc):
        _watchdog.disarm(id(record))

    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "begin")
        def _statement_budget(conn):
            left = _time_left()
            autocommit = conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
            if left is not None and not autocommit:  # SET LOCAL needs a transaction
                ms = max(1, int(left * 1000))
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")


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
        url,
        connect_args={
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            "isolation_level": None,
        },
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
    hook = _on_write.get()
    if hook is not None:
        _watch_writes(session)
    try:
        with outage_as_unavailable():
            try:
                yield session
                session.flush()
                if hook is not None and session.info.get("wrote"):
                    hook(session)
                    session.flush()
                # Past the deadline the user may already have been told nothing was saved:
                # from then on, never COMMIT.
                _check_time_left("before commit")
            except BaseException:
                session.rollback()
                raise
        try:
            with outage_as_unavailable():
                session.commit()
        except StoreUnavailable as exc:
            # COMMIT went out and no answer came back: whether it was applied is unknown.
            raise CommitUncertain("The database did not confirm the change.") from exc
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
