"""The search backends' interface, and the Whoosh backend; ``SEARCH_BACKEND`` picks one.

``whoosh`` (default) keeps a Whoosh index in ``SEARCH_INDEX_DIR``; ``postgres``
(:mod:`.postgres`) keeps ``search_document`` rows with a ``tsvector`` in the application's own
database. Both read queries with :func:`matching.search.parse_query`, so they accept the
same syntax. Importing this module loads no Whoosh index code: :class:`WhooshBackend` imports
the index when it is created, so a PostgreSQL deployment never does.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.orm import Session

from matching.search import SearchDocument, SearchQuery, SearchResults

if TYPE_CHECKING:
    from matching.search.whoosh_index import SearchIndex

log = logging.getLogger(__name__)


class Batch(Protocol):
    def clear(self) -> None: ...

    def write(self, upserts: Iterable[SearchDocument], deletes: Iterable[str]) -> None: ...


class Backend(Protocol):
    needs_rebuild: bool

    def writing(self, session: Session) -> AbstractContextManager[Batch]: ...

    def rebuilding(self, session: Session) -> AbstractContextManager[Batch]:
        """A batch that replaces every document (cleared), committed at once."""
        ...

    def recover(self) -> None: ...

    def search(self, session: Session, query: SearchQuery) -> SearchResults: ...


class WhooshBackend:
    """Writers in all processes take turns through Whoosh's file lock (``IndexLocked`` after
    ``timeout`` seconds); a missing or corrupt index is recreated and flagged for a refill."""

    def __init__(self, directory: str, timeout: float = 10.0) -> None:
        from matching.search.whoosh_index import SearchIndex  # here: see the module docstring

        self.index: SearchIndex = SearchIndex(directory)
        self.timeout = timeout

    @property
    def needs_rebuild(self) -> bool:
        self.index.open()  # the first time, opens or recreates it; then no I/O
        return self.index.recreated

    @needs_rebuild.setter
    def needs_rebuild(self, value: bool) -> None:
        self.index.recreated = value

    @contextmanager
    def writing(self, session: Session) -> Iterator[Batch]:
        with self.index.writing(self.timeout) as batch:
            yield batch

    @contextmanager
    def rebuilding(self, session: Session) -> Iterator[Batch]:
        with self.index.rebuilding(self.timeout) as batch:
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

    def search(self, session: Session, query: SearchQuery) -> SearchResults:
        return self.index.search(query)
