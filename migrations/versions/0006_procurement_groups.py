"""procurement groups: related cases grouped per procurement, grouped after the commit

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

Existing cases are converted, never regrouped: the cases joined by automatic links (linked
at intake, pairwise) become one group each, rooted at the lowest case id, and those links are
deleted; every other case becomes a group of one, so later complaints about its procurement
find it. Every existing case is marked grouped. Links made by hand are kept as they are. If
two groups would share an authority and reference (cases an investigator unlinked by hand,
or more than 500 cases apart), only the oldest keeps the reference; the others are matched by
title.

Also indexes outbox_message.subject_id: each grouping (and every other change to a case) looks
up where the case's card went by it.

Downgrade links each member of a group to the group's first case (automatic links), rather
than every pair, and drops the groups.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_complaint = sa.table(
    "complaint",
    sa.column("id", sa.Integer),
    sa.column("authority_name", sa.String),
    sa.column("procurement_reference", sa.String),
    sa.column("procurement_title", sa.String),
    sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime),
    sa.column("group_id", sa.Integer),
    sa.column("grouped_at", sqlmodel.sql.sqltypes.UTCDateTime),
)
_group = sa.table(
    "procurement_group",
    sa.column("id", sa.Integer),
    sa.column("authority_key", sa.String),
    sa.column("reference_key", sa.String),
    sa.column("title", sa.String),
    sa.column("root_id", sa.Integer),
    sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime),
)
_link = sa.table(
    "case_link",
    sa.column("id", sa.Integer),
    sa.column("low_id", sa.Integer),
    sa.column("high_id", sa.Integer),
    sa.column("created_by", sa.String),
    sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime),
    sa.column("automatic", sa.Boolean),
)
_BATCH = 1000


def _norm(text: str | None) -> str:
    return " ".join((text or "").lower().split())


def upgrade() -> None:
    op.create_table(
        "procurement_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("reference_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("root_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("authority_key", "reference_key", name="uq_procurement_group_key"),
    )
    with op.batch_alter_table("procurement_group", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_procurement_group_authority_key"), ["authority_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_procurement_group_root_id"), ["root_id"], unique=False)
    # Plain columns and indexes: SQLite adds them in place (a foreign key would rebuild the
    # table, which a populated database refuses while other tables refer to it).
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("grouped_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_complaint_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_grouped_at"), ["grouped_at"], unique=False)
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_message_subject_id"), ["subject_id"], unique=False
        )
    _convert_links_to_groups(op.get_bind())


def _convert_links_to_groups(conn) -> None:
    cases = {
        row.id: row
        for row in conn.execute(
            sa.select(
                _complaint.c.id,
                _complaint.c.authority_name,
                _complaint.c.procurement_reference,
                _complaint.c.procurement_title,
                _complaint.c.created_at,
            ).order_by(_complaint.c.id)
        )
    }
    if not cases:
        return
    parent = {case_id: case_id for case_id in cases}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    automatic = conn.execute(
        sa.select(_link.c.low_id, _link.c.high_id).where(_link.c.automatic.is_(True))
    ).all()
    for low, high in automatic:
        a, b = root(low), root(high)
        if a != b:
            parent[max(a, b)] = min(a, b)  # the lowest id is each group's first case
    members: dict[int, list[int]] = {}
    for case_id in cases:
        members.setdefault(root(case_id), []).append(case_id)
    groups, taken = [], set()
    for number, first in enumerate(sorted(members), start=1):
        case = cases[first]
        authority = _norm(case.authority_name)[:200]
        reference = _norm(case.procurement_reference)[:100] or None
        if reference and (authority, reference) in taken:
            reference = None
        taken.add((authority, reference))
        groups.append(
            {
                "id": number,
                "authority_key": authority,
                "reference_key": reference,
                "title": (case.procurement_title or "")[:200],
                "root_id": first,
                "created_at": case.created_at,
            }
        )
    for start in range(0, len(groups), _BATCH):
        conn.execute(_group.insert(), groups[start : start + _BATCH])
    if conn.dialect.name == "postgresql":  # ids were given explicitly: move the sequence on
        conn.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('procurement_group', 'id'), "
                "(SELECT max(id) FROM procurement_group))"
            )
        )
    assignments = [
        {"case_id": case_id, "group": group["id"], "at": cases[case_id].created_at}
        for group in groups
        for case_id in members[group["root_id"]]
    ]
    update = (
        _complaint.update()
        .where(_complaint.c.id == sa.bindparam("case_id"))
        .values(group_id=sa.bindparam("group"), grouped_at=sa.bindparam("at"))
    )
    for start in range(0, len(assignments), _BATCH):
        conn.execute(update, assignments[start : start + _BATCH])
    conn.execute(_link.delete().where(_link.c.automatic.is_(True)))


def downgrade() -> None:
    conn = op.get_bind()
    pairs = conn.execute(
        sa.select(_complaint.c.id, _group.c.root_id, _group.c.created_at)
        .join(_group, _group.c.id == _complaint.c.group_id)
        .where(_complaint.c.id != _group.c.root_id)
    ).all()
    manual = {(low, high) for low, high in conn.execute(sa.select(_link.c.low_id, _link.c.high_id))}
    links = [
        {
            "low_id": min(case_id, root_id),
            "high_id": max(case_id, root_id),
            "created_by": None,
            "created_at": at,
            "automatic": True,
        }
        for case_id, root_id, at in pairs
        if (min(case_id, root_id), max(case_id, root_id)) not in manual
    ]
    for start in range(0, len(links), _BATCH):
        conn.execute(_link.insert(), links[start : start + _BATCH])
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_subject_id"))
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_grouped_at"))
        batch_op.drop_index(batch_op.f("ix_complaint_group_id"))
    # ALTER TABLE ... DROP COLUMN, in place on SQLite too (3.35+): batch mode would rebuild the
    # table, which SQLite refuses once other tables' rows refer to complaint.
    op.drop_column("complaint", "grouped_at")
    op.drop_column("complaint", "group_id")
    with op.batch_alter_table("procurement_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procurement_group_root_id"))
        batch_op.drop_index(batch_op.f("ix_procurement_group_authority_key"))
    op.drop_table("procurement_group")
