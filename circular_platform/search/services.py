"""Searching, draining and rebuilding, for the views and the CLI."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.orm import Session

from circular_platform import permissions
from circular_platform.arguments import parse_int
from circular_platform.db import db
from circular_platform.models import SearchPending
from circular_platform.permissions import AnyUser
from circular_platform.search import documents, queue
from circular_platform.search.backends import Backend
from circular_platform.search.places import Place, split_place
from matching.search import FACETS, SearchQuery, SearchResults

log = logging.getLogger(__name__)
SORTS = ("relevance", "date")
PER_PAGE = 20
MAX_PAGE = 1000  # a page number beyond is read as the first: no deeper paging into the index


@dataclass(frozen=True)
class SearchRequest:
    text: str
    filters: dict[str, str]
    sort: str = "relevance"
    page: int = 1
    place: Place | None = None  # a place named in the text, searched as a province filter

    @classmethod
    def from_args(cls, args) -> SearchRequest:
        filters = {name: args[name] for name in FACETS if args.get(name)}
        sort = args.get("sort") if args.get("sort") in SORTS else "relevance"
        page = max(1, parse_int(args.get("page"), maximum=MAX_PAGE) or 1)
        return cls(args.get("q", "").strip(), filters, sort, page)

    def with_place(self, session: Session) -> SearchRequest:
        """Read a place name in the text as a region, unless the reader chose a province already."""
        text, place = split_place(session, self.text)
        if place is None or not text or "province" in self.filters:
            return self
        return replace(
            self, text=text, filters={**self.filters, "province": place.province_code}, place=place
        )


def backend() -> Backend:
    return current_app.extensions["search_backend"]


def search(session: Session, user: AnyUser, request: SearchRequest) -> SearchResults | None:
    """Results ``user`` may see, or None when the backend failed (logged; the index is repaired)."""
    query = SearchQuery(
        text=request.text,
        filters=request.filters,
        audiences=permissions.reader_audiences(user),
        sort=request.sort,
        page=request.page,
        per_page=PER_PAGE,
    )
    try:
        refill_if_needed()
        return backend().search(session, query)
    except Exception:
        log.exception("Search failed; repairing the index")
        session.rollback()
        backend().recover()
        refill_if_needed()
        return None


def refill_if_needed() -> None:
    """Queue every item when the index was found missing or corrupt, and wake the indexer."""
    if not backend().needs_rebuild:
        return
    with db.sessionmaker() as session:
        queue.enqueue_everything(session)
        session.commit()
    backend().needs_rebuild = False
    current_app.extensions["search_indexer"].wake()


def drain(session: Session) -> int:
    return queue.drain(session, backend())


def rebuild(session: Session, progress: Callable[[int], None] = lambda n: None) -> int:
    """Replace the index with every item's current state, in one commit; returns the count.

    Pending operations are dropped first: the rebuild reads the newer state anyway.
    """
    session.execute(delete(SearchPending))
    written = 0
    with backend().rebuilding(session) as writer:
        keys = list(documents.all_keys(session))
        for start in range(0, len(keys), queue.BATCH_SIZE):
            chunk = keys[start : start + queue.BATCH_SIZE]
            upserts, _ = documents.load(session, chunk)
            writer.write(upserts, ())
            written += len(upserts)
            progress(len(chunk))
            session.expunge_all()
    session.commit()
    backend().needs_rebuild = False
    return written
