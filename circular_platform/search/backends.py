"""The two search backends behind one interface, chosen by ``SEARCH_BACKEND``.

``whoosh`` (default) keeps a Whoosh index in ``SEARCH_INDEX_DIR``; ``postgres`` keeps
``search_document`` rows with a ``tsvector`` (PostgreSQL's ``dutch`` or ``english``
configuration per document) in the application's own database. Both read queries with
:func:`matching.search_index.parse_query`, so they accept the same syntax.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import reduce
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    String,
    Text,
    and_,
    bindparam,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from circular_platform.models import SearchDocument as SearchRow
from circular_platform.models import SearchWord
from matching import analysis
from matching import search_index as engine

log = logging.getLogger(__name__)


class Batch(Protocol):
    def clear(self) -> None: ...

    def write(self, upserts: Iterable[engine.SearchDocument], deletes: Iterable[str]) -> None: ...


class Backend(Protocol):
    needs_rebuild: bool

    def writing(self, session: Session) -> AbstractContextManager[Batch]: ...

    def recover(self) -> None: ...

    def search(self, session: Session, query: engine.SearchQuery) -> engine.SearchResults: ...


class WhooshBackend:
    """Writers in all processes take turns through Whoosh's file lock (``IndexLocked`` after
    ``timeout`` seconds); a missing or corrupt index is recreated and flagged for a refill."""

    def __init__(self, directory: str, timeout: float = 10.0) -> None:
        self.index = engine.SearchIndex(directory)
        self.timeout = timeout

    @property
    def needs_rebuild(self) -> bool:
        self.index.doc_count()  # opens, or recreates, the index
        return self.index.recreated

    @needs_rebuild.setter
    def needs_rebuild(self, value: bool) -> None:
        self.index.recreated = value

    @contextmanager
    def writing(self, session: Session) -> Iterator[Batch]:
        with self.index.writing(self.timeout) as batch:
            yield batch

    def recover(self) -> None:
        self.index.recreate()

    def warm_in_background(self) -> None:
        """Load the common words' postings while the server starts, so no visitor waits for it."""

        def warm() -> None:
            try:
                self.index.warm()
            except Exception:  # noqa: BLE001 - a cold cache is slower, never wrong
                log.warning("Warming the search index failed", exc_info=True)

        threading.Thread(target=warm, name="search-warmup", daemon=True).start()

    def search(self, session: Session, query: engine.SearchQuery) -> engine.SearchResults:
        return self.index.search(query)


# The PostgreSQL backend --------------------------------------------------------------------------

_CONFIG = {"nl": "dutch", "en": "english"}
RANKED_CANDIDATES = 300  # ts_rank reads each candidate's vector: ~0.1 ms apiece
COUNTED_MATCHES = 1000  # matches counted exactly for the total and the facets
_DRAIN_LOCK = 7_262_001  # pg_advisory_xact_lock key: one index writer at a time


def _config(name: str) -> ColumnElement:
    return literal_column(f"'{name}'::regconfig")


class PostgresBatch:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.cleared = False

    def clear(self) -> None:
        # DELETE rather than TRUNCATE: searches keep seeing the old rows until the commit.
        self.session.execute(SearchRow.__table__.delete())
        self.session.execute(SearchWord.__table__.delete())
        self.cleared = True

    def tidy_after_rebuild(self) -> None:
        """Merge the GIN pending list (else every query scans it) and refresh the planner's
        statistics, which still describe the table before the rebuild."""
        self.session.execute(
            select(func.gin_clean_pending_list(literal_column("'ix_search_document_vector'::regclass")))
        )
        self.session.execute(text("ANALYZE search_document, search_word"))

    def write(self, upserts: Iterable[engine.SearchDocument], deletes: Iterable[str]) -> None:
        for key in deletes:
            kind, _, item_id = key.partition(":")
            self.session.execute(
                SearchRow.__table__.delete().where(SearchRow.kind == kind, SearchRow.item_id == int(item_id))
            )
        rows = [_row(document) for document in upserts]
        if not rows:
            return
        # One multi-row statement per batch (SQLAlchemy's insertmanyvalues): the tsvector is
        # computed by PostgreSQL from the bound texts, not row by row over the network.
        self.session.execute(_UPSERT, rows)
        words = sorted({w for row in rows for w in row.pop("words")})
        if words:
            self.session.execute(
                postgresql.insert(SearchWord.__table__).on_conflict_do_nothing(),
                [{"word": w, "reversed_stem": analysis.stem(w, "nl")[::-1]} for w in words],
            )


