"""exchange lines and emission factor changes

Revision ID: 578262a88333
Revises: c3a9f7d2e614
Create Date: 2026-12-04 22:45:46.577988
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "578262a88333"
down_revision = "c3a9f7d2e614"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "emission_factor_change",
        sa.Column("material_group", sa.String(length=30), nullable=False),
        sa.Column("primary_kg_per_t", sa.Float(), nullable=False),
        sa.Column("reuse_kg_per_t", sa.Float(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["user_account.id"],
            name=op.f("fk_emission_factor_change_changed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("material_group", name=op.f("pk_emission_factor_change")),
    )
    op.create_table(
        "exchange_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("material_group", sa.String(length=30), nullable=False),
        sa.Column("tonnes", sa.Float(), nullable=True),
        sa.Column("products", sa.Integer(), nullable=True),
        sa.Column("kg_per_product", sa.Float(), nullable=True),
        sa.Column("new_material", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"], ["match.id"], name=op.f("fk_exchange_line_match_id_match"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_exchange_line_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_line")),
    )
    with op.batch_alter_table("exchange_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_line_match_id"), ["match_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("exchange_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_line_match_id"))

    op.drop_table("exchange_line")
    op.drop_table("emission_factor_change")
