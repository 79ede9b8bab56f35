"""The two search backends behind one interface, chosen by ``SEARCH_BACKEND``.

``whoosh`` (default) keeps a Whoosh index in ``SEARCH_INDEX_DIR``; ``postgres`` keeps
``search_document`` rows with a ``tsvector`` (PostgreSQL's ``dutch`` or ``english``
configuration per document) in the application's own database. Both read queries with
:func:`matching.search_index.parse_query`, so they accept the same syntax.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import reduce
from typing import Protocol

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    func,
    literal,
    literal_column,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from circular_platform.models import SearchDocument as SearchRow
from circular_platform.models import SearchWord
from matching import analysis
from matching import search_index as engine

log = logging.getLogger(__name__)
Known = Callable[[set[str]], set[str]]


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

    def search(self, session: Session, query: engine.SearchQuery) -> engine.SearchResults:
        return self.index.search(query)


# The PostgreSQL backend --------------------------------------------------------------------------

_CONFIG = {"nl": "dutch", "en": "english"}
_DRAIN_LOCK = 7_262_001  # pg_advisory_xact_lock key: one index writer at a time


def _config(name: str) -> ColumnElement:
    return literal_column(f"'{name}'::regconfig")


def _weighted(config: str, value: str, weight: str) -> ColumnElement:
    return func.setweight(func.to_tsvector(_config(config), value), literal_column(f"'{weight}'::\"char\""))


class PostgresBatch:
    def __init__(self, session: Session) -> None:
        self.session = session

    def clear(self) -> None:
        # DELETE rather than TRUNCATE: searches keep seeing the old rows until the commit.
        self.session.execute(SearchRow.__table__.delete())
        self.session.execute(SearchWord.__table__.delete())

    def write(self, upserts: Iterable[engine.SearchDocument], deletes: Iterable[str]) -> None:
        for key in deletes:
            kind, _, item_id = key.partition(":")
            self.session.execute(
                SearchRow.__table__.delete().where(SearchRow.kind == kind, SearchRow.item_id == int(item_id))
            )
        for document in upserts:
            self._upsert(document)

    def _upsert(self, document: engine.SearchDocument) -> None:
        kind, _, item_id = document.key.partition(":")
        config = _CONFIG.get(document.lang, "dutch")
        folded = {name: analysis.fold(getattr(document, name)) for name in ("title", "body", "context")}
        words = {w for t in folded.values() for w in engine.query_words(t) if len(w) <= 60}
        reversed_stems = " ".join(analysis.stem(w, document.lang)[::-1] for w in words)
        vector = (
            _weighted(config, folded["title"], "A")
            .op("||")(_weighted(config, folded["context"], "B"))
            .op("||")(_weighted(config, folded["body"], "C"))
            .op("||")(_weighted("simple", reversed_stems, "D"))
        )
        values = {
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
            "vector": vector,
        }
        insert = postgresql.insert(SearchRow.__table__).values(values)
        self.session.execute(
            insert.on_conflict_do_update(
                index_elements=["kind", "item_id"],
                set_={k: insert.excluded[k] for k in values if k not in ("kind", "item_id")},
            )
        )
        if words:
            self.session.execute(
                postgresql.insert(SearchWord.__table__).on_conflict_do_nothing(),
                [{"word": w} for w in sorted(words)],
            )


class PostgresBackend:
    """Writes happen in the caller's transaction, serialised by an advisory lock."""

    needs_rebuild = False

    @contextmanager
    def writing(self, session: Session) -> Iterator[Batch]:
        session.execute(select(func.pg_advisory_xact_lock(_DRAIN_LOCK)))
        yield PostgresBatch(session)

    def recover(self) -> None:
        pass  # the table lives in the database: nothing to repair

    def search(self, session: Session, query: engine.SearchQuery) -> engine.SearchResults:
        parsed = engine.parse_query(query.text)
        if parsed.is_empty:
            return engine.SearchResults([], 0, 1, query.per_page, {}, empty_query=True)
        known = _known_words(session)
        matches = SearchRow.vector.op("@@")(_tsquery(parsed, known))
        where = and_(matches, *_filters(query))
        facets = _facet_counts(session, where)
        total = sum(facets.get("kind", {}).values())
        page = min(max(1, query.page), max(1, -(-total // query.per_page)))
        hits = _page(session, where, parsed, known, query, page)
        return engine.SearchResults(
            hits=hits,
            total=total,
            page=page,
            per_page=query.per_page,
            facets=facets,
            suggestion=engine.suggest_text(parsed, _corrections(session, parsed, known)),
            terms=parsed.terms,
        )


def _known_words(session: Session) -> Known:
    def known(words: set[str]) -> set[str]:
        return set(session.scalars(select(SearchWord.word).where(SearchWord.word.in_(words))))

    return known


def _ts(function: str, config: str, value: str) -> ColumnElement:
    return getattr(func, function)(_config(config), value)


def _word_tsquery(word: str, known: Known, expand: bool = True) -> ColumnElement:
    options = [_ts("plainto_tsquery", c, word) for c in ("dutch", "english")]
    stem = analysis.stem(word, "nl")
    if expand and len(stem) >= engine.MIN_AFFIX:
        options += [_ts("to_tsquery", "simple", f"{stem}:*"), _ts("to_tsquery", "simple", f"{stem[::-1]}:*")]
    parts = engine.compound_parts(word, known) if expand and not known({word}) else []
    if parts:
        options.append(_all([_word_tsquery(p, known, expand=False) for p in parts]))
    return _any(options)


def _any(queries: list[ColumnElement]) -> ColumnElement:
    return reduce(func.tsquery_or, queries)


def _all(queries: list[ColumnElement]) -> ColumnElement:
    return reduce(func.tsquery_and, queries)


def _tsquery(parsed: engine.ParsedQuery, known: Known) -> ColumnElement:
    clauses = [_word_tsquery(w, known) for w in parsed.words]
    clauses += [
        _any([_ts("phraseto_tsquery", c, " ".join(phrase)) for c in ("dutch", "english")])
        for phrase in parsed.phrases
    ]
    clauses += [func.tsquery_not(_word_tsquery(w, known, expand=False)) for w in parsed.excluded]
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


def _facet_counts(session: Session, where: ColumnElement) -> dict[str, dict[str, int]]:
    matched = select(SearchRow.kind, SearchRow.status, SearchRow.themes, SearchRow.provinces).where(where)
    m = matched.cte("matched")
    theme = func.unnest(m.c.themes).table_valued("value").render_derived(name="theme")
    province = func.unnest(m.c.provinces).table_valued("value").render_derived(name="province")
    parts: list[Select] = [
        select(literal("kind"), m.c.kind, func.count()).group_by(m.c.kind),
        select(literal("status"), m.c.status, func.count()).group_by(m.c.status),
        select(literal("theme"), theme.c.value, func.count())
        .select_from(m)
        .join(theme, true())
        .group_by(theme.c.value),
        select(literal("province"), province.c.value, func.count())
        .select_from(m)
        .join(province, true())
        .group_by(province.c.value),
    ]
    facets: dict[str, dict[str, int]] = {name: {} for name in engine.FACETS}
    for facet, value, count in session.execute(union_all(*parts)):
        facets[facet][value] = count
    return facets


def _page(
    session: Session,
    where: ColumnElement,
    parsed: engine.ParsedQuery,
    known: Known,
    query: engine.SearchQuery,
    page: int,
) -> list[engine.SearchHit]:
    rank = func.ts_rank(SearchRow.vector, _tsquery(parsed, known))
    order = (
        (SearchRow.date.desc().nulls_last(), SearchRow.id)
        if query.sort == "date"
        else (rank.desc(), SearchRow.id)
    )
    rows = session.execute(
        select(SearchRow, rank)
        .where(where)
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


def _corrections(session: Session, parsed: engine.ParsedQuery, known: Known) -> dict[str, str]:
    """Query words that match no document, with the closest word of ``search_word``."""
    corrections = {}
    for word in (*parsed.words, *(w for phrase in parsed.phrases for w in phrase)):
        found = select(SearchRow.id).where(SearchRow.vector.op("@@")(_word_tsquery(word, known))).limit(1)
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
