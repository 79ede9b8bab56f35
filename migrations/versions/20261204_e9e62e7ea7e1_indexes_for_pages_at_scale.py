"""Indexes that keep the lists, the review queue and the home counts fast at 100,000 items

Revision ID: e9e62e7ea7e1
Revises: 7aff9fd4ec49
Create Date: 2026-12-04 21:41:00
"""

from __future__ import annotations

from alembic import op

revision = "e9e62e7ea7e1"
down_revision = "7aff9fd4ec49"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_question_created_at_id", "question", ["created_at", "id"]),
    ("ix_solution_created_at_id", "solution", ["created_at", "id"]),
    ("ix_match_status_score", "match", ["status", "score"]),
    ("ix_match_snoozed_until", "match", ["snoozed_until"]),
    ("ix_match_question_status", "match", ["question_id", "status"]),
    ("ix_match_solution_status", "match", ["solution_id", "status"]),
    ("ix_solution_province_province_id", "solution_province", ["province_id"]),
    ("ix_solution_municipality_municipality_id", "solution_municipality", ["municipality_id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
