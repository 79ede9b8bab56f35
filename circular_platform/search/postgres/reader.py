"""Reading a search's matches: facet counts, the total and the ranked page in one statement,
the newest matches beyond the counted ones, the hits' rows and spelling corrections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Row,
    String,
    Text,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from circular_platform.models import SearchDocument as SearchRow
from circular_platform.models import SearchWord
from circular_platform.search.postgres.planner import BACKWARDS_BY_DATE, THROUGH_GIN, with_settings
from circular_platform.search.postgres.tsquery import TsQuery, as_tsquery
from matching.search import FACET_FIELDS, FACETS, SearchHit, SearchQuery, closest_words

NEWEST_WINDOW = 500  # beyond the counted matches, matches among this many newest documents are ranked too
_ARRAY_FACETS = {"theme", "province"}  # columns holding several values


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


def read_matches(
    session: Session,
    tsquery: TsQuery,
    query: SearchQuery,
    wanted: int,
    settings: dict[str, str],
    counted: int,
) -> Sequence[Row]:
    """Facet counts and the total over the first ``counted + 1`` matches, and the ids of the
    best ``wanted`` candidates, in one statement (one GIN evaluation).

    Rows come back as (facet, value, count) for the facets and the total ("total", None, n),
    then (None, None, position, id, rank) for the candidates.
    """
    q = as_tsquery(tsquery.text)
    c = SearchRow.__table__.c
    matched = (
        select(c.id, c.kind, c.status, c.themes, c.provinces, c.date, func.ts_rank(c.vector, q).label("rank"))
        .where(c.vector.op("@@")(q), *filter_clauses(query))
        .limit(counted + 1)
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
    with with_settings(session, settings):
        return session.execute(union_all(*facet_rows, page_rows)).all()


def unpack_matches(rows: Sequence[Row]) -> tuple[int, dict[str, dict[str, int]], list[tuple[int, float]]]:
    """The total, the facet counts and the ranked (id, rank) candidates of :func:`read_matches`."""
    total = 0
    facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    best: list[tuple[int, int, float]] = []
    for facet, value, number, id_, rank in rows:
        if facet == "total":
            total = number
        elif facet is not None:
            facets[facet][value] = number
        else:
            best.append((number, id_, rank))  # number: the position
    return total, facets, [(id_, rank) for _, id_, rank in sorted(best)]


def among_newest(session: Session, tsquery: TsQuery, query: SearchQuery) -> list[tuple[int, float]]:
    """Matches among the ``NEWEST_WINDOW`` newest documents: the LIMIT in a subquery makes
    PostgreSQL read those through the date index and test only them."""
    q = as_tsquery(tsquery.text)
    columns = ("id", "date", "vector", "kind", "status", "themes", "provinces", "audiences")
    newest = (
        select(*(SearchRow.__table__.c[name] for name in columns))
        .order_by(SearchRow.date.desc())
        .limit(NEWEST_WINDOW)
        .subquery()
    )
    statement = select(newest.c.id, func.ts_rank(newest.c.vector, q)).where(
        newest.c.vector.op("@@")(q), *filter_clauses(query, newest.c)
    )
    return [(id_, rank) for id_, rank in session.execute(statement)]


def best_first(candidate: tuple[int, float]) -> tuple[float, int]:
    id_, rank = candidate
    return -rank, id_


def newest_matches(
    session: Session, tsquery: TsQuery, query: SearchQuery, offset: int
) -> list[tuple[int, float]]:
    """A page of the newest matches, read backwards through the date index: with more than
    the counted matches they are common enough to be found within a few thousand rows."""
    q = as_tsquery(tsquery.text)
    statement = (
        select(SearchRow.id, func.ts_rank(SearchRow.vector, q))
        .where(SearchRow.vector.op("@@")(q), *filter_clauses(query))
        .order_by(SearchRow.date.desc(), SearchRow.id)
        .limit(query.per_page)
        .offset(offset)
    )
    with with_settings(session, BACKWARDS_BY_DATE):
        return [(id_, rank) for id_, rank in session.execute(statement)]


def hits(session: Session, ranked: list[tuple[int, float]]) -> list[SearchHit]:
    c = SearchRow.__table__.c
    found = session.execute(
        select(c.id, c.kind, c.item_id, c.title, c.body, c.context, c.language, c.date).where(
            c.id.in_([id_ for id_, _ in ranked])
        )
    )
    rows = {row.id: row for row in found}
    return [_hit(rows[id_], float(rank)) for id_, rank in ranked if id_ in rows]


def _hit(row: Row, score: float) -> SearchHit:
    return SearchHit(
        key=f"{row.kind}:{row.item_id}",
        kind=row.kind,
        title=row.title,
        body=row.body,
        context=row.context,
        lang=row.language,
        date=row.date,
        score=score,
    )


def corrections(session: Session, tsquery: TsQuery, query: SearchQuery) -> dict[str, str]:
    """Query words that match no document the reader may see, with the closest word of
    ``search_word`` that occurs in one: a suggestion never reveals a word of a document the
    reader may not see (``search_word`` holds the words of every document)."""
    corrections = {}
    for word, part in tsquery.words.items():
        if word in tsquery.common:
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
