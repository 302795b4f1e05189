"""conversations: where a case's card and relayed DMs live moves off the case into
posted_message; the outbox addresses a person or a team role; notes keep an opaque source key
(issue 15 item 2)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

Moves, on a populated database:
- complaint.card_channel_id/card_ts -> a posted_message row (about "case_card") per case;
- supplier_relay rows -> posted_message rows (about "supplier_relay"); the table goes;
- outbox_message.recipient_channel_id -> recipient_role ("triage" for the complaint kinds,
  "leads" for the digest); a message updating a DM (shadowing) keeps only its person, and the
  DM's channel moves into its data; sent_channel_id/sent_ts go (posted_message keeps what is
  needed, the outbox row never needed them);
- case_note.source_ts -> source_key (wider: other platforms' ids are longer).

All existing anchors are Slack's (the only front end so far).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLATFORM = "slack"
CASE_CARD, SUPPLIER_RELAY = "case_card", "supplier_relay"
TRIAGE, LEADS = "triage", "leads"
LEADS_KINDS = ("jobs.digest", "jobs.digest_chart")
ID_LENGTH = 400


def _string(length: int):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


@contextmanager
def _foreign_keys_off() -> Iterator[None]:
    """SQLite drops a column of a unique constraint only by rebuilding the table (copy, DROP,
    rename). With foreign keys enforced, dropping a table that others refer to fails (its rows
    are deleted first), and the pragma that stops enforcing them is ignored inside a
    transaction. So on SQLite the migration's transaction is committed here, enforcement
    turned off for the rebuild, every reference checked, and enforcement turned back on."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" or not bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        yield
        return
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the rebuild broke references: {broken[:5]}")
    except BaseException:
        bind.exec_driver_sql("ROLLBACK")
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")
        raise
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys=ON")
    bind.exec_driver_sql("BEGIN IMMEDIATE")


def _json(value) -> dict:
    if isinstance(value, str):
        return json.loads(value or "{}")
    return dict(value or {})


posted = sa.table(
    "posted_message",
    sa.column("platform", sa.String),
    sa.column("conversation_id", sa.String),
    sa.column("message_id", sa.String),
    sa.column("thread_id", sa.String),
    sa.column("about", sa.String),
    sa.column("subject_id", sa.Integer),
    sa.column("outbox_message_id", sa.Integer),
    sa.column("created_at", sa.DateTime),
)


def upgrade() -> None:
    op.create_table(
        "posted_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", _string(20), nullable=False),
        sa.Column("conversation_id", _string(ID_LENGTH), nullable=False),
        sa.Column("message_id", _string(ID_LENGTH), nullable=False),
        sa.Column("thread_id", _string(ID_LENGTH), nullable=True),
        sa.Column("about", _string(30), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "platform", "conversation_id", "message_id", name="uq_posted_message_where"
        ),
    )
    op.create_index("ix_posted_message_about", "posted_message", ["about", "subject_id"])
    bind = op.get_bind()
    # Cards first, in case order, then relays in theirs: the ids keep "the first card" first.
    bind.execute(
        posted.insert().from_select(
            list(posted.c.keys()),
            sa.select(
                sa.literal(PLATFORM),
                sa.column("card_channel_id"),
                sa.column("card_ts"),
                sa.null(),
                sa.literal(CASE_CARD),
                sa.column("id"),
                sa.null(),
                sa.column("created_at"),
            )
            .select_from(sa.table("complaint"))
            .where(sa.column("card_ts").is_not(None), sa.column("card_channel_id").is_not(None))
            .order_by(sa.column("id")),
        )
    )
    bind.execute(
        posted.insert().from_select(
            list(posted.c.keys()),
            sa.select(
                sa.literal(PLATFORM),
                sa.column("dm_channel_id"),
                sa.column("ts"),
                sa.null(),
                sa.literal(SUPPLIER_RELAY),
                sa.column("complaint_id"),
                sa.column("outbox_message_id"),
                sa.column("created_at"),
            )
            .select_from(sa.table("supplier_relay"))
            .order_by(sa.column("id")),
        )
    )
    op.drop_index("ix_supplier_relay_complaint_id", table_name="supplier_relay")
    op.drop_table("supplier_relay")

    _outbox_to_roles(bind)

    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.alter_column(
            "source_ts",
            new_column_name="source_key",
            type_=sa.String(ID_LENGTH),
            existing_type=sa.String(60),
            existing_nullable=False,
        )

    with _foreign_keys_off():
        with op.batch_alter_table("complaint", schema=None) as batch_op:
            batch_op.drop_constraint("uq_complaint_card", type_="unique")
            batch_op.drop_column("card_ts")
            batch_op.drop_column("card_channel_id")


def _outbox_to_roles(bind) -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient_role", _string(30), nullable=True))
    outbox = sa.table(
        "outbox_message",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("recipient_user_id", sa.String),
        sa.column("recipient_channel_id", sa.String),
        sa.column("recipient_role", sa.String),
        sa.column("data", sa.JSON),
    )
    to_channel = outbox.c.recipient_channel_id.is_not(None)
    no_person = outbox.c.recipient_user_id.is_(None)
    bind.execute(
        outbox.update()
        .where(to_channel, no_person, outbox.c.kind.in_(LEADS_KINDS))
        .values(recipient_role=LEADS)
    )
    bind.execute(
        outbox.update()
        .where(to_channel, no_person, outbox.c.kind.not_in(LEADS_KINDS))
        .values(recipient_role=TRIAGE)
    )
    # A person's message updated in its DM: the person stays the address, the DM and the
    # message to update go into its data (bot.shadowing.notices.refresh).
    dm_updates = bind.execute(
        sa.select(outbox.c.id, outbox.c.recipient_channel_id, outbox.c.data).where(
            to_channel, outbox.c.recipient_user_id.is_not(None)
        )
    ).all()
    for row_id, channel, data in dm_updates:
        data = _json(data)
        if "update_ts" in data:
            data["update_message"] = data.pop("update_ts")
            data["update_conversation"] = channel
        bind.execute(outbox.update().where(outbox.c.id == row_id).values(data=data))
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("sent_ts")
        batch_op.drop_column("sent_channel_id")
        batch_op.drop_column("recipient_channel_id")


