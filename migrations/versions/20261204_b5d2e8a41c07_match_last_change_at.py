"""Match.last_change_at: when its log last changed, indexed with the status for stalled introductions;
the index of matches per solution and status carries the score and the question (the dashboard)

Revision ID: b5d2e8a41c07
Revises: 14e05bd1b3f6
Create Date: 2026-12-04 22:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b5d2e8a41c07"
down_revision = "14e05bd1b3f6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("match") as batch:
        batch.add_column(sa.Column("last_change_at", sa.DateTime(timezone=True), nullable=True))
    # The latest event of each match; a match without events changed last when it was updated.
    op.execute(
        "UPDATE match SET last_change_at = coalesce("
        "(SELECT max(match_event.created_at) FROM match_event WHERE match_event.match_id = match.id), "
        "updated_at)"
    )
    with op.batch_alter_table("match") as batch:
        batch.alter_column("last_change_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.create_index("ix_match_status_last_change_at", ["status", "last_change_at"], unique=False)
        batch.drop_index("ix_match_solution_status")
        batch.create_index(
            "ix_match_solution_status_score", ["solution_id", "status", "score", "question_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("match") as batch:
        batch.drop_index("ix_match_solution_status_score")
        batch.create_index("ix_match_solution_status", ["solution_id", "status"], unique=False)
        batch.drop_index("ix_match_status_last_change_at")
        batch.drop_column("last_change_at")
