"""Supply bundles (material lines of several buildings offered together) and a coordinator's province

Revision ID: 0846136beb55
Revises: 578262a88333
Create Date: 2026-12-05 00:20:50.362972
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0846136beb55"
down_revision = "578262a88333"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supply_bundle",
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
        sa.Column("material_group", sa.String(length=5), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_supply_bundle_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_supply_bundle_municipality_id_municipality"),
        ),
        sa.ForeignKeyConstraint(
            ["province_id"], ["province.id"], name=op.f("fk_supply_bundle_province_id_province")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supply_bundle")),
    )
    with op.batch_alter_table("supply_bundle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supply_bundle_province_id"), ["province_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_supply_bundle_status"), ["status"], unique=False)

    op.create_table(
        "supply_bundle_line",
        sa.Column("bundle_id", sa.Integer(), nullable=False),
        sa.Column("material_line_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bundle_id"],
            ["supply_bundle.id"],
            name=op.f("fk_supply_bundle_line_bundle_id_supply_bundle"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["material_line_id"],
            ["material_line.id"],
            name=op.f("fk_supply_bundle_line_material_line_id_material_line"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("bundle_id", "material_line_id", name=op.f("pk_supply_bundle_line")),
    )
    with op.batch_alter_table("supply_bundle_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supply_bundle_line_material_line_id"), ["material_line_id"], unique=False
        )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("coordinated_province_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_user_account_coordinated_province_id_province"),
            "province",
            ["coordinated_province_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_user_account_coordinated_province_id_province"), type_="foreignkey"
        )
        batch_op.drop_column("coordinated_province_id")

    with op.batch_alter_table("supply_bundle_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supply_bundle_line_material_line_id"))

    op.drop_table("supply_bundle_line")
    with op.batch_alter_table("supply_bundle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supply_bundle_status"))
        batch_op.drop_index(batch_op.f("ix_supply_bundle_province_id"))

    op.drop_table("supply_bundle")