def downgrade() -> None:
    bind = op.get_bind()
    with _foreign_keys_off():
        with op.batch_alter_table("complaint", schema=None) as batch_op:
            batch_op.add_column(sa.Column("card_channel_id", _string(30), nullable=True))
            batch_op.add_column(sa.Column("card_ts", _string(30), nullable=True))
            batch_op.create_unique_constraint("uq_complaint_card", ["card_channel_id", "card_ts"])
    cards = bind.execute(
        sa.select(posted.c.subject_id, posted.c.conversation_id, posted.c.message_id)
        .where(posted.c.about == CASE_CARD, posted.c.platform == PLATFORM)
        .order_by(sa.text("id"))
    ).all()
    complaint = sa.table(
        "complaint",
        sa.column("id", sa.Integer),
        sa.column("card_channel_id", sa.String),
        sa.column("card_ts", sa.String),
    )
    seen: set[int] = set()
    for case_id, channel, ts in cards:
        if case_id not in seen:  # the first card posted is the case's card
            seen.add(case_id)
            bind.execute(
                complaint.update()
                .where(complaint.c.id == case_id)
                .values(card_channel_id=channel, card_ts=ts)
            )

    op.create_table(
        "supplier_relay",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("dm_channel_id", _string(30), nullable=False),
        sa.Column("ts", _string(30), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dm_channel_id", "ts", name="uq_supplier_relay_thread"),
    )
    op.create_index("ix_supplier_relay_complaint_id", "supplier_relay", ["complaint_id"])
    relay = sa.table(
        "supplier_relay",
        sa.column("complaint_id", sa.Integer),
        sa.column("outbox_message_id", sa.Integer),
        sa.column("dm_channel_id", sa.String),
        sa.column("ts", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    bind.execute(
        relay.insert().from_select(
            ["complaint_id", "outbox_message_id", "dm_channel_id", "ts", "created_at"],
            sa.select(
                posted.c.subject_id,
                posted.c.outbox_message_id,
                posted.c.conversation_id,
                posted.c.message_id,
                posted.c.created_at,
            )
            .where(posted.c.about == SUPPLIER_RELAY, posted.c.platform == PLATFORM)
            .order_by(sa.text("id")),
        )
    )

    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.alter_column(
            "source_key",
            new_column_name="source_ts",
            type_=sa.String(60),
            existing_type=sa.String(ID_LENGTH),
            existing_nullable=False,
        )

    _outbox_to_channels(bind, cards)
    op.drop_index("ix_posted_message_about", table_name="posted_message")
    op.drop_table("posted_message")


def _outbox_to_channels(bind, cards) -> None:
    """Roles back to channels: a case's messages to its card's channel, else the channel the
    settings name for the role (TRIAGE_CHANNEL_ID, LEADS_CHANNEL_ID in the environment). A
    pending row whose channel cannot be known is marked dead, to be revived once fixed."""
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient_channel_id", _string(30), nullable=True))
        batch_op.add_column(sa.Column("sent_channel_id", _string(30), nullable=True))
        batch_op.add_column(sa.Column("sent_ts", _string(30), nullable=True))
    outbox = sa.table(
        "outbox_message",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("subject_id", sa.Integer),
        sa.column("recipient_user_id", sa.String),
        sa.column("recipient_channel_id", sa.String),
        sa.column("recipient_role", sa.String),
        sa.column("data", sa.JSON),
        sa.column("status", sa.String),
        sa.column("last_error", sa.String),
    )
    card_channel = {}
    for case_id, channel, _ in cards:
        card_channel.setdefault(case_id, channel)
    configured = {
        TRIAGE: os.environ.get("TRIAGE_CHANNEL_ID") or None,
        LEADS: os.environ.get("LEADS_CHANNEL_ID") or None,
    }
    rows = bind.execute(
        sa.select(
            outbox.c.id,
            outbox.c.kind,
            outbox.c.subject_id,
            outbox.c.recipient_role,
            outbox.c.recipient_user_id,
            outbox.c.data,
            outbox.c.status,
        ).where(
            sa.or_(outbox.c.recipient_role.is_not(None), outbox.c.recipient_user_id.is_not(None))
        )
    ).all()
    for row_id, kind, subject_id, role, user_id, data, status in rows:
        if role is None:
            data = _json(data)
            if "update_message" not in data:
                continue
            channel = data.pop("update_conversation", None)
            data["update_ts"] = data.pop("update_message")
            bind.execute(
                outbox.update()
                .where(outbox.c.id == row_id)
                .values(recipient_channel_id=channel, data=data)
            )
            continue
        channel = None
        if kind.startswith("complaint.") and subject_id is not None:
            channel = card_channel.get(subject_id)
        channel = channel or configured.get(role)
        values = {"recipient_channel_id": channel}
        if channel is None and status == "pending":
            values.update(status="dead", last_error=f"downgrade: no channel for role {role}")
        bind.execute(outbox.update().where(outbox.c.id == row_id).values(**values))
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("recipient_role")
