"""people: a person of our own for every user, with the platform accounts they use (issue 15)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

Creates ``person`` and ``platform_account`` and makes one person with a Slack account for every
distinct user id found in the tables' person columns (reporters, assignees, actors, authors,
applicants, managers, hosts, recipients...), so that existing data has its people before any
column refers to them. The Slack team id of old data is unknown: those accounts have workspace
'' and learn theirs the first time the person writes (bot.people.person_for).

The anonymous-filer rule is untouched: an anonymous case's filer is found from the case row's
reporter column alone (0008), and making a person for that id adds no other way to reach them.

Downgrade drops both tables: the person columns still hold the Slack ids, so nothing is lost.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every column that names a person, as the schema stands at 0012.
PERSON_COLUMNS = {
    "complaint": ("reporter_user_id", "assignee_user_id"),
    "complaint_event": ("actor_user_id",),
    "case_note": ("author_user_id",),
    "case_link": ("created_by",),
    "nudge": ("user_id",),
    "outbox_message": ("recipient_user_id",),
    "shadow_applicant": ("user_id", "manager_user_id"),
    "shadow_host": ("user_id",),
    "shadow_conflict": ("recorded_by", "cleared_by"),
    "shadow_round": ("started_by",),
    "shadow_placement": ("ended_by",),
    "shadow_feedback": ("user_id",),
    "shadow_event": ("actor_user_id",),
}
# Not people: the actor the scheduler's own moves would carry if one were ever stored.
NOT_PEOPLE = frozenset({"", "system"})
BATCH = 500


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_email"), ["email"], unique=False)
    op.create_table(
        "platform_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("workspace", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "workspace", "user_id", name="uq_platform_account"),
    )
    with op.batch_alter_table("platform_account", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_account_person_id"), ["person_id"], unique=False
        )
    _people_for_existing_ids()
    for spec in COLUMNS:
        _to_person(spec)
    _people_in_audit_data()


def _existing_ids(conn) -> list[str]:
    parts = [
        sa.select(sa.column(name).label("uid")).select_from(sa.table(table))
        for table, names in PERSON_COLUMNS.items()
        for name in names
    ]
    found = conn.execute(sa.union(*parts)).scalars().all()
    return sorted(u for u in found if u is not None and u.strip() not in NOT_PEOPLE)


def _people_for_existing_ids() -> None:
    conn = op.get_bind()
    person = sa.Table(
        "person",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    account = sa.table(
        "platform_account",
        sa.column("person_id", sa.Integer),
        sa.column("platform", sa.String),
        sa.column("workspace", sa.String),
        sa.column("user_id", sa.String),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    now = datetime.now(UTC)
    pending: list[dict] = []
    for user_id in _existing_ids(conn):
        person_id = conn.execute(person.insert().values(created_at=now)).inserted_primary_key[0]
        pending.append(
            {
                "person_id": person_id,
                "platform": "slack",
                "workspace": "",
                "user_id": user_id,
                "created_at": now,
            }
        )
        if len(pending) >= BATCH:
            conn.execute(account.insert(), pending)
            pending = []
    if pending:
        conn.execute(account.insert(), pending)


class Column:
    """One person column: its table, old and new names, and what it carries."""

    def __init__(self, table, old, new, *, nullable=True, index=False, unique=False):
        self.table, self.old, self.new = table, old, new
        self.nullable, self.index, self.unique = nullable, index, unique


COLUMNS = (
    Column("complaint", "reporter_user_id", "reporter_id", index=True),
    Column("complaint", "assignee_user_id", "assignee_id", index=True),
    Column("complaint_event", "actor_user_id", "actor_id"),
    Column("case_note", "author_user_id", "author_id"),
    Column("case_link", "created_by", "created_by_id"),
    Column("nudge", "user_id", "person_id", nullable=False),
    Column("outbox_message", "recipient_user_id", "recipient_person_id"),
    Column("shadow_applicant", "user_id", "person_id", nullable=False, index=True),
    Column("shadow_applicant", "active_user_id", "active_person_id", unique=True),
    Column("shadow_applicant", "manager_user_id", "manager_id", nullable=False),
    Column("shadow_host", "user_id", "person_id", nullable=False, index=True),
    Column("shadow_conflict", "recorded_by", "recorded_by_id"),
    Column("shadow_conflict", "cleared_by", "cleared_by_id"),
    Column("shadow_round", "started_by", "started_by_id"),
    Column("shadow_placement", "ended_by", "ended_by_id"),
    Column("shadow_feedback", "user_id", "person_id", nullable=False),
    Column("shadow_event", "actor_user_id", "actor_id"),
)
# Table-wide constraints over a person column, remade over the new one.
NUDGE_ONCE = "uq_nudge_once"


def _slack_person(old_column):
    """The person whose Slack account is the value of ``old_column`` (a correlated subquery)."""
    account = sa.table(
        "platform_account",
        sa.column("person_id", sa.Integer),
        sa.column("platform", sa.String),
        sa.column("user_id", sa.String),
    )
    return (
        sa.select(account.c.person_id)
        .where(account.c.platform == "slack", account.c.user_id == old_column)
        .limit(1)
        .scalar_subquery()
    )


def _to_person(spec: Column) -> None:
    """Add the new column, fill it from the old one's Slack id, then drop the old one (with its
    index or constraint) and give the new one its index, uniqueness and foreign key."""
    with op.batch_alter_table(spec.table, schema=None) as batch_op:
        batch_op.add_column(sa.Column(spec.new, sa.Integer(), nullable=True))
    table = sa.table(spec.table, sa.column(spec.old, sa.String), sa.column(spec.new, sa.Integer))
    op.execute(table.update().values({spec.new: _slack_person(table.c[spec.old])}))
    with op.batch_alter_table(spec.table, schema=None) as batch_op:
        if spec.index:
            batch_op.drop_index(f"ix_{spec.table}_{spec.old}")
        if spec.table == "nudge":
            batch_op.drop_constraint(NUDGE_ONCE, type_="unique")
        batch_op.drop_column(spec.old)
        if not spec.nullable:
            batch_op.alter_column(spec.new, existing_type=sa.Integer(), nullable=False)
        if spec.index:
            batch_op.create_index(f"ix_{spec.table}_{spec.new}", [spec.new], unique=False)
        if spec.unique:
            batch_op.create_unique_constraint(f"uq_{spec.table}_{spec.new}", [spec.new])
        if spec.table == "nudge":
            batch_op.create_unique_constraint(NUDGE_ONCE, ["person_id", "subject", "day"])
        batch_op.create_foreign_key(f"fk_{spec.table}_{spec.new}", "person", [spec.new], ["id"])


# JSON that names people: an "assigned" event's from/to; an outbox message's actor, and the
# assignee ("to") of an "assigned" thread line.
def _people_in_audit_data() -> None:
    conn = op.get_bind()
    ids = dict(
        conn.execute(
            sa.text("SELECT user_id, person_id FROM platform_account WHERE platform = 'slack'")
        ).all()
    )
    event = sa.table(
        "complaint_event",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("data", sa.JSON),
    )
    outbox = sa.table("outbox_message", sa.column("id", sa.Integer), sa.column("data", sa.JSON))

    def rewrite(data: dict, keys: tuple[str, ...]) -> dict:
        return {
            k: (ids.get(v, v) if k in keys and isinstance(v, str) else v) for k, v in data.items()
        }

    found = conn.execute(sa.select(event.c.id, event.c.data).where(event.c.kind == "assigned"))
    for row_id, data in found.all():
        conn.execute(
            event.update().where(event.c.id == row_id).values(data=rewrite(data, ("from", "to")))
        )
    for row_id, data in conn.execute(sa.select(outbox.c.id, outbox.c.data)).all():
        if not isinstance(data, dict):
            continue
        keys = ("actor", "to") if data.get("event") == "assigned" else ("actor",)
        new = rewrite(data, keys)
        if new != data:
            conn.execute(outbox.update().where(outbox.c.id == row_id).values(data=new))


def downgrade() -> None:
    """Back to Slack ids. A person with no Slack account (someone who only ever used Teams)
    cannot be written in the old columns: the downgrade refuses rather than lose them."""
    conn = op.get_bind()
    for spec in reversed(COLUMNS):
        _to_slack_id(conn, spec)
    _slack_ids_in_audit_data(conn)
    with op.batch_alter_table("platform_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_account_person_id"))
    op.drop_table("platform_account")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_email"))
    op.drop_table("person")


def _slack_id_of(new_column):
    account = sa.table(
        "platform_account",
        sa.column("person_id", sa.Integer),
        sa.column("platform", sa.String),
        sa.column("user_id", sa.String),
    )
    return (
        sa.select(account.c.user_id)
        .where(account.c.platform == "slack", account.c.person_id == new_column)
        .limit(1)
        .scalar_subquery()
    )


def _to_slack_id(conn, spec: Column) -> None:
    table = sa.table(spec.table, sa.column(spec.old, sa.String), sa.column(spec.new, sa.Integer))
    slack = _slack_id_of(table.c[spec.new])
    lost = conn.execute(
        sa.select(sa.func.count())
        .select_from(table)
        .where(table.c[spec.new].is_not(None), slack.is_(None))
    ).scalar_one()
    if lost:
        raise RuntimeError(
            f"{spec.table}.{spec.new}: {lost} rows name people with no Slack account; "
            "a downgrade would lose them"
        )
    with op.batch_alter_table(spec.table, schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(spec.old, sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True)
        )
    op.execute(table.update().values({spec.old: slack}))
    with op.batch_alter_table(spec.table, schema=None) as batch_op:
        batch_op.drop_constraint(f"fk_{spec.table}_{spec.new}", type_="foreignkey")
        if spec.index:
            batch_op.drop_index(f"ix_{spec.table}_{spec.new}")
        if spec.unique:
            batch_op.drop_constraint(f"uq_{spec.table}_{spec.new}", type_="unique")
        if spec.table == "nudge":
            batch_op.drop_constraint(NUDGE_ONCE, type_="unique")
        batch_op.drop_column(spec.new)
        if not spec.nullable:
            batch_op.alter_column(
                spec.old, existing_type=sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False
            )
        if spec.index:
            batch_op.create_index(f"ix_{spec.table}_{spec.old}", [spec.old], unique=False)
        if spec.unique:
            batch_op.create_unique_constraint(f"uq_{spec.table}_{spec.old}", [spec.old])
        if spec.table == "nudge":
            batch_op.create_unique_constraint(NUDGE_ONCE, ["user_id", "subject", "day"])


def _slack_ids_in_audit_data(conn) -> None:
    ids = {
        pid: uid
        for uid, pid in conn.execute(
            sa.text("SELECT user_id, person_id FROM platform_account WHERE platform = 'slack'")
        ).all()
    }
    for table in ("complaint_event", "outbox_message"):
        target = sa.table(table, sa.column("id", sa.Integer), sa.column("data", sa.JSON))
        for row_id, data in conn.execute(sa.select(target.c.id, target.c.data)).all():
            data = data if isinstance(data, dict) else {}
            back = {k: (ids.get(v, v) if isinstance(v, int) and k in ("from", "to", "actor")
                        else v) for k, v in data.items()}  # fmt: skip
            if back != data:
                conn.execute(target.update().where(target.c.id == row_id).values(data=back))
