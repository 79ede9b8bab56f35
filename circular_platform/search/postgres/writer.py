"""Writing ``search_document`` rows: each document's ``tsvector`` is made by PostgreSQL with its
``dutch`` or ``english`` configuration (the document's language), title, context and body
weighing A, B and C; its words go to ``search_word`` for compound lookups and suggestions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, String, Table, Text, bindparam, func, literal_column, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from circular_platform.models import SearchDocument as SearchRow
from circular_platform.models import SearchWord
from matching import analysis
from matching.search import SearchDocument, query_words

_CONFIG = {"nl": "dutch", "en": "english"}  # PostgreSQL's text search configuration per language
DRAIN_LOCK = 7_262_001  # pg_advisory_xact_lock key: one index writer at a time
_NO_DATE = datetime(1970, 1, 1, tzinfo=UTC)  # the date column is NOT NULL, so the index sorts both ways

ROWS = cast(Table, SearchRow.__table__)  # the core tables: bulk writes skip the ORM
WORDS = cast(Table, SearchWord.__table__)


_ADD_WORDS = text(
    "INSERT INTO search_word (word, reversed_stem)"
    " SELECT * FROM unnest(CAST(:words AS varchar[]), CAST(:stems AS varchar[]))"
    " ON CONFLICT DO NOTHING"
)


class PostgresBatch:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.cleared = False

    def clear(self) -> None:
        # DELETE rather than TRUNCATE: searches keep seeing the old rows until the commit.
        self.session.execute(ROWS.delete())
        self.session.execute(WORDS.delete())
        self.cleared = True

    def tidy_after_rebuild(self) -> None:
        """Merge the GIN pending list (else every query scans it) and refresh the planner's
        statistics, which still describe the table before the rebuild."""
        self.session.execute(
            select(func.gin_clean_pending_list(literal_column("'ix_search_document_vector'::regclass")))
        )
        self.session.execute(text("ANALYZE search_document, search_word"))

    def write(self, upserts: Iterable[SearchDocument], deletes: Iterable[str]) -> None:
        for key in deletes:
            kind, _, item_id = key.partition(":")
            self.session.execute(
                ROWS.delete().where(SearchRow.kind == kind, SearchRow.item_id == int(item_id))
            )
        rows = [_row(document) for document in upserts]
        if not rows:
            return
        # One multi-row statement per batch (SQLAlchemy's insertmanyvalues): the tsvector is
        # computed by PostgreSQL from the bound texts, not row by row over the network.
        self.session.execute(_UPSERT, rows)
        words = sorted({w for row in rows for w in row.pop("words")})
        if words:  # one statement: most words are known already, and a row each cost more
            stems = [analysis.stem(w, "nl")[::-1] for w in words]
            self.session.execute(_ADD_WORDS, {"words": words, "stems": stems})


def _row(document: SearchDocument) -> dict:
    kind, _, item_id = document.key.partition(":")
    folded = {name: analysis.fold(getattr(document, name)) for name in ("title", "body", "context")}
    words = {w for t in folded.values() for w in query_words(t) if len(w) <= 60}
    return {
        "kind": kind,
        "item_id": int(item_id),
        "title": document.title,
        "body": document.body,
        "context": document.context,
        "language": document.lang,
        "status": document.status or "-",
        "themes": list(document.themes),
        "provinces": list(document.provinces),
        "audiences": list(document.audiences),
        "date": document.date or _NO_DATE,
        "config": _CONFIG.get(document.lang, "dutch"),
        "folded_title": folded["title"],
        "folded_body": folded["body"],
        "folded_context": folded["context"],
        "words": words,
    }


def _upsert_statement() -> Any:
    config = bindparam("config", type_=String).op("::")(literal_column("regconfig"))

    def weighted(value: ColumnElement, weight: str) -> ColumnElement:
        return func.setweight(func.to_tsvector(config, value), literal_column(f"'{weight}'::\"char\""))

    vector = (
        weighted(bindparam("folded_title", type_=Text), "A")
        .op("||")(weighted(bindparam("folded_context", type_=Text), "B"))
        .op("||")(weighted(bindparam("folded_body", type_=Text), "C"))
    )
    columns = ("title", "body", "context", "language", "status", "themes", "provinces", "audiences", "date")
    values = {"kind": bindparam("kind"), "item_id": bindparam("item_id"), "vector": vector}
    values |= {name: bindparam(name, type_=ROWS.c[name].type) for name in columns}
    insert = postgresql.insert(ROWS).values(values)
    return insert.on_conflict_do_update(
        index_elements=["kind", "item_id"],
        set_={name: insert.excluded[name] for name in (*columns, "vector")},
    )


_UPSERT = _upsert_statement()
