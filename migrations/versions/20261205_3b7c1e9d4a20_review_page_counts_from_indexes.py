"""The review page reads its snoozed count and its oldest stalled introductions from indexes alone

(snoozed_until, status) for the count; (status, last_change_at, id) for the oldest ids.

Revision ID: 3b7c1e9d4a20
Revises: 0846136beb55
Create Date: 2026-12-05 01:05:00
"""

from __future__ import annotations

from alembic import op

revision = "3b7c1e9d4a20"
down_revision = "0846136beb55"
branch_labels = None
depends_on = None


REPLACED = (  # old name and columns, new name and columns
    (
        "ix_match_snoozed_until",
        ["snoozed_until"],
        "ix_match_snoozed_until_status",
        ["snoozed_until", "status"],
    ),
    (
        "ix_match_status_last_change_at",
        ["status", "last_change_at"],
        "ix_match_status_last_change_at_id",
        ["status", "last_change_at", "id"],
    ),
)


def upgrade() -> None:
    for old, _old_columns, new, new_columns in REPLACED:
        op.drop_index(old, table_name="match")
        op.create_index(new, "match", new_columns, unique=False)


def downgrade() -> None:
    for old, old_columns, new, _new_columns in REPLACED:
        op.drop_index(new, table_name="match")
        op.create_index(old, "match", old_columns, unique=False)
