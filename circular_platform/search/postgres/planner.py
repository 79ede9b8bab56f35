"""How a search reads its matches: through the table or the GIN index, chosen from PostgreSQL's
statistics of ``search_document``, with planner settings scoped to the statements that need them.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.orm import Session

from matching.search import FACET_FIELDS, SearchQuery

if TYPE_CHECKING:
    from circular_platform.search.postgres.tsquery import Tier

COUNTED_MATCHES = 1000  # matches counted exactly for the total and the facets
# Costs in microseconds, measured at 100k documents: testing one row's vector while reading the
# table; one posting in the GIN index; fetching one matched row the index found.
_ROW_COST, _POSTING_COST, _FETCH_COST = 4.0, 0.25, 10.0

# How the matches are read. PostgreSQL's own choice goes wrong both ways: with a LIMIT it reads
# the whole table for common words that rarely meet (100+ ms), and it builds a GIN bitmap of
# 80,000 rows for words in most documents, where reading the table finds 1,000 in a few ms.
# So the search chooses, from the shares of documents the words are in: reading the table
# costs a row per (COUNTED_MATCHES + 1) / share, the index a posting per document of each word.
# The table is read from its first row (no synchronised scan starting where another one is), so
# the same matches come first each time; the reader tests them with a function the GIN index
# cannot serve. Neither turns off index scans: the newest documents come through the date index.
SEQUENTIAL = {"synchronize_seqscans": "off"}
THROUGH_GIN = {"enable_seqscan": "off"}
BACKWARDS_BY_DATE = {"enable_seqscan": "off", "enable_bitmapscan": "off"}


@contextmanager
def with_settings(session: Session, settings: dict[str, str]) -> Iterator[None]:
    """Planner settings for the statements inside, undone after: rolling back to a savepoint
    undoes SET LOCAL (and these statements only read). One round trip each way."""
    connection = session.connection()
    assignments = "".join(f"SET LOCAL {name} = {value}; " for name, value in settings.items())
    connection.exec_driver_sql(f"SAVEPOINT search_plan; {assignments}")
    try:
        yield
    finally:
        connection.exec_driver_sql("ROLLBACK TO SAVEPOINT search_plan; RELEASE SAVEPOINT search_plan")


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
        shares: dict[tuple[str, str], float] = {}
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

    def filters_share(self, query: SearchQuery) -> float:
        share = 1.0
        for name, value in query.filters.items():
            share *= self.shares.get((FACET_FIELDS.get(name, name), value), 0.0)
        if query.audiences is not None:
            share *= max((self.shares.get(("audiences", a), 0.0) for a in query.audiences), default=0.0)
        return share


def scan_settings(
    statistics: Statistics, tier: Tier, query: SearchQuery, counted: int = COUNTED_MATCHES
) -> dict[str, str]:
    """The cheaper way to the first ``counted + 1`` matches of ``tier``. Filters count as
    independent of the words."""
    share = tier.share * statistics.filters_share(query)
    documents = statistics.documents
    if share <= 0 or documents <= 0:
        return THROUGH_GIN
    wanted = counted + 1
    by_table = min(documents, wanted / share) * _ROW_COST
    by_index = documents * tier.postings * _POSTING_COST + min(wanted, documents * share) * _FETCH_COST
    return SEQUENTIAL if by_table < by_index else THROUGH_GIN


def beyond(statistics: Statistics, tier: Tier, query: SearchQuery, counted: int = COUNTED_MATCHES) -> bool:
    """Whether ``tier`` probably matches more than ``counted`` documents."""
    return tier.share * statistics.filters_share(query) * statistics.documents > counted


def widest_within(
    statistics: Statistics, tiers: list[Tier], query: SearchQuery, counted: int = COUNTED_MATCHES
) -> int:
    """The index of the widest of ``tiers`` (each holding the ones before) that probably
    matches no more than ``counted`` documents; 0 when none does."""
    within = [i for i, tier in enumerate(tiers) if not beyond(statistics, tier, query, counted)]
    return max(within, default=0)