def _row(document: engine.SearchDocument) -> dict:
    kind, _, item_id = document.key.partition(":")
    folded = {name: analysis.fold(getattr(document, name)) for name in ("title", "body", "context")}
    words = {w for t in folded.values() for w in engine.query_words(t) if len(w) <= 60}
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
        "date": document.date,
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
    values |= {name: bindparam(name, type_=SearchRow.__table__.c[name].type) for name in columns}
    insert = postgresql.insert(SearchRow.__table__).values(values)
    return insert.on_conflict_do_update(
        index_elements=["kind", "item_id"],
        set_={name: insert.excluded[name] for name in (*columns, "vector")},
    )


_UPSERT = _upsert_statement()


class PostgresBackend:
    """Writes happen in the caller's transaction, serialised by an advisory lock."""

    needs_rebuild = False

    @contextmanager
    def writing(self, session: Session) -> Iterator[Batch]:
        session.execute(select(func.pg_advisory_xact_lock(_DRAIN_LOCK)))
        batch = PostgresBatch(session)
        yield batch
        if batch.cleared:
            batch.tidy_after_rebuild()

    def recover(self) -> None:
        pass  # the table lives in the database: nothing to repair

    def search(self, session: Session, query: engine.SearchQuery) -> engine.SearchResults:
        parsed = engine.parse_query(query.text)
        if parsed.is_empty:
            return engine.SearchResults([], 0, 1, query.per_page, {}, empty_query=True)
        vocabulary = Vocabulary(session)
        tsquery = _tsquery(parsed, vocabulary)  # built once: decompounding asks the database
        where = and_(SearchRow.vector.op("@@")(tsquery), *_filters(query))
        facets, total = _facet_counts(session, where)
        page = min(max(1, query.page), max(1, -(-total // query.per_page)))
        # A word without hits leaves the whole query without hits: only then look for typos.
        corrections = _corrections(session, parsed, vocabulary) if total == 0 else {}
        return engine.SearchResults(
            hits=_page(session, where, tsquery, total, query, page) if total else [],
            total=total,
            page=page,
            per_page=query.per_page,
            facets=facets,
            suggestion=engine.suggest_text(parsed, corrections),
            terms=parsed.terms,
            counted_up_to=COUNTED_MATCHES if total > COUNTED_MATCHES else None,
        )


class Vocabulary:
    """The ``search_word`` table as the query builder asks it: known words (compound splitting)
    and the compounds ending in a stem (what the reversed stems in every vector used to do)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def known(self, words: set[str]) -> set[str]:
        return set(self.session.scalars(select(SearchWord.word).where(SearchWord.word.in_(words))))

    def ending_in(self, stem: str) -> list[str]:
        """Up to ``MAX_AFFIXED`` words whose Dutch stem ends in ``stem``, the shortest first (as
        the Whoosh backend picks them: the closest to the query word)."""
        return list(
            self.session.scalars(
                select(SearchWord.word)
                .where(SearchWord.reversed_stem.startswith(stem[::-1], autoescape=True))
                .order_by(func.length(SearchWord.word), SearchWord.word)
                .limit(engine.MAX_AFFIXED)
            )
        )


def _ts(function: str, config: str, value: str) -> ColumnElement:
    return getattr(func, function)(_config(config), value)


def _lexemes(words: list[str]) -> str:
    """``words`` as a to_tsquery OR-list, each word quoted (folded words hold no quotes that
    matter, but a stray one must not break the query)."""
    return " | ".join("'" + w.replace("'", "''").replace("\\", "") + "'" for w in words)


def _word_tsquery(word: str, vocabulary: Vocabulary, expand: bool = True) -> ColumnElement:
    options = [_ts("plainto_tsquery", c, word) for c in ("dutch", "english")]
    stem = analysis.stem(word, "nl")
    if expand and len(stem) >= engine.MIN_AFFIX:
        options.append(_ts("to_tsquery", "simple", f"{stem}:*"))
        compounds = [w for w in vocabulary.ending_in(stem) if w != word]
        # Stemmed by each configuration, as the documents' vectors hold them.
        options += [_ts("to_tsquery", c, _lexemes(compounds)) for c in ("dutch", "english") if compounds]
    parts = engine.compound_parts(word, vocabulary.known) if expand and not vocabulary.known({word}) else []
    if parts:
        options.append(_all([_word_tsquery(p, vocabulary, expand=False) for p in parts]))
    return _any(options)


def _any(queries: list[ColumnElement]) -> ColumnElement:
    return reduce(func.tsquery_or, queries)


def _all(queries: list[ColumnElement]) -> ColumnElement:
    return reduce(func.tsquery_and, queries)


def _tsquery(parsed: engine.ParsedQuery, vocabulary: Vocabulary) -> ColumnElement:
    clauses = [_word_tsquery(w, vocabulary) for w in parsed.words]
    clauses += [
        _any([_ts("phraseto_tsquery", c, " ".join(phrase)) for c in ("dutch", "english")])
        for phrase in parsed.phrases
    ]
    clauses += [func.tsquery_not(_word_tsquery(w, vocabulary, expand=False)) for w in parsed.excluded]
    return _all(clauses)


def _array(values: list[str]) -> ColumnElement:
    return postgresql.array(values, type_=String(40))


def _filters(query: engine.SearchQuery) -> list[ColumnElement]:
    columns = {"kind": SearchRow.kind, "status": SearchRow.status}
    arrays = {"theme": SearchRow.themes, "province": SearchRow.provinces}
    clauses: list[ColumnElement] = []
    for name, value in query.filters.items():
        if name in columns:
            clauses.append(columns[name] == value)
        elif name in arrays:
            clauses.append(arrays[name].op("@>")(_array([value])))
    if query.audiences is not None:
        clauses.append(SearchRow.audiences.op("&&")(_array(sorted(query.audiences))))
    return clauses


def _facet_counts(session: Session, where: ColumnElement) -> tuple[dict[str, dict[str, int]], int]:
    """Facet counts and the total over at most ``COUNTED_MATCHES + 1`` matching rows.

    Up to ``COUNTED_MATCHES`` matches both are exact. Beyond, the total is
    ``COUNTED_MATCHES + 1`` ("more than COUNTED_MATCHES") and the facet counts are lower
    bounds: counting 80,000 matches exactly means reading every matching heap row, which no
    index can avoid (GIN has no index-only scans) and which takes 150+ ms at 100k documents.
    """
    matches = (
        select(SearchRow.kind, SearchRow.status, SearchRow.themes, SearchRow.provinces)
        .where(where)
        .limit(COUNTED_MATCHES + 1)
        .subquery()
    )
    combinations = session.execute(
        select(matches, func.count()).group_by(*matches.c)  # a few hundred combinations at most
    )
    facets: dict[str, Counter[str]] = {name: Counter() for name in engine.FACETS}
    total = 0
    for kind, status, themes, provinces, count in combinations:
        total += count
        facets["kind"][kind] += count
        if status != "-":  # organisations have no status
            facets["status"][status] += count
        for theme in set(themes):
            facets["theme"][theme] += count
        for province in set(provinces):
            facets["province"][province] += count
    return {name: dict(counts) for name, counts in facets.items()}, total


def _page(
    session: Session,
    where: ColumnElement,
    tsquery: ColumnElement,
    total: int,
    query: engine.SearchQuery,
    page: int,
) -> list[engine.SearchHit]:
    candidates = select(SearchRow.id).where(where)
    if query.sort != "date" and total > RANKED_CANDIDATES:
        # ts_rank reads every candidate's tsvector: beyond RANKED_CANDIDATES matches only the
        # newest ones are ranked, which keeps a query for a very common word fast.
        # DESC NULLS FIRST: the date index read backwards, stopping after RANKED_CANDIDATES
        # matches, instead of sorting every match (NULLS LAST cannot use it).
        candidates = candidates.order_by(SearchRow.date.desc()).limit(RANKED_CANDIDATES)
    rank = func.ts_rank(SearchRow.vector, tsquery)
    order = (
        (SearchRow.date.desc().nulls_last(), SearchRow.id)
        if query.sort == "date"
        else (rank.desc(), SearchRow.id)
    )
    rows = session.execute(
        select(SearchRow, rank)
        .where(SearchRow.id.in_(candidates.scalar_subquery()))
        .order_by(*order)
        .limit(query.per_page)
        .offset((page - 1) * query.per_page)
    )
    return [
        engine.SearchHit(
            key=f"{row.kind}:{row.item_id}",
            kind=row.kind,
            title=row.title,
            body=row.body,
            context=row.context,
            lang=row.language,
            date=row.date,
            score=float(score),
        )
        for row, score in rows
    ]


def _corrections(session: Session, parsed: engine.ParsedQuery, vocabulary: Vocabulary) -> dict[str, str]:
    """Query words that match no document, with the closest word of ``search_word``."""
    corrections = {}
    for word in (*parsed.words, *(w for phrase in parsed.phrases for w in phrase)):
        found = (
            select(SearchRow.id).where(SearchRow.vector.op("@@")(_word_tsquery(word, vocabulary))).limit(1)
        )
        if session.scalar(found) is not None:
            continue
        candidates = session.scalars(
            select(SearchWord.word).where(
                SearchWord.word.startswith(word[0], autoescape=True),
                func.length(SearchWord.word).between(len(word) - 2, len(word) + 2),
            )
        )
        closest = engine.closest_word(word, candidates)
        if closest:
            corrections[word] = closest
    return corrections
