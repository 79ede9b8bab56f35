"""The PostgreSQL search backend: ``search_document`` rows with a ``tsvector`` in the application's
own database, for deployments with several app servers.

Each document's vector is made with PostgreSQL's ``dutch`` or ``english`` configuration (the
document's language); title, context and body weigh A, B and C. A query word matches its stem
in either configuration, the compounds that start or end with it (``isolatie`` ->
``hennepisolatie``, looked up in ``search_word``) and, for a compound query word, its parts
together. The query is built here as one ``tsquery`` text, from lexemes PostgreSQL stems in a
single round trip, so every statement after that gets it as one bound value.

The query words are ORed: a document matches with one of them, the ones with more query words
come first (then by ``ts_rank``), and each hit names the words it lacks.

A statement reads the first ``COUNTED_MATCHES + 1`` matches (one evaluation of the GIN index):
up to ``COUNTED_MATCHES`` the total and the facets are exact and every match is ranked. Beyond,
reading every match's row would cost 100+ ms at 100k documents (GIN has no index-only scans),
so the page says "more than ``COUNTED_MATCHES``" and the facet counts are lower bounds. Sorted
by date, the newest matches come straight from the date index. By relevance, a statement reads
the documents with every query word, then one those with all but one, and so on
(:attr:`.TsQuery.tiers`) until the page is full, so these come first however many documents
match. Only within a tier of more than ``COUNTED_MATCHES`` documents is the order approximate:
its first matches read and those among the ``NEWEST_WINDOW`` newest documents are ranked, and
its first matches give the facet counts.

* :mod:`.writer`: the rows and their vectors; :mod:`.tsquery`: the query as a ``tsquery``;
  :mod:`.planner`: table or index, and PostgreSQL's statistics that decide it;
  :mod:`.reader`: the statements that read matches, counts and hits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from circular_platform.db import unprepared
from circular_platform.search.postgres import planner, reader
from circular_platform.search.postgres.planner import COUNTED_MATCHES, Statistics
from circular_platform.search.postgres.tsquery import QueryBuilder, Tier, TsQuery
from circular_platform.search.postgres.writer import DRAIN_LOCK, PostgresBatch
from matching.search import FACETS, ParsedQuery, SearchQuery, SearchResults, parse_query, suggest_text

__all__ = ["COUNTED_MATCHES", "PostgresBackend", "PostgresBatch"]


class PostgresBackend:
    """Writes happen in the caller's transaction, serialised by an advisory lock.
    ``counted_matches`` is how many matches are counted exactly (:data:`COUNTED_MATCHES`)."""

    needs_rebuild = False

    def __init__(self, counted_matches: int = COUNTED_MATCHES) -> None:
        self.counted_matches = counted_matches

    @contextmanager
    def writing(self, session: Session) -> Iterator[PostgresBatch]:
        session.execute(select(func.pg_advisory_xact_lock(DRAIN_LOCK)))
        batch = PostgresBatch(session)
        yield batch
        if batch.cleared:
            batch.tidy_after_rebuild()

    @contextmanager
    def rebuilding(self, session: Session) -> Iterator[PostgresBatch]:
        with self.writing(session) as batch:
            batch.clear()
            yield batch

    def recover(self) -> None:
        pass  # the table lives in the database: nothing to repair

    def search(self, session: Session, query: SearchQuery) -> SearchResults:
        with unprepared(session):  # every statement planned with its own tsquery
            return self._search(session, query)

    def _search(self, session: Session, query: SearchQuery) -> SearchResults:
        parsed = parse_query(query.text)
        if parsed.is_empty:
            return SearchResults([], 0, 1, query.per_page, {}, empty_query=True)
        statistics = Statistics.of(session)
        tsquery = QueryBuilder(session, parsed, statistics).build()
        wanted = max(1, query.page) * query.per_page
        found = self._matches(session, statistics, tsquery, query, wanted) if tsquery.text else _NOTHING
        page = min(max(1, query.page), max(1, -(-found.total // query.per_page)))
        offset = (page - 1) * query.per_page
        if found.total > self.counted_matches and query.sort == "date":
            ranked = reader.newest_matches(session, tsquery, query, offset)
        else:
            ranked = found.ranked[offset : offset + query.per_page]
        return SearchResults(
            hits=reader.hits(session, ranked, parsed.labels) if ranked else [],
            total=found.total,
            page=page,
            per_page=query.per_page,
            facets=found.facets,
            suggestion=_suggestion(session, parsed, tsquery, query, found.seen),
            terms=parsed.terms,
            counted_up_to=self.counted_matches if found.total > self.counted_matches else None,
        )

    def _matches(
        self, session: Session, statistics: Statistics, tsquery: TsQuery, query: SearchQuery, wanted: int
    ) -> reader.Matches:
        """The total, facets and best ``wanted`` candidates. By relevance, the query's
        :attr:`~TsQuery.tiers` are read from every word down: a tier with no more than the
        counted matches is ranked in full, so with ``wanted`` of them they are the best; the
        first with more gives the total ("more") and the facets, and its first and newest
        matches are ranked after the (all fewer) matches of the tiers before. A tier within the
        counted matches holds every narrower one, ranked in full: so the widest that probably
        is (the whole query among them) is read first, and when it is, the tiers inside it are
        not read at all."""
        read = partial(self._read, session, statistics, tsquery, query=query)
        if query.sort != "relevance" or not tsquery.tiers:
            return read(tsquery, wanted=wanted)
        counted = self.counted_matches
        tiers = [*tsquery.tiers, tsquery]
        reads: dict[int, reader.Matches] = {}
        start = planner.widest_within(statistics, tiers, query, counted)
        if start:
            reads[start] = read(tiers[start], wanted=wanted)
            if reads[start].total > counted:
                start = 0
            elif tiers[start] is tsquery:
                return reads[start]
        whole = reads.get(len(tiers) - 1)
        found: list[reader.Candidate] = []  # every match of the tiers read
        for i in range(start, len(tiers)):
            matches = reads.get(i) or read(tiers[i], wanted=wanted)
            ranked = _merged(found, matches.ranked)
            if matches.total > counted:
                return replace(whole or matches, ranked=ranked)
            if tiers[i] is tsquery:
                return replace(matches, ranked=ranked)
            if len(ranked) >= wanted:
                return replace(whole or read(tsquery, wanted=0), ranked=ranked)
            found = ranked
        raise AssertionError("the whole query is the last tier")

    def _read(
        self,
        session: Session,
        statistics: Statistics,
        tsquery: TsQuery,
        tier: Tier,
        *,
        query: SearchQuery,
        wanted: int,
    ) -> reader.Matches:
        settings = planner.scan_settings(statistics, tier, query, self.counted_matches)
        return reader.read_matches(session, tsquery, tier, query, wanted, settings, self.counted_matches)


_NOTHING = reader.Matches(0, {name: {} for name in FACETS}, [], 0)


def _merged(*candidates: list[reader.Candidate]) -> list[reader.Candidate]:
    by_id = {candidate[0]: candidate for found in candidates for candidate in found}
    return sorted(by_id.values(), key=reader.best_first)


def _suggestion(
    session: Session, parsed: ParsedQuery, tsquery: TsQuery, query: SearchQuery, seen: int
) -> str | None:
    """Corrections for the query words no counted match has (``seen``: their mask); a word a
    match has needs no look-up, so a query whose words all matched costs no statement here."""
    found: set[str] = set()
    for i, words in enumerate([*((w,) for w in parsed.words), *parsed.phrases]):
        if seen >> i & 1:
            found.update(words)
    unseen = set(tsquery.words) - found - tsquery.common
    corrections = reader.corrections(session, tsquery, query, frozenset(found)) if unseen else {}
    return suggest_text(parsed, corrections)
