"""Schema migrations (Alembic), run from code so `msbot migrate` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)


def _run(engine: Engine, step, revision: str) -> None:
    """Run Alembic in one transaction.

    On SQLite, changing a column's type means rebuilding its table, and SQLite refuses to drop
    a table that other rows refer to while it enforces foreign keys (even a deferred check
    fails at COMMIT). So, as SQLite's own procedure for such changes says, enforcement is off
    for the migration's connection (set before the transaction: the pragma is ignored inside
    one), and every reference is checked before COMMIT instead.
    """
    cfg = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                step(cfg, revision)
                if sqlite and (broken := conn.exec_driver_sql("PRAGMA foreign_key_check").all()):
                    raise RuntimeError(f"the migration left broken references: {broken[:5]}")
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def pending_message(engine: Engine) -> str | None:
    """None when the database is at the newest migration, else what to do about it."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return None
    if current is None:
        return "The database has no schema yet. Run `msbot migrate` to create it."
    return f"The database is at migration {current}, the code needs {head}. Run `msbot migrate`."


def startup_problem(engine: Engine) -> str | None:
    """Why a server cannot start on this database (unreachable, or not at the newest
    migration), or None; every front end's `serve` checks this before it takes traffic."""
    try:
        return pending_message(engine)
    except Exception as exc:
        return f"The database cannot be reached: {exc}"
