"""The review page counts snoozed proposals from an index on (snoozed_until, status) alone

Revision ID: 3b7c1e9d4a20
Revises: 578262a88333
Create Date: 2026-12-05 01:05:00
"""

from __future__ import annotations

from alembic import op

revision = "3b7c1e9d4a20"
down_revision = "578262a88333"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_match_snoozed_until", table_name="match")
    op.create_index("ix_match_snoozed_until_status", "match", ["snoozed_until", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_match_snoozed_until_status", table_name="match")
    op.create_index("ix_match_snoozed_until", "match", ["snoozed_until"], unique=False)
