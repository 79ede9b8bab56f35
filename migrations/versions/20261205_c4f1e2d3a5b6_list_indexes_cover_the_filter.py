"""The lists' newest-first indexes carry what a visitor's filter reads (PostgreSQL only)

A page of the question or solution list reads its ids from ``ix_*_created_at_id``; the status,
visibility and organisation in the index spare a visit to the table for every row the page
skips (page 25 of the questions: 0.3 ms, not 2). SQLite has no INCLUDE: its indexes stay.

Revision ID: c4f1e2d3a5b6
Revises: b7e3c1a95d42
Create Date: 2026-12-05 22:30:00
"""

from __future__ import annotations

from alembic import op

revision = "c4f1e2d3a5b6"
down_revision = "b7e3c1a95d42"
branch_labels = None
depends_on = None

COVERED = {"question": ["status", "visibility", "organisation_id"], "solution": ["status", "organisation_id"]}


def upgrade() -> None:
    _recreate(COVERED)


def downgrade() -> None:
    _recreate({table: [] for table in COVERED})


def _recreate(included: dict[str, list[str]]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in included.items():
        name = f"ix_{table}_created_at_id"
        op.drop_index(name, table_name=table)
        op.create_index(name, table, ["created_at", "id"], unique=False, postgresql_include=columns)
