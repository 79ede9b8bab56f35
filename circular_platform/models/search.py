"""Search bookkeeping: index operations waiting to be applied, and the PostgreSQL search table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from circular_platform.db import Base
from circular_platform.models._types import created_at_column

# PostgreSQL types with a plain fallback, so the tables exist (unused) on SQLite too.
TSVECTOR = Text().with_variant(postgresql.TSVECTOR(), "postgresql")
STRING_ARRAY = JSON().with_variant(postgresql.ARRAY(String(40)), "postgresql")


class SearchPending(Base):
    """One item to (re)index or remove, written in the transaction that changed it."""

    __tablename__ = "search_pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "question", "solution", "organisation"
    item_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()


class SearchDocument(Base):
    """The PostgreSQL search backend's copy of one item, with its ``tsvector``.

    On PostgreSQL the table has ``toast_tuple_target = 128`` (set in the migration): a row over
    the 2 kB TOAST threshold (a long description) has its body and vector moved out of line
    down to 128 bytes instead of to 2 kB, keeping the heap the facet count reads narrow.
    """

    __tablename__ = "search_document"
    __table_args__ = (
        UniqueConstraint("kind", "item_id"),
        Index("ix_search_document_vector", "vector", postgresql_using="gin"),
        # No index on audiences: a reader's audiences match most rows, and a BitmapAnd with
        # such an index cost more (30 ms at 100k rows) than filtering the matched rows.
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    context: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(20))
    themes: Mapped[list[str]] = mapped_column(STRING_ARRAY)
    provinces: Mapped[list[str]] = mapped_column(STRING_ARRAY)
    audiences: Mapped[list[str]] = mapped_column(STRING_ARRAY)
    date: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)  # NOT NULL: one sort order
    vector: Mapped[str] = mapped_column(TSVECTOR)


class SearchWord(Base):
    """Folded words of the PostgreSQL search documents: the vocabulary for spelling suggestions
    and compound splitting. Words are added, never counted down; a rebuild starts it afresh."""

    __tablename__ = "search_word"

    __table_args__ = (
        # Prefix and suffix lookups (``word LIKE 'isolatie%'``, ``reversed_stem LIKE 'eitalosi%'``)
        # need pattern indexes whatever the database collation is.
        Index("ix_search_word_word_pattern", "word", postgresql_ops={"word": "text_pattern_ops"}),
        Index(
            "ix_search_word_reversed_stem",
            "reversed_stem",
            postgresql_ops={"reversed_stem": "text_pattern_ops"},
        ),
    )

    word: Mapped[str] = mapped_column(String(60), primary_key=True)
    # The Dutch stem, reversed: a query stem finds the compounds ending in it ("isolatie" ->
    # "hennepisolatie") without reversed stems in every document's tsvector.
    reversed_stem: Mapped[str] = mapped_column(String(60), server_default="")
