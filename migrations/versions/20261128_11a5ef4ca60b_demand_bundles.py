"""Demand bundles and the questions in them

Revision ID: 11a5ef4ca60b
Revises: 119fb28e0151
Create Date: 2026-11-28 01:47:36.219275
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "11a5ef4ca60b"
down_revision = "119fb28e0151"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demand_bundle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=160), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "verkenning",
                "gezamenlijke_uitvraag",
                "gegund",
                "afgerond",
                name="bundlestatus",
                native_enum=False,
                length=25,
            ),
            nullable=False,
        ),
        sa.Column("theme", sa.String(length=30), nullable=True),
        sa.Column("province_id", sa.Integer(), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_demand_bundle_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_demand_bundle_municipality_id_municipality"),
        ),
        sa.ForeignKeyConstraint(
            ["province_id"], ["province.id"], name=op.f("fk_demand_bundle_province_id_province")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_bundle")),
    )
    with op.batch_alter_table("demand_bundle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demand_bundle_status"), ["status"], unique=False)

    op.create_table(
        "demand_bundle_question",
        sa.Column("bundle_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bundle_id"],
            ["demand_bundle.id"],
            name=op.f("fk_demand_bundle_question_bundle_id_demand_bundle"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["question.id"],
            name=op.f("fk_demand_bundle_question_question_id_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("bundle_id", "question_id", name=op.f("pk_demand_bundle_question")),
    )
    with op.batch_alter_table("demand_bundle_question", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_demand_bundle_question_question_id"), ["question_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("demand_bundle_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demand_bundle_question_question_id"))

    op.drop_table("demand_bundle_question")
    with op.batch_alter_table("demand_bundle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demand_bundle_status"))

    op.drop_table("demand_bundle")
