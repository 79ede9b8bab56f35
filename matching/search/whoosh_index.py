"""The Whoosh search index: documents stored in a directory, queries evaluated on numpy copies
of its postings.

Analysis is :mod:`matching.analysis`, the matcher's: folding, stop words, Snowball stems in the
document's language (:mod:`matching.search.whoosh_schema`).

Whoosh stores the index; queries are evaluated on arrays of its postings
(:mod:`matching.search.arrays`, :mod:`matching.search.scoring`), so facets are counted over
every hit and a common word costs no more than a rare one. Spelling suggestions are the closest
indexed stem, shown as a word of a document that has it, and are looked up only for words
without hits.

Whoosh allows one writer at a time across processes (a file lock); :meth:`SearchIndex.write`
waits up to ``timeout`` seconds for it and then raises :class:`IndexLocked`.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from matching import analysis
from matching.search import scoring
from matching.search._whoosh import CLEAR, LockError, whoosh_index
from matching.search.arrays import ArrayCache, ReaderArrays
from matching.search.query import parse_query, suggest_text
from matching.search.scoring import TEXT_FIELDS
from matching.search.types import (
    FACET_FIELDS,
    LANGUAGES,
    IndexLocked,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
)
from matching.search.whoosh_schema import build_schema, tag_language

OPEN_ATTEMPTS = 5  # about 0.75 s of waiting for a commit elsewhere to finish deleting
WARM_FRACTION = 0.002  # words in at least this share of documents are loaded by warm()
REBUILD_PROCESSES = min(2, os.cpu_count() or 1)
REBUILD_LIMITMB = 1024  # per process: 50,000 documents fit (about 1 GB of memory) without spilling
_FACET_FIELDS_AND_AUDIENCES = (*FACET_FIELDS.values(), "audiences")
_CACHE = ArrayCache()  # per-segment arrays, shared by every index in this process


class IndexBatch:
    """The changes of one :meth:`SearchIndex.writing` block."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer
        self.changed = self.cleared = False

    def clear(self) -> None:
        """Drop every document that was in the index before this batch (on commit)."""
        self.changed = self.cleared = True

    def write(self, upserts: Iterable[SearchDocument] = (), deletes: Iterable[str] = ()) -> None:
        upserts = list(upserts)
        # Old versions go first, found with one searcher: update_document() opens a searcher
        # per document, which costs about 0.1 s each on a large index. After clear() no old
        # document survives the commit, so there is nothing to look up.
        replaced = [*deletes, *([] if self.cleared else [d.key for d in upserts])]
        if replaced:
            with self.writer.searcher() as searcher:
                for key in replaced:
                    self.writer.delete_by_term("key", key, searcher=searcher)
        for document in upserts:
            self.writer.add_document(**_fields(document))
        self.changed = self.changed or bool(replaced or upserts)


