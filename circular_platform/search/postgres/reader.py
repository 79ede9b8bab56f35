"""Reading a search's matches: facet counts, the total and the ranked candidates in one statement,
a page of the newest matches beyond the counted ones, the hits' rows and spelling corrections.

A candidate is (id, rank, mask): ``mask`` has bit ``i`` set when the document has query word
``i`` (:attr:`TsQuery.labels`); candidates with more query words come first, then by rank."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Row,
    SQLColumnExpression,
    String,
    Text,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    null,
    select,
    union,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from circular_platform.models import SearchDocument as SearchRow
from circular_platform.models import SearchWord
from circular_platform.search.postgres.planner import (
    BACKWARDS_BY_DATE,
    SEQUENTIAL,
    THROUGH_GIN,
    with_settings,
)
from circular_platform.search.postgres.tsquery import Tier, TsQuery, as_tsquery
from matching.search import FACET_FIELDS, FACETS, SearchHit, SearchQuery, closest_words

NEWEST_WINDOW = 500  # beyond the counted matches, matches among this many newest documents are ranked too
_ARRAY_FACETS = {"theme", "province"}  # columns holding several values
Candidate = tuple[int, float, int]  # id, rank, mask of the query words present


def _flags(vector: SQLColumnExpression[Any], labels: tuple[bool, ...]) -> list[ColumnElement]:
    """Per query word, whether ``vector`` has it (``word_0``, ...: bound when the statement runs;
    a word without a part, a stop word, never)."""
    return [vector.op("@@")(as_tsquery(f"word_{i}")) if part else false() for i, part in enumerate(labels)]


def _mask(flags: list) -> ColumnElement:
    bits = [case((flag, 1 << i), else_=0) for i, flag in enumerate(flags)]
    return sum(bits[1:], bits[0]) if bits else literal(0)


def _count(flags: list) -> ColumnElement:
    ones = [cast(flag, Integer) for flag in flags]
    return sum(ones[1:], ones[0]) if ones else literal(0)


def words_present(mask: int) -> int:
    return bin(mask).count("1")


def query_values(tsquery: TsQuery, query: SearchQuery) -> dict[str, Any]:
    """The bound values of a statement built from :func:`_labels` and :func:`filter_names`."""
    words = {f"word_{i}": part for i, part in enumerate(tsquery.labels) if part}
    return {"tsquery": tsquery.text, **words, **filter_values(query)}


def _labels(tsquery: TsQuery) -> tuple[bool, ...]:
    return tuple(bool(part) for part in tsquery.labels)


def filter_names(query: SearchQuery) -> tuple[str, ...]:
    return tuple(sorted(name for name in query.filters if name in FACET_FIELDS))


def filter_values(query: SearchQuery) -> dict[str, Any]:
    values: dict[str, Any] = {f"filter_{name}": query.filters[name] for name in filter_names(query)}
    if query.audiences is not None:
        values["audiences"] = sorted(query.audiences)
    return values


def filter_clauses(
    names: tuple[str, ...], audiences: bool, columns: Any = SearchRow.__table__.c
) -> list[ColumnElement]:
    """The facet filters ``names`` and, with ``audiences``, the reader's audiences, on the
    table's ``columns`` or a subquery's; their values bound as :func:`filter_values` gives them."""
    clauses: list[ColumnElement] = []
    for name in names:
        column = columns[FACET_FIELDS[name]]
        value = bindparam(f"filter_{name}", type_=String(40))
        array = name in _ARRAY_FACETS
        clauses.append(column.op("@>")(postgresql.array([value])) if array else column == value)
    if audiences:
        clauses.append(columns.audiences.op("&&")(cast(bindparam("audiences", type_=_ARRAY), _ARRAY)))
    return clauses


_ARRAY = postgresql.ARRAY(String(40))


def _filters_of(query: SearchQuery) -> list[ColumnElement]:
    return filter_clauses(filter_names(query), query.audiences is not None)


@dataclass(frozen=True)
class Matches:
    """What :func:`read_matches` found: the total (``counted + 1`` when there are more), the
    facet counts, the best candidates and the mask of the query words any counted match has."""

    total: int
    facets: dict[str, dict[str, int]]
    ranked: list[Candidate]
    seen: int


@dataclass(frozen=True)
class _Shape:
    """What the SQL of :func:`read_matches` depends on; the rest is bound when it runs, so
    each shape is built and compiled once per process. ``ranked``: whether candidates are
    wanted (without, no row is ranked: the statement only counts)."""

    labels: tuple[bool, ...]
    filters: tuple[str, ...]
    audiences: bool
    sort: str
    sequential: bool
    ranked: bool


def read_matches(
    session: Session,
    tsquery: TsQuery,
    tier: Tier,
    query: SearchQuery,
    wanted: int,
    settings: dict[str, str],
    counted: int,
) -> Matches:
    """Over the first ``counted + 1`` matches of ``tier``: the total, the facet counts and the
    query words any of them has; the best ``wanted`` candidates among those and the matches of
    ``tier`` among the ``NEWEST_WINDOW`` newest documents. One statement, one GIN evaluation."""
    shape = _Shape(
        _labels(tsquery),
        filter_names(query),
        query.audiences is not None,
        query.sort,
        settings == SEQUENTIAL,
        wanted > 0,
    )
    values = {
        **query_values(tsquery, query),
        "matching": tier.text,
        "counted": counted + 1,
        "wanted": wanted,
        "newest": NEWEST_WINDOW,
    }
    with with_settings(session, settings):
        return _unpack(session.execute(_matches_statement(shape), values).all())


@lru_cache(maxsize=256)
def _matches_statement(shape: _Shape) -> Any:
    matched = _first_matches(shape)
    m = matched.c
    no_text, no_id, no_rank = cast(null(), Text), cast(null(), Integer), cast(null(), Float)
    no_mask = cast(null(), Integer)
    seen = _mask(_has(m, shape))
    rows = [
        select(literal("total"), no_text, func.count(), no_id, no_rank, no_mask).select_from(matched),
        select(literal("words"), no_text, cast(func.bit_or(seen), BigInteger), no_id, no_rank, no_mask),
        select(literal("kind"), m.kind, func.count(), no_id, no_rank, no_mask).group_by(m.kind),
        select(literal("status"), m.status, func.count(), no_id, no_rank, no_mask)
        .where(m.status != "-")
        .group_by(m.status),
    ]
    for facet, column in (("theme", m.themes), ("province", m.provinces)):
        values = select(func.unnest(column).label("value")).subquery()
        rows.append(
            select(literal(facet), values.c.value, func.count(), no_id, no_rank, no_mask).group_by(
                values.c.value
            )
        )
    if shape.ranked:
        best = _best(matched, _newest_matches(matched, shape), shape)
        rows.append(select(no_text, no_text, best.c.position, best.c.id, best.c.rank, best.c.mask))
    return union_all(*rows)


def _best(matched: Any, newest: Any, shape: _Shape) -> Any:
    """The best ``wanted`` candidates among the first matches and the newest ones."""
    m = matched.c
    n = newest.c
    candidates = union(
        select(m.id, m.date, m.rank, *_has(m, shape)), select(n.id, n.date, n.rank, *_has(n, shape))
    ).subquery()
    has = _has(candidates.c, shape)
    k = candidates.c
    order = (k.date.desc(), k.id) if shape.sort == "date" else (_count(has).desc(), k.rank.desc(), k.id)
    position = func.row_number().over(order_by=order).label("position")
    wanted = bindparam("wanted", type_=Integer)
    return select(k.id, k.rank, _mask(has).label("mask"), position).order_by(*order).limit(wanted).subquery()


def _has(columns: Any, shape: _Shape) -> list[Any]:
    return [columns[f"has_{i}"] for i in range(len(shape.labels))]


def _first_matches(shape: _Shape) -> Any:
    """The first ``counted + 1`` matches of the tier (``matching``), in the table's order, with
    their facet columns, their rank for the whole query (when ranked) and whether they have
    each query word (``has_0``, ...). Read through the table, the test is ``ts_match_vq``: the
    function behind ``@@``, which the GIN index does not serve."""
    c = SearchRow.__table__.c
    matching = as_tsquery("matching")
    test = func.ts_match_vq(c.vector, matching) if shape.sequential else c.vector.op("@@")(matching)
    flags = [flag.label(f"has_{i}") for i, flag in enumerate(_flags(c.vector, shape.labels))]
    rank = [func.ts_rank(c.vector, as_tsquery("tsquery")).label("rank")] if shape.ranked else []
    return (
        select(c.id, c.date, *rank, c.kind, c.status, c.themes, c.provinces, *flags)
        .where(test, *filter_clauses(shape.filters, shape.audiences))
        .limit(bindparam("counted", type_=Integer))
        .cte("matched")
        .prefix_with("MATERIALIZED")
    )


def _newest_matches(matched: Any, shape: _Shape) -> Any:
    """Matches of the tier among the ``NEWEST_WINDOW`` newest documents, with the columns of
    :func:`_first_matches` up to the rank and the flags: the LIMIT in a subquery makes
    PostgreSQL read those through the date index and test only them. Only when ``matched``
    holds more than the counted matches: else it holds these too, and PostgreSQL skips them."""
    columns = ("id", "date", "vector", "kind", "status", "themes", "provinces", "audiences")
    newest = (
        select(*(SearchRow.__table__.c[name] for name in columns))
        .order_by(SearchRow.date.desc())
        .limit(bindparam("newest", type_=Integer))  # NEWEST_WINDOW
        .subquery()
    )
    n = newest.c
    flags = [flag.label(f"has_{i}") for i, flag in enumerate(_flags(n.vector, shape.labels))]
    return (
        select(n.id, n.date, func.ts_rank(n.vector, as_tsquery("tsquery")).label("rank"), *flags)
        .where(n.vector.op("@@")(as_tsquery("matching")), *filter_clauses(shape.filters, shape.audiences, n))
        .where(select(func.count()).select_from(matched).scalar_subquery() >= bindparam("counted"))
        .cte("newest")
    )


def _unpack(rows: Sequence[Row]) -> Matches:
    total = seen = 0
    facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    best: list[tuple[int, Candidate]] = []
    for facet, value, number, id_, rank, mask in rows:
        if facet == "total":
            total = number
        elif facet == "words":
            seen = number or 0  # bit_or of no rows is NULL
        elif facet is not None:
            facets[facet][value] = number
        else:
            best.append((number, (id_, rank, mask)))  # number: the position
    return Matches(total, facets, [candidate for _, candidate in sorted(best)], seen)


def best_first(candidate: Candidate) -> tuple[int, float, int]:
    id_, rank, mask = candidate
    return -words_present(mask), -rank, id_


def newest_matches(session: Session, tsquery: TsQuery, query: SearchQuery, offset: int) -> list[Candidate]:
    """A page of the newest matches, read backwards through the date index: with more than
    the counted matches they are common enough to be found within a few thousand rows."""
    q = as_tsquery("tsquery")
    flags = _flags(SearchRow.vector, _labels(tsquery))
    statement = (
        select(SearchRow.id, func.ts_rank(SearchRow.vector, q), _mask(flags))
        .where(SearchRow.vector.op("@@")(q), *_filters_of(query))
        .order_by(SearchRow.date.desc(), SearchRow.id)
        .limit(query.per_page)
        .offset(offset)
    )
    with with_settings(session, BACKWARDS_BY_DATE):
        rows = session.execute(statement, query_values(tsquery, query))
        return [(id_, rank, mask) for id_, rank, mask in rows]


def hits(session: Session, ranked: list[Candidate], labels: tuple[str, ...]) -> list[SearchHit]:
    """The candidates' rows as hits, each with the query words (``labels``) it lacks."""
    c = SearchRow.__table__.c
    found = session.execute(
        select(c.id, c.kind, c.item_id, c.title, c.body, c.context, c.language, c.date).where(
            c.id.in_([candidate[0] for candidate in ranked])
        )
    )
    rows = {row.id: row for row in found}
    return [
        _hit(rows[id_], float(rank), tuple(w for i, w in enumerate(labels) if not mask >> i & 1))
        for id_, rank, mask in ranked
        if id_ in rows
    ]


