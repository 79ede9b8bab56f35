"""Mail delivery retries: attempts and the next attempt's time on each outbox message

Revision ID: 9959791532e1
Revises: 3b7c1e9d4a20
Create Date: 2026-12-05 00:22:24.632683
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9959791532e1"
down_revision = "3b7c1e9d4a20"
branch_labels = None
depends_on = None

UNSENT = sa.text("sent_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_outbox_message_unsent", ["next_attempt_at"], postgresql_where=UNSENT, sqlite_where=UNSENT
        )
    # Messages sent or failed before this revision had their one attempt; failed ones are not
    # retried on their own (they may be weeks old): the admin page offers to retry them.
    op.execute("UPDATE outbox_message SET attempts = 1 WHERE sent_at IS NOT NULL OR error IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_unsent")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
