"""ix_question_demand: the region dashboard's figures read from an index, not the questions' rows

Revision ID: c3a9f7d2e614
Revises: b5d2e8a41c07
Create Date: 2026-12-04 23:00:00
"""

from __future__ import annotations

from alembic import op

revision = "c3a9f7d2e614"
down_revision = "b5d2e8a41c07"
branch_labels = None
depends_on = None

COLUMNS = ["status", "theme", "municipality_id", "organisation_id", "created_at", "unit", "quantity"]


def upgrade() -> None:
    op.create_index("ix_question_demand", "question", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_question_demand", table_name="question")
