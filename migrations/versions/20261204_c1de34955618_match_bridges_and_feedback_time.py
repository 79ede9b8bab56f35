"""Match: the concept bridges that explain it, and when an owner last gave feedback

Revision ID: c1de34955618
Revises: fc8ffb8457d8
Create Date: 2026-12-04 20:13:27.917797
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c1de34955618"
down_revision = "fc8ffb8457d8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing matches get no bridges ("[]") until the next refresh; the default then goes,
    # like the model, which sets the value itself.
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bridges", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.alter_column("bridges", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.drop_column("feedback_at")
        batch_op.drop_column("bridges")
