"""search: pending index operations and the PostgreSQL search table

search_pending queues index updates in the transaction of the change (both backends);
search_document (tsvector with a GIN index) and search_word serve the PostgreSQL backend and
stay empty on SQLite.

Revision ID: 119fb28e0151
Revises: e240a10a8672
Create Date: 2026-11-28 01:31:42.092885
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "119fb28e0151"
down_revision = "e240a10a8672"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "themes",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=40)), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "provinces",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=40)), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "audiences",
            sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=40)), "postgresql"),
            nullable=False,
        ),
        sa.Column("date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("vector", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
        sa.UniqueConstraint("kind", "item_id", name=op.f("uq_search_document_kind")),
    )
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.create_index(
            "ix_search_document_audiences", ["audiences"], unique=False, postgresql_using="gin"
        )
        batch_op.create_index(batch_op.f("ix_search_document_date"), ["date"], unique=False)
        batch_op.create_index("ix_search_document_vector", ["vector"], unique=False, postgresql_using="gin")

    op.create_table(
        "search_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_pending")),
    )
    op.create_table(
        "search_word",
        sa.Column("word", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_word")),
    )


def downgrade() -> None:
    op.drop_table("search_word")
    op.drop_table("search_pending")
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.drop_index("ix_search_document_vector", postgresql_using="gin")
        batch_op.drop_index(batch_op.f("ix_search_document_date"))
        batch_op.drop_index("ix_search_document_audiences", postgresql_using="gin")

    op.drop_table("search_document")
