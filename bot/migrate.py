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
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


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