class SearchIndex:
    """A Whoosh index in ``directory``; missing, unreadable or of an older schema, it is
    recreated empty and :attr:`recreated` is set so the caller can refill it."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.recreated = False
        self._index: Any = None
        self._lock = threading.Lock()
        self._local = threading.local()

    def open(self) -> Any:
        """The index, opened (or recreated) on first use and kept."""
        with self._lock:
            if self._index is None:
                self._index = self._open_existing() or self._create()
            return self._index

    def _open_existing(self) -> Any:
        """The index on disk, or None when it is missing or corrupt. A file missing while it opens
        is first tried again: another process's commit deletes the segments and table of contents
        it replaced, and taking that for corruption would wipe that process's index (it did, under
        two writers). Searchers need no such care: Whoosh's own reader() retries."""
        if not self.directory.is_dir():
            return None
        # Whoosh leaves a corrupt table of contents open: ignore that file's ResourceWarning.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            for attempt in range(OPEN_ATTEMPTS):
                try:  # each read below starts again from the newest table of contents
                    index = whoosh_index.open_dir(str(self.directory))
                    index.doc_count()
                    current = set(index.schema.names()) == set(build_schema().names())
                except FileNotFoundError:
                    time.sleep(0.05 * (attempt + 1))
                    continue
                except Exception:  # missing, or corrupt in any of many ways
                    return None
                return index if current else None
        return None

    def _create(self) -> Any:
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.recreated = True
        self._local = threading.local()
        return whoosh_index.create_in(str(self.directory), build_schema())

    def recreate(self) -> None:
        """Replace the index with an empty one (for a corrupt index; :attr:`recreated` is set)."""
        with self._lock:
            self._index = self._create()

    def doc_count(self) -> int:
        return self.open().doc_count()

    def write(
        self, upserts: Iterable[SearchDocument] = (), deletes: Iterable[str] = (), timeout: float = 10.0
    ) -> None:
        """Add or replace ``upserts`` and remove the ``deletes`` keys in one commit."""
        with self.writing(timeout) as batch:
            batch.write(upserts, deletes)

    @contextmanager
    def writing(self, timeout: float = 10.0, limitmb: int = 256, processes: int = 1) -> Iterator[IndexBatch]:
        """Hold the index's write lock; what the batch received is committed on a clean exit.

        ``limitmb`` is the postings buffer of each writing process before Whoosh spills sorted
        runs to disk (spilling made indexing 1.5 times as slow). With several ``processes``
        (Whoosh's ``MpWriter``), each analyses its share of the documents into a segment of its
        own. Raises :class:`IndexLocked` when another writer kept the lock for ``timeout`` seconds.
        """
        parallel = {"procs": processes, "multisegment": True, "subargs": {"limitmb": limitmb}}
        try:
            writer = self.open().writer(
                timeout=timeout, delay=0.02, limitmb=limitmb, **(parallel if processes > 1 else {})
            )
        except LockError as error:
            raise IndexLocked(str(self.directory)) from error
        batch = IndexBatch(writer)
        try:
            yield batch
        except BaseException:
            _cancel(writer)
            raise
        if batch.changed:
            writer.commit(mergetype=CLEAR if batch.cleared else None)
        else:
            _cancel(writer)

    @contextmanager
    def rebuilding(self, timeout: float = 10.0) -> Iterator[IndexBatch]:
        """A batch that replaces every document, written by :data:`REBUILD_PROCESSES` processes
        with :data:`REBUILD_LIMITMB` each; searches see the old documents until it commits."""
        with self.writing(timeout, REBUILD_LIMITMB, REBUILD_PROCESSES) as batch:
            batch.clear()
            yield batch

    def searcher(self) -> Any:
        """This thread's searcher, refreshed to the newest commit."""
        current = getattr(self._local, "searcher", None)
        current = self.open().searcher() if current is None or current.ixreader is None else current.refresh()
        self._local.searcher = current
        return current

    def arrays(self, searcher: Any) -> ReaderArrays:
        """The searcher's arrays, built again only when a commit changed the searcher."""
        cached = getattr(self._local, "arrays", None)
        if cached is None or cached.reader is not searcher.reader():
            cached = ReaderArrays(searcher.reader(), _CACHE, _FACET_FIELDS_AND_AUDIENCES, tuple(TEXT_FIELDS))
            self._local.arrays = cached
        return cached

    def warm(self, fraction: float = WARM_FRACTION) -> int:
        """Load the postings of the common words into memory, so no reader waits for them."""
        arrays = self.arrays(self.searcher())
        return arrays.warm(max(1, int(arrays.size * fraction)))

    def search(self, search: SearchQuery) -> SearchResults:
        parsed = parse_query(search.text)
        if parsed.is_empty:
            return SearchResults([], 0, 1, search.per_page, {}, empty_query=True)
        searcher = self.searcher()
        arrays = self.arrays(searcher)
        words = {w: scoring.query_word_scores(arrays, w) for w in parsed.words}
        scores, present, matches = scoring.evaluate(searcher, arrays, parsed, words)
        visible = scoring.allowed(arrays, search) & arrays.live
        matches &= visible
        total = int(np.count_nonzero(matches))
        pages = max(1, -(-total // search.per_page))
        page = min(max(1, search.page), pages)
        docnums = scoring.page_order(arrays, scoring.rank_keys(scores, present), matches, search, page)
        return SearchResults(
            hits=[
                _hit(searcher.stored_fields(d), float(scores[d]), [w for w, p in present.items() if not p[d]])
                for d in docnums
            ],
            total=total,
            page=page,
            per_page=search.per_page,
            facets=scoring.facet_counts(arrays, matches),
            suggestion=suggest_text(parsed, scoring.corrections(searcher, arrays, parsed, words, visible)),
            terms=parsed.terms,
        )


def _cancel(writer: Any) -> None:
    """Cancel ``writer``; an ``MpWriter``'s own cancel only flags its processes in this one,
    so they are stopped here (else they wait for work, and this process for them at exit)."""
    for process in getattr(writer, "tasks", ()):
        process.terminate()
        process.join()
    writer.cancel()


def _fields(document: SearchDocument) -> dict[str, Any]:
    lang = document.lang if document.lang in LANGUAGES else analysis.DEFAULT_LANGUAGE
    return {
        "key": document.key,
        "kind": document.kind,
        "status": document.status or "-",
        "themes": " ".join(document.themes),
        "provinces": " ".join(document.provinces),
        "audiences": " ".join(document.audiences),
        "date": int(document.date.timestamp()) if document.date else 0,
        "title": tag_language(lang, document.title),
        "body": tag_language(lang, document.body),
        "context": tag_language(lang, document.context),
        "stored": {
            "kind": document.kind,
            "title": document.title,
            "body": document.body,
            "context": document.context,
            "lang": lang,
            "date": document.date,
        },
    }


def _hit(stored: dict[str, Any], score: float, missing: list[str]) -> SearchHit:
    return SearchHit(
        key=stored["key"],
        kind=stored["stored"]["kind"],
        title=stored["stored"]["title"],
        body=stored["stored"]["body"],
        context=stored["stored"]["context"],
        lang=stored["stored"]["lang"],
        date=stored["stored"]["date"],
        score=score,
        missing=tuple(missing),
    )
