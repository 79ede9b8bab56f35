"""search: narrow search_document rows and a suffix index instead of reversed stems

The PostgreSQL backend no longer puts every word's reversed stem into the document's tsvector
(which made it large and stored out of line); a query stem now finds the compounds ending in it
through ``search_word.reversed_stem``. ``toast_tuple_target = 128``: a row over the 2 kB TOAST
threshold is toasted down to 128 bytes, not 2 kB. The GIN index on ``audiences`` goes: most rows
match a reader's audiences, and the planner's BitmapAnd with it cost more than a filter. Run ``flask search rebuild``
after upgrading: it fills ``reversed_stem`` and rewrites the vectors and rows.

Revision ID: f252d494be31
Revises: 83823578bf00
Create Date: 2026-11-28 02:48:20.442286
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f252d494be31"
down_revision = "83823578bf00"
branch_labels = None
depends_on = None


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    with op.batch_alter_table("search_word", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reversed_stem", sa.String(length=60), server_default="", nullable=False)
        )
        batch_op.create_index(
            "ix_search_word_reversed_stem",
            ["reversed_stem"],
            unique=False,
            postgresql_ops={"reversed_stem": "text_pattern_ops"},
        )
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        # Most rows match a reader's audiences: filtering beats a BitmapAnd with this index.
        batch_op.drop_index("ix_search_document_audiences", postgresql_using="gin")
    if _postgresql():  # a storage parameter: SQLite has no TOAST
        op.execute("ALTER TABLE search_document SET (toast_tuple_target = 128)")


def downgrade() -> None:
    if _postgresql():
        op.execute("ALTER TABLE search_document RESET (toast_tuple_target)")
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.create_index(
            "ix_search_document_audiences", ["audiences"], unique=False, postgresql_using="gin"
        )
    with op.batch_alter_table("search_word", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_search_word_reversed_stem", postgresql_ops={"reversed_stem": "text_pattern_ops"}
        )
        batch_op.drop_column("reversed_stem")