def _hit(row: Row, score: float, missing: tuple[str, ...]) -> SearchHit:
    return SearchHit(
        key=f"{row.kind}:{row.item_id}",
        kind=row.kind,
        title=row.title,
        body=row.body,
        context=row.context,
        lang=row.language,
        date=row.date,
        score=score,
        missing=missing,
    )


def corrections(
    session: Session, tsquery: TsQuery, query: SearchQuery, seen: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Query words that match no document the reader may see, with the closest word of
    ``search_word`` that occurs in one: a suggestion never reveals a word of a document the
    reader may not see (``search_word`` holds the words of every document). Words in ``seen``
    were found in a visible match already."""
    corrections = {}
    for word, part in tsquery.words.items():
        if word in tsquery.common or word in seen:
            continue
        if part and _visible_match(session, as_tsquery("word"), query, {"word": part}):
            continue
        candidates = session.scalars(
            select(SearchWord.word).where(
                SearchWord.word.startswith(word[0], autoescape=True),
                func.length(SearchWord.word).between(len(word) - 2, len(word) + 2),
            )
        )
        for candidate in closest_words(word, candidates)[:MAX_SUGGESTION_CHECKS]:
            if _visible_match(session, _any_config(candidate), query, {}):
                corrections[word] = candidate
                break
    return corrections


MAX_SUGGESTION_CHECKS = 5  # closest words tested for a visible document, one index lookup each


def _visible_match(
    session: Session, tsquery: ColumnElement, query: SearchQuery, values: dict[str, str]
) -> bool:
    found = select(SearchRow.id).where(SearchRow.vector.op("@@")(tsquery), *_filters_of(query)).limit(1)
    with with_settings(session, THROUGH_GIN):
        return session.scalar(found, {**values, **filter_values(query)}) is not None


def _any_config(word: str) -> ColumnElement:
    """``word`` stemmed in both configurations the documents use, either matching."""
    dutch, english = (
        func.plainto_tsquery(literal_column(f"'{c}'::regconfig"), word) for c in ("dutch", "english")
    )
    return dutch.op("||")(english)
