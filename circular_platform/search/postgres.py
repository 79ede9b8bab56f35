"""The PostgreSQL search backend: ``search_document`` rows with a ``tsvector`` in the application's
own database, for deployments with several app servers.

Each document's vector is made with PostgreSQL's ``dutch`` or ``english`` configuration (the
document's language); title, context and body weigh A, B and C. A query word matches its stem
in either configuration, the compounds that start or end with it (``isolatie`` ->
``hennepisolatie``, looked up in ``search_word``) and, for a compound query word, its parts
together. The query is built here as one ``tsquery`` text, from lexemes PostgreSQL stems in a
single round trip, so every statement after that gets it as one bound value.

A search costs one evaluation of the GIN index. It reads the first ``COUNTED_MATCHES + 1``
matches: up to ``COUNTED_MATCHES`` the total and the facets are exact and every match is ranked.
Beyond, reading every match's row would cost 100+ ms at 100k documents (GIN has no index-only
scans), so the page says "more than ``COUNTED_MATCHES``", the facet counts are lower bounds,
and relevance ranks the matches read plus those among the ``NEWEST_WINDOW`` newest documents;
sorted by date, the newest matches come straight from the date index.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Row,
    String,
    Text,
    any_,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from circular_platform.models import SearchDocument as SearchRow
from circular_platform.models import SearchWord
from matching import analysis
from matching import search_index as engine

COUNTED_MATCHES = 1000  # matches counted exactly for the total and the facets
# Costs in microseconds, measured at 100k documents: testing one row's vector while reading the
# table; one posting in the GIN index; fetching one matched row the index found.
_ROW_COST, _POSTING_COST, _FETCH_COST = 4.0, 0.25, 10.0
NEWEST_WINDOW = 500  # beyond COUNTED_MATCHES, matches among this many newest documents are ranked too
_CONFIG = {"nl": "dutch", "en": "english"}
_CONFIGS = ("dutch", "english")
_ARRAY_FACETS = {"theme", "province"}  # columns holding several values
_DRAIN_LOCK = 7_262_001  # pg_advisory_xact_lock key: one index writer at a time
_NO_DATE = datetime(1970, 1, 1, tzinfo=UTC)  # the date column is NOT NULL, so the index sorts both ways


# Writing ------------------------------------------------------------------------------------------


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
    values |= {name: bindparam(name, type_=SearchRow.__table__.c[name].type) for name in columns}
    insert = postgresql.insert(SearchRow.__table__).values(values)
    return insert.on_conflict_do_update(
        index_elements=["kind", "item_id"],
        set_={name: insert.excluded[name] for name in (*columns, "vector")},
    )


_UPSERT = _upsert_statement()


# Searching ----------------------------------------------------------------------------------------


class PostgresBackend:
    """Writes happen in the caller's transaction, serialised by an advisory lock."""

    needs_rebuild = False

    @contextmanager
    def writing(self, session: Session) -> Iterator[PostgresBatch]:
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
        statistics = Statistics.of(session)
        tsquery = QueryBuilder(session, parsed, statistics).build()
        wanted = max(1, query.page) * query.per_page
        settings = _scan_settings(statistics, tsquery, query)
        rows = _read_matches(session, tsquery, query, wanted, settings) if tsquery.text else []
        total, facets, ranked = _unpack(rows)
        page = min(max(1, query.page), max(1, -(-total // query.per_page)))
        offset = (page - 1) * query.per_page
        if total > COUNTED_MATCHES and query.sort == "date":
            ranked = _newest_matches(session, tsquery, query, offset)
        else:
            if total > COUNTED_MATCHES:
                ranked = sorted(set(ranked) | set(_among_newest(session, tsquery, query)), key=_best_first)
            ranked = ranked[offset : offset + query.per_page]
        # A word without hits leaves the whole query without hits: only then look for typos.
        corrections = _corrections(session, tsquery) if total == 0 else {}
        return engine.SearchResults(
            hits=_hits(session, ranked) if ranked else [],
            total=total,
            page=page,
            per_page=query.per_page,
            facets=facets,
            suggestion=engine.suggest_text(parsed, corrections),
            terms=parsed.terms,
            counted_up_to=COUNTED_MATCHES if total > COUNTED_MATCHES else None,
        )


@dataclass(frozen=True)
class TsQuery:
    text: str  # the whole query in to_tsquery syntax; empty when only stop words were left
    words: dict[str, str]  # each searched word (of words and phrases) with its own part
    common: frozenset[str] = frozenset()  # words the statistics count: they match documents
    share: float = 0.0  # estimated share of the documents matching (0: unknown or rare)
    postings: float = 0.0  # estimated postings the GIN index reads, per document


Options = dict[str, float]  # tsqueries any of which matches a word, with their estimated shares


class QueryBuilder:
    """One query's ``tsquery`` text, from one round trip (:meth:`_load`). Lexemes' shares of the
    documents (from ``statistics``) give the estimated share of documents the query matches."""

    def __init__(self, session: Session, parsed: engine.ParsedQuery, statistics: Statistics) -> None:
        self.session = session
        self.parsed = parsed
        self.statistics = statistics
        self.affixed: dict[str, list[str]] = {}
        self.known: set[str] = set()
        self.parts: dict[str, list[str]] = {}
        self.queries: dict[str, list[str]] = {}  # word or phrase -> its tsquery in each configuration

    def build(self) -> TsQuery:
        phrases = [" ".join(p) for p in self.parsed.phrases]
        self._load(phrases)
        self.parts = {
            w: engine.compound_parts(w, lambda words: words & self.known)
            for w in self.parsed.words
            if w not in self.known
        }
        words = {w: self._options(w) for w in self.parsed.words}
        # A phrase's share is unknown (it depends on positions): 0, so it goes through the index.
        clauses = [o for o in words.values() if o] + [
            {q: 0.0 for q in self.queries.get(p, [])} for p in phrases
        ]
        # The rarest word first: a document that lacks it fails the test soonest.
        clauses = sorted((o for o in clauses if o), key=_share)
        excluded = [o for o in (self._options(w, expand=False) for w in self.parsed.excluded) if o]
        excluded = excluded if clauses else []
        searched = {**words, **{w: self._options(w) for p in self.parsed.phrases for w in p}}
        return TsQuery(
            text=" & ".join([*map(_any, clauses), *(f"!{_any(options)}" for options in excluded)]),
            words={w: _any(options) if options else "" for w, options in searched.items()},
            common=frozenset(w for w, options in searched.items() if _share(options) > 0),
            share=0.0 if excluded else math.prod(map(_share, clauses)),
            postings=sum(map(_share, clauses)),
        )

    def _load(self, phrases: list[str]) -> None:
        """In one round trip: the tsqueries of the query's words and phrases in both
        configurations (stemmed by PostgreSQL as the documents' vectors were; a stop word has
        none), of the known words among their parts, and of the compounds with a query word in
        them (Dutch only: English does not glue words together)."""
        words = self.parsed.words
        given = sorted({*words, *self.parsed.excluded, *(w for p in self.parsed.phrases for w in p)})
        # Every substring of 3+ letters, the word itself included: a known word is not split.
        parts = {
            w[i:j] for w in words if len(w) >= 6 for i in range(len(w)) for j in range(i + 3, len(w) + 1)
        }
        values = [_unnest(given, phrase=False), _unnest(phrases, phrase=True)]
        known = select(literal(_KNOWN), SearchWord.word, *_tsqueries(SearchWord.word)).where(
            SearchWord.word == any_(literal(sorted(parts), postgresql.ARRAY(Text)))  # one parameter, not ~100
        )
        stems = [(i, analysis.stem(w, "nl")) for i, w in enumerate(words)]
        lookups = [_affix_lookup(i, stem) for i, stem in stems if len(stem) >= engine.MIN_AFFIX]
        for index, word, dutch, english in self.session.execute(union_all(*values, known, *lookups)):
            if index >= 0:  # a compound with query word ``index`` in it
                if word != words[index] and dutch:
                    self.affixed.setdefault(words[index], []).append(word)
                    self.queries[word] = [dutch]
                continue
            if index == _KNOWN:
                self.known.add(word)
            self.queries[word] = [q for q in dict.fromkeys((dutch, english)) if q]

    def _options(self, word: str, expand: bool = True) -> Options:
        """The tsqueries any of which matches ``word``: its stems, the compounds it is part of,
        and (for a compound) its parts together."""
        texts = list(self.queries.get(word, []))
        if expand:
            texts += [q for compound in self.affixed.get(word, []) for q in self.queries.get(compound, [])]
        options = {q: self.statistics.lexemes_share(_LEXEME.findall(q)) for q in texts}
        parts = [self._options(p, expand=False) for p in self.parts.get(word, [])] if expand else []
        if parts and all(parts):
            options[" & ".join(map(_any, parts))] = math.prod(map(_share, parts))
        return options


_LEXEME = re.compile(r"'((?:[^']|'')*)'")  # a lexeme in a tsquery's text (plainto_ ANDs them)
_GIVEN, _KNOWN = -2, -1  # what a row of QueryBuilder._load is, when it is no compound


def _tsqueries(value: ColumnElement, phrase: bool = False) -> list[ColumnElement]:
    """``value`` as a tsquery text in each configuration: plainto_ for a word (a hyphenated one
    gives its parts ANDed), phraseto_ for a phrase."""
    function = func.phraseto_tsquery if phrase else func.plainto_tsquery
    return [cast(function(_regconfig(c), value), Text) for c in _CONFIGS]


def _unnest(texts: list[str], phrase: bool) -> Any:
    value = func.unnest(literal(texts, postgresql.ARRAY(Text))).table_valued("value").render_derived().c.value
    return select(literal(_GIVEN), value, *_tsqueries(value, phrase))


def _any(options: Options) -> str:
    return "( " + " | ".join(f"( {o} )" for o in options) + " )"


def _share(options: Options) -> float:
    return min(1.0, sum(options.values()))


def _regconfig(name: str) -> ColumnElement:
    return literal_column(f"'{name}'::regconfig")


def _affix_lookup(index: int, stem: str) -> Any:
    """Up to ``MAX_AFFIXED`` words that start with ``stem`` or whose Dutch stem ends in it, the
    shortest first (as the Whoosh backend picks them: the closest to the query word)."""
    found = (
        select(SearchWord.word)
        .where(
            or_(
                SearchWord.word.startswith(stem, autoescape=True),
                SearchWord.reversed_stem.startswith(stem[::-1], autoescape=True),
            )
        )
        .order_by(func.length(SearchWord.word), SearchWord.word)
        .limit(engine.MAX_AFFIXED + 1)  # the query word itself may be among them
        .subquery()
    )
    return select(literal(index), found.c.word, *_tsqueries(found.c.word))


def _tsquery(value: str) -> ColumnElement:
    return cast(bindparam("tsquery", value, type_=Text), postgresql.TSQUERY)


def _filters(query: engine.SearchQuery, columns: Any = SearchRow.__table__.c) -> list[ColumnElement]:
    """The facet filters and the reader's audiences, on the table's ``columns`` or a subquery's."""
    clauses: list[ColumnElement] = []
    for name, value in query.filters.items():
        if name not in engine.FACET_FIELDS:
            continue
        column = columns[engine.FACET_FIELDS[name]]
        clauses.append(column.op("@>")(_array([value])) if name in _ARRAY_FACETS else column == value)
    if query.audiences is not None:
        clauses.append(columns.audiences.op("&&")(_array(sorted(query.audiences))))
    return clauses


def _array(values: list[str]) -> ColumnElement:
    return postgresql.array(values, type_=String(40))


@contextmanager
def _planner(session: Session, settings: dict[str, str]) -> Iterator[None]:
    """Planner settings for the statements inside, undone after: rolling back to a savepoint
    undoes SET LOCAL (and these statements only read). One round trip each way."""
    connection = session.connection()
    assignments = "".join(f"SET LOCAL {name} = {value}; " for name, value in settings.items())
    connection.exec_driver_sql(f"SAVEPOINT search_plan; {assignments}")
    try:
        yield
    finally:
        connection.exec_driver_sql("ROLLBACK TO SAVEPOINT search_plan; RELEASE SAVEPOINT search_plan")


# How the matches are read. PostgreSQL's own choice goes wrong both ways: with a LIMIT it reads
# the whole table for common words that rarely meet (100+ ms), and it builds a GIN bitmap of
# 80,000 rows for words in most documents, where reading the table finds 1,000 in a few ms.
# So the search chooses, from the shares of documents the words are in: reading the table
# costs a row per (COUNTED_MATCHES + 1) / share, the index a posting per document of each word.
_SEQUENTIAL = {"enable_bitmapscan": "off", "enable_indexscan": "off", "synchronize_seqscans": "off"}
_THROUGH_GIN = {"enable_seqscan": "off", "enable_indexscan": "off"}
_BACKWARDS_BY_DATE = {"enable_seqscan": "off", "enable_bitmapscan": "off"}


class Statistics:
    """Shares of the documents that hold a lexeme or a facet value, from PostgreSQL's statistics
    of ``search_document`` (its most common lexemes and values, kept by ANALYZE and autovacuum),
    read at most once a minute per process."""

    _cached: tuple[float, Statistics] | None = None
    _lock = threading.Lock()

    def __init__(self, shares: dict[tuple[str, str], float], documents: float = 0.0) -> None:
        self.shares = shares
        self.documents = documents

    @classmethod
    def of(cls, session: Session, max_age: float = 60.0) -> Statistics:
        with cls._lock:
            if cls._cached is None or time.monotonic() - cls._cached[0] > max_age:
                cls._cached = (time.monotonic(), cls._read(session))
            return cls._cached[1]

    @staticmethod
    def _read(session: Session) -> Statistics:
        rows = session.execute(
            text(
                "SELECT attname, most_common_vals::text::text[], most_common_freqs,"
                " most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
                " WHERE schemaname = current_schema() AND tablename = 'search_document'"
            )
        )
        shares = {}
        for column, values, value_shares, elements, element_shares in rows:
            # zip() drops the three summary numbers at the end of most_common_elem_freqs.
            shares |= {(column, v): f for v, f in zip(values or (), value_shares or (), strict=False)}
            shares |= {(column, e): f for e, f in zip(elements or (), element_shares or (), strict=False)}
        documents = session.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = 'search_document'::regclass")
        )
        return Statistics(shares, max(0.0, documents or 0.0))

    def lexemes_share(self, lexemes: list[str]) -> float:
        """Of documents holding all ``lexemes``, as if independent; 0 for a lexeme too rare to
        be among the most common ones."""
        return math.prod(self.shares.get(("vector", x.replace("''", "'")), 0.0) for x in lexemes)

    def filters_share(self, query: engine.SearchQuery) -> float:
        share = 1.0
        for name, value in query.filters.items():
            share *= self.shares.get((engine.FACET_FIELDS.get(name, name), value), 0.0)
        if query.audiences is not None:
            share *= max((self.shares.get(("audiences", a), 0.0) for a in query.audiences), default=0.0)
        return share


def _scan_settings(statistics: Statistics, tsquery: TsQuery, query: engine.SearchQuery) -> dict[str, str]:
    """The cheaper way to the first matches. Filters count as independent of the words."""
    share = tsquery.share * statistics.filters_share(query)
    documents = statistics.documents
    if share <= 0 or documents <= 0:
        return _THROUGH_GIN
    wanted = COUNTED_MATCHES + 1
    by_table = min(documents, wanted / share) * _ROW_COST
    by_index = documents * tsquery.postings * _POSTING_COST + min(wanted, documents * share) * _FETCH_COST
    return _SEQUENTIAL if by_table < by_index else _THROUGH_GIN


def _read_matches(
    session: Session, tsquery: TsQuery, query: engine.SearchQuery, wanted: int, settings: dict[str, str]
) -> Sequence[Row]:
    """Facet counts and the total over the first ``COUNTED_MATCHES + 1`` matches, and the ids of
    the best ``wanted`` candidates, in one statement (one GIN evaluation).

    Rows come back as (facet, value, count) for the facets and the total ("total", None, n),
    then (None, None, position, id, rank) for the candidates.
    """
    q = _tsquery(tsquery.text)
    c = SearchRow.__table__.c
    matched = (
        select(c.id, c.kind, c.status, c.themes, c.provinces, c.date, func.ts_rank(c.vector, q).label("rank"))
        .where(c.vector.op("@@")(q), *_filters(query))
        .limit(COUNTED_MATCHES + 1)
        .cte("matched")
        .prefix_with("MATERIALIZED")
    )
    m = matched.c
    order = (m.date.desc(), m.id) if query.sort == "date" else (m.rank.desc(), m.id)
    best = (
        select(m.id, m.rank, func.row_number().over(order_by=order).label("position"))
        .order_by(*order)
        .limit(wanted)
        .subquery()
    )
    no_text, no_id, no_rank = cast(null(), Text), cast(null(), Integer), cast(null(), Float)
    facet_rows = [
        select(literal("total"), no_text, func.count(), no_id, no_rank).select_from(matched),
        select(literal("kind"), matched.c.kind, func.count(), no_id, no_rank).group_by(matched.c.kind),
        select(literal("status"), matched.c.status, func.count(), no_id, no_rank)
        .where(matched.c.status != "-")
        .group_by(matched.c.status),
    ]
    for facet, column in (("theme", matched.c.themes), ("province", matched.c.provinces)):
        values = select(func.unnest(column).label("value")).subquery()
        facet_rows.append(
            select(literal(facet), values.c.value, func.count(), no_id, no_rank).group_by(values.c.value)
        )
    page_rows = select(no_text, no_text, best.c.position, best.c.id, best.c.rank)
    with _planner(session, settings):
        return session.execute(union_all(*facet_rows, page_rows)).all()


def _unpack(rows: Sequence[Row]) -> tuple[int, dict[str, dict[str, int]], list[tuple[int, float]]]:
    """The total, the facet counts and the ranked (id, rank) candidates of :func:`_read_matches`."""
    total = 0
    facets: dict[str, dict[str, int]] = {name: {} for name in engine.FACETS}
    best: list[tuple[int, int, float]] = []
    for facet, value, number, id_, rank in rows:
        if facet == "total":
            total = number
        elif facet is not None:
            facets[facet][value] = number
        else:
            best.append((number, id_, rank))  # number: the position
    return total, facets, [(id_, rank) for _, id_, rank in sorted(best)]


def _among_newest(session: Session, tsquery: TsQuery, query: engine.SearchQuery) -> list[tuple[int, float]]:
    """Matches among the ``NEWEST_WINDOW`` newest documents: the LIMIT in a subquery makes
    PostgreSQL read those through the date index and test only them."""
    q = _tsquery(tsquery.text)
    columns = ("id", "date", "vector", "kind", "status", "themes", "provinces", "audiences")
    newest = (
        select(*(SearchRow.__table__.c[name] for name in columns))
        .order_by(SearchRow.date.desc())
        .limit(NEWEST_WINDOW)
        .subquery()
    )
    statement = select(newest.c.id, func.ts_rank(newest.c.vector, q)).where(
        newest.c.vector.op("@@")(q), *_filters(query, newest.c)
    )
    return [(id_, rank) for id_, rank in session.execute(statement)]


def _best_first(candidate: tuple[int, float]) -> tuple[float, int]:
    id_, rank = candidate
    return -rank, id_


def _newest_matches(
    session: Session, tsquery: TsQuery, query: engine.SearchQuery, offset: int
) -> list[tuple[int, float]]:
    """A page of the newest matches, read backwards through the date index: with more than
    ``COUNTED_MATCHES`` matches they are common enough to be found within a few thousand rows."""
    q = _tsquery(tsquery.text)
    statement = (
        select(SearchRow.id, func.ts_rank(SearchRow.vector, q))
        .where(SearchRow.vector.op("@@")(q), *_filters(query))
        .order_by(SearchRow.date.desc(), SearchRow.id)
        .limit(query.per_page)
        .offset(offset)
    )
    with _planner(session, _BACKWARDS_BY_DATE):
        return [(id_, rank) for id_, rank in session.execute(statement)]


def _hits(session: Session, ranked: list[tuple[int, float]]) -> list[engine.SearchHit]:
    c = SearchRow.__table__.c
    found = session.execute(
        select(c.id, c.kind, c.item_id, c.title, c.body, c.context, c.language, c.date).where(
            c.id.in_([id_ for id_, _ in ranked])
        )
    )
    rows = {row.id: row for row in found}
    return [_hit(rows[id_], float(rank)) for id_, rank in ranked if id_ in rows]


def _hit(row: Row, score: float) -> engine.SearchHit:
    return engine.SearchHit(
        key=f"{row.kind}:{row.item_id}",
        kind=row.kind,
        title=row.title,
        body=row.body,
        context=row.context,
        lang=row.language,
        date=row.date,
        score=score,
    )


def _corrections(session: Session, tsquery: TsQuery) -> dict[str, str]:
    """Query words that match no document, with the closest word of ``search_word``."""
    corrections = {}
    for word, part in tsquery.words.items():
        if word in tsquery.common:
            continue
        if part:
            found = select(SearchRow.id).where(SearchRow.vector.op("@@")(_tsquery(part))).limit(1)
            with _planner(session, _THROUGH_GIN):
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
