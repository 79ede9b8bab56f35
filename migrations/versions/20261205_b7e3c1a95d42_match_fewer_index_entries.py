"""Fewer index entries per match: no index of its own on the solution, snoozed matches only

Every new proposal wrote an entry in each of the match table's nine indexes, and a rebuild
writes 700,000 of them. ``ix_match_solution_id`` repeated the first column of
``ix_match_solution_status_score``, which serves the same lookups; the snoozed index only ever
finds snoozed matches, so the others (nearly all) leave it.

Revision ID: b7e3c1a95d42
Revises: 49451f051bee
Create Date: 2026-12-05 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b7e3c1a95d42"
down_revision = "49451f051bee"
branch_labels = None
depends_on = None

SNOOZED = sa.text("snoozed_until IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_match_solution_id", table_name="match")
    op.drop_index("ix_match_snoozed_until_status", table_name="match")
    op.create_index(
        "ix_match_snoozed_until_status",
        "match",
        ["snoozed_until", "status"],
        postgresql_where=SNOOZED,
        sqlite_where=SNOOZED,
    )


def downgrade() -> None:
    op.drop_index("ix_match_snoozed_until_status", table_name="match")
    op.create_index("ix_match_snoozed_until_status", "match", ["snoozed_until", "status"])
    op.create_index("ix_match_solution_id", "match", ["solution_id"])
