"""match events: the log of introductions, rejections and pipeline moves

Revision ID: 83823578bf00
Revises: 11a5ef4ca60b
Create Date: 2026-11-28 01:46:26.007581
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "83823578bf00"
down_revision = "11a5ef4ca60b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column(
            "action",
            sa.Enum(
                "introduce",
                "reject",
                "snooze",
                "move",
                "note",
                name="matchaction",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column(
            "from_status",
            sa.Enum(
                "voorgesteld",
                "geintroduceerd",
                "in_gesprek",
                "pilot_opdracht",
                "afgerond",
                "niet_doorgegaan",
                "afgewezen",
                name="matchstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "voorgesteld",
                "geintroduceerd",
                "in_gesprek",
                "pilot_opdracht",
                "afgerond",
                "niet_doorgegaan",
                "afgewezen",
                name="matchstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"], ["match.id"], name=op.f("fk_match_event_match_id_match"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_match_event_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_event")),
    )
    with op.batch_alter_table("match_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_event_match_id"), ["match_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("match_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_event_match_id"))

    op.drop_table("match_event")
