"""Outbox messages record when a server took their current attempt

An administrator's "send again" waits while that attempt may be handing the mail over.

Revision ID: 7a4d2f8c6e15
Revises: 5e2a7c9d1b36
Create Date: 2026-12-05 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7a4d2f8c6e15"
down_revision = "5e2a7c9d1b36"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_column("claimed_at")
