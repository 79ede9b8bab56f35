"""Indexes that let the question pages and the organisation profiles stop early

- question (status, visibility): the list counts what a visitor may see from the index alone
  (2 ms, not 6, at 11,000 questions); it replaces the index of status only.
- match (question_id, score): a question's page reads its best suggestions first and stops at
  the tenth, instead of joining all its proposals and sorting them; it replaces the index of
  question_id only.
- question and solution (organisation_id, created_at, id), with the status (and visibility) in
  the index on PostgreSQL: an organisation's profile pages its items newest first and counts
  them without walking past other organisations' items; they replace the index of
  organisation_id only.

Revision ID: 5e2a7c9d1b36
Revises: 9959791532e1
Create Date: 2026-12-05 03:50:00
"""

from __future__ import annotations

from alembic import op

revision = "5e2a7c9d1b36"
down_revision = "9959791532e1"
branch_labels = None
depends_on = None

REPLACED = (  # table, old name and columns, new name and columns, columns only read from the index
    (
        "question",
        "ix_question_status",
        ["status"],
        "ix_question_status_visibility",
        ["status", "visibility"],
        [],
    ),
    (
        "match",
        "ix_match_question_id",
        ["question_id"],
        "ix_match_question_score",
        ["question_id", "score"],
        [],
    ),
    (
        "question",
        "ix_question_organisation_id",
        ["organisation_id"],
        "ix_question_organisation_created",
        ["organisation_id", "created_at", "id"],
        ["status", "visibility"],
    ),
    (
        "solution",
        "ix_solution_organisation_id",
        ["organisation_id"],
        "ix_solution_organisation_created",
        ["organisation_id", "created_at", "id"],
        ["status"],
    ),
)


def upgrade() -> None:
    for table, old, _old_columns, new, new_columns, included in REPLACED:
        op.drop_index(old, table_name=table)
        op.create_index(new, table, new_columns, unique=False, postgresql_include=included)


def downgrade() -> None:
    for table, old, old_columns, new, _new_columns, _included in REPLACED:
        op.drop_index(new, table_name=table)
        op.create_index(old, table, old_columns, unique=False)
