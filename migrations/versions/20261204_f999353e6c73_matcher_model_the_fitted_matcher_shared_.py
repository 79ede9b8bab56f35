"""matcher_model: the fitted matcher, published by the worker that fits it for every app server

Revision ID: f999353e6c73
Revises: e9e62e7ea7e1
Create Date: 2026-12-04 21:22:37.115897
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f999353e6c73"
down_revision = "e9e62e7ea7e1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "matcher_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matcher_model")),
    )


def downgrade() -> None:
    op.drop_table("matcher_model")
