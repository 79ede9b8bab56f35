"""Reading a search's matches: facet counts, the total and the ranked candidates in one statement,
a page of the newest matches beyond the counted ones, the hits' rows and spelling corrections.

A candidate is (id, rank, mask): ``mask`` has bit ``i`` set when the document has query word
``i`` (:attr:`TsQuery.labels`); candidates with more query words come first, then by rank."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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


def _flags(vector: SQLColumnExpression[Any], tsquery: TsQuery) -> list[ColumnElement]:
    """Per query word, whether ``vector`` has it."""
    return [
        vector.op("@@")(as_tsquery(part, f"word_{i}")) if part else false()
        for i, part in enumerate(tsquery.labels)
    ]


def _mask(flags: list) -> ColumnElement:
    bits = [case((flag, 1 << i), else_=0) for i, flag in enumerate(flags)]
    return sum(bits[1:], bits[0]) if bits else literal(0)


def _count(flags: list) -> ColumnElement:
    ones = [cast(flag, Integer) for flag in flags]
    return sum(ones[1:], ones[0]) if ones else literal(0)


def words_present(mask: int) -> int:
    return bin(mask).count("1")


def filter_clauses(query: SearchQuery, columns: Any = SearchRow.__table__.c) -> list[ColumnElement]:
    """The facet filters and the reader's audiences, on the table's ``columns`` or a subquery's."""
    clauses: list[ColumnElement] = []
    for name, value in query.filters.items():
        if name not in FACET_FIELDS:
            continue
        column = columns[FACET_FIELDS[name]]
        clauses.append(column.op("@>")(_array([value])) if name in _ARRAY_FACETS else column == value)
    if query.audiences is not None:
        clauses.append(columns.audiences.op("&&")(_array(sorted(query.audiences))))
    return clauses


def _array(values: list[str]) -> ColumnElement:
    return postgresql.array(values, type_=String(40))


@dataclass(frozen=True)
class Matches:
    """What :func:`read_matches` found: the total (``counted + 1`` when there are more), the
    facet counts, the best candidates and the mask of the query words any counted match has."""

    total: int
    facets: dict[str, dict[str, int]]
    ranked: list[Candidate]
    seen: int


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
    matched = _first_matches(tsquery, tier, query, settings, counted)
    newest = _newest_matches(tsquery, tier, query)
    m = matched.c
    n = newest.c
    candidates = union(
        select(m.id, m.date, m.rank, *_has(m, tsquery)), select(n.id, n.date, n.rank, *_has(n, tsquery))
    ).subquery()
    has = _has(candidates.c, tsquery)
    k = candidates.c
    order = (k.date.desc(), k.id) if query.sort == "date" else (_count(has).desc(), k.rank.desc(), k.id)
    position = func.row_number().over(order_by=order).label("position")
    best = select(k.id, k.rank, _mask(has).label("mask"), position).order_by(*order).limit(wanted).subquery()
    no_text, no_id, no_rank = cast(null(), Text), cast(null(), Integer), cast(null(), Float)
    no_mask = cast(null(), Integer)
    seen = _mask(_has(m, tsquery))
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
    rows.append(select(no_text, no_text, best.c.position, best.c.id, best.c.rank, best.c.mask))
    with with_settings(session, settings):
        return _unpack(session.execute(union_all(*rows)).all())


def _has(columns: Any, tsquery: TsQuery) -> list[Any]:
    return [columns[f"has_{i}"] for i in range(len(tsquery.labels))]


def _first_matches(
    tsquery: TsQuery, tier: Tier, query: SearchQuery, settings: dict[str, str], counted: int
) -> Any:
    """The first ``counted + 1`` matches of ``tier``, in the table's order, with their facet
    columns, their rank for the whole query and whether they have each query word (``has_0``,
    ...). Read through the table, the test is ``ts_match_vq``: the function behind ``@@``,
    which the GIN index does not serve."""
    c = SearchRow.__table__.c
    matching = as_tsquery(tier.text, "matching")
    test = func.ts_match_vq(c.vector, matching) if settings == SEQUENTIAL else c.vector.op("@@")(matching)
    flags = [flag.label(f"has_{i}") for i, flag in enumerate(_flags(c.vector, tsquery))]
    return (
        select(
            c.id,
            c.date,
            func.ts_rank(c.vector, as_tsquery(tsquery.text)).label("rank"),
            c.kind,
            c.status,
            c.themes,
            c.provinces,
            *flags,
        )
        .where(test, *filter_clauses(query))
        .limit(counted + 1)
        .cte("matched")
        .prefix_with("MATERIALIZED")
    )


def _newest_matches(tsquery: TsQuery, tier: Tier, query: SearchQuery) -> Any:
    """Matches of ``tier`` among the ``NEWEST_WINDOW`` newest documents, with the columns of
    :func:`_first_matches` up to the rank and the flags: the LIMIT in a subquery makes
    PostgreSQL read those through the date index and test only them."""
    columns = ("id", "date", "vector", "kind", "status", "themes", "provinces", "audiences")
    newest = (
        select(*(SearchRow.__table__.c[name] for name in columns))
        .order_by(SearchRow.date.desc())
        .limit(NEWEST_WINDOW)
        .subquery()
    )
    n = newest.c
    flags = [flag.label(f"has_{i}") for i, flag in enumerate(_flags(n.vector, tsquery))]
    return (
        select(n.id, n.date, func.ts_rank(n.vector, as_tsquery(tsquery.text)).label("rank"), *flags)
        .where(n.vector.op("@@")(as_tsquery(tier.text, "matching")), *filter_clauses(query, n))
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
    q = as_tsquery(tsquery.text)
    statement = (
        select(SearchRow.id, func.ts_rank(SearchRow.vector, q), _mask(_flags(SearchRow.vector, tsquery)))
        .where(SearchRow.vector.op("@@")(q), *filter_clauses(query))
        .order_by(SearchRow.date.desc(), SearchRow.id)
        .limit(query.per_page)
        .offset(offset)
    )
    with with_settings(session, BACKWARDS_BY_DATE):
        return [(id_, rank, mask) for id_, rank, mask in session.execute(statement)]


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
        if part and _visible_match(session, as_tsquery(part), query):
            continue
        candidates = session.scalars(
            select(SearchWord.word).where(
                SearchWord.word.startswith(word[0], autoescape=True),
                func.length(SearchWord.word).between(len(word) - 2, len(word) + 2),
            )
        )
        for candidate in closest_words(word, candidates)[:MAX_SUGGESTION_CHECKS]:
            if _visible_match(session, _any_config(candidate), query):
                corrections[word] = candidate
                break
    return corrections


MAX_SUGGESTION_CHECKS = 5  # closest words tested for a visible document, one index lookup each


def _visible_match(session: Session, tsquery: ColumnElement, query: SearchQuery) -> bool:
    found = select(SearchRow.id).where(SearchRow.vector.op("@@")(tsquery), *filter_clauses(query)).limit(1)
    with with_settings(session, THROUGH_GIN):
        return session.scalar(found) is not None


def _any_config(word: str) -> ColumnElement:
    """``word`` stemmed in both configurations the documents use, either matching."""
    dutch, english = (
        func.plainto_tsquery(literal_column(f"'{c}'::regconfig"), word) for c in ("dutch", "english")
    )
    return dutch.op("||")(english)
