"""search: a prefix index on search_word.word, and search_document.date required

The PostgreSQL backend finds the compounds that start with a query word through
``word LIKE 'isolatie%'``, which needs a pattern index unless the collation is C. A NOT NULL
date lets one index serve newest-first reads. Documents always had a date (creation time);
any row without one gets 1970-01-01.

Revision ID: 5c1e0d7a9b42
Revises: f252d494be31
Create Date: 2026-11-28 04:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5c1e0d7a9b42"
down_revision = "f252d494be31"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE search_document SET date = '1970-01-01 00:00:00+00' WHERE date IS NULL")
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.alter_column("date", existing_type=sa.DateTime(timezone=True), nullable=False)
    with op.batch_alter_table("search_word", schema=None) as batch_op:
        batch_op.create_index(
            "ix_search_word_word_pattern", ["word"], unique=False, postgresql_ops={"word": "text_pattern_ops"}
        )


def downgrade() -> None:
    with op.batch_alter_table("search_word", schema=None) as batch_op:
        batch_op.drop_index("ix_search_word_word_pattern", postgresql_ops={"word": "text_pattern_ops"})
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.alter_column("date", existing_type=sa.DateTime(timezone=True), nullable=True)
