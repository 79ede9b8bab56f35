"""How changes reach the search index without slowing down or failing a request.

1. While a session flushes, every new, changed or deleted question, solution and organisation
   (and a solution whose themes changed) gets a ``search_pending`` row, inserted in the same
   transaction as the change: a change that commits is never forgotten, one rolled back leaves
   no trace.
2. After the commit the app's :class:`Indexer` is woken. With ``REDIS_URL`` it queues the job
   ``search.drain`` for ``flask worker``; in the embedded default it is a daemon thread per
   process (so per gunicorn worker) that drains the queue; the request does not wait for the
   index. The thread waits :data:`GATHER_SECONDS` after a wake-up, so that the changes of that
   moment share one drain. In tests (``SEARCH_INDEXING = "inline"``) the drain runs right after
   the commit.
3. :func:`drain` takes the backend's write lock first (Whoosh's file lock, shared by all
   processes, or a PostgreSQL advisory lock), then reads a batch of pending rows, loads the
   items' current state, writes it, and only then deletes exactly the rows it read. Holding
   the lock while reading means a later drain always sees newer data, so an old state never
   overwrites a newer one; a row added meanwhile stays for the next drain. A drain that fails
   (lock timeout, crash) deletes nothing, and the rows are retried on the next wake-up or at
   the latest after ``SEARCH_RETRY_SECONDS``. Writes are idempotent, so twice is harmless.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import UTC, datetime

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, insert, literal, select
from sqlalchemy.orm import Session

from circular_platform import background
from circular_platform.db import after_commit, db
from circular_platform.models import SearchPending, SolutionTheme
from circular_platform.search import documents
from circular_platform.search.backends import Backend

log = logging.getLogger(__name__)
BATCH_SIZE = 500
# A drain of one item costs about 6 ms of the web process and seven statements, a drain of five
# 2 ms an item: busy moments (20 people posting) share drains, at a quarter second's delay.
GATHER_SECONDS = 0.25
_MODELS = {model: kind for kind, model in documents.KINDS.items()}


def changed_items(session: Session) -> set[documents.Key]:
    """The searchable items this flush inserts, updates or deletes."""
    keys = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        kind = _MODELS.get(type(instance))
        if kind and (instance not in session.dirty or session.is_modified(instance)):
            keys.add((kind, instance.id))
        elif isinstance(instance, SolutionTheme):
            keys.add(("solution", instance.solution_id))
    return keys


def enqueue_changes(session: Session, _flush_context: object) -> None:
    """``after_flush`` listener: queue the changed items in the flushing transaction."""
    keys = changed_items(session)
    if not keys:
        return
    now = datetime.now(UTC)
    session.connection().execute(
        insert(SearchPending), [{"kind": k, "item_id": i, "created_at": now} for k, i in sorted(keys)]
    )
    if has_app_context() and "search_indexer" in current_app.extensions:
        after_commit(session, current_app.extensions["search_indexer"].wake)


def enqueue_everything(session: Session) -> None:
    """Queue every item (used when the index was found missing or corrupt)."""
    now = datetime.now(UTC)
    for kind, model in documents.KINDS.items():
        rows = select(literal(kind), model.id, literal(now))
        session.execute(insert(SearchPending).from_select(["kind", "item_id", "created_at"], rows))


def drain(session: Session, backend: Backend, batch_size: int = BATCH_SIZE) -> int:
    """Apply pending index operations until none are left; returns how many items were written.

    Commits ``session`` after each batch. A batch shorter than ``batch_size`` emptied the queue:
    no further round reads it again, as a change committed meanwhile wakes its own drain.
    Raises what the backend raises (e.g. ``IndexLocked``); the rows of the failed batch stay queued.
    """
    written = 0
    while True:
        keys, rows = _drain_batch(session, backend, batch_size)
        written += keys
        if rows < batch_size:
            return written


def _drain_batch(session: Session, backend: Backend, batch_size: int) -> tuple[int, int]:
    """(items written, queue rows read)."""
    try:
        with backend.writing(session) as writer:
            rows = session.execute(
                select(SearchPending.id, SearchPending.kind, SearchPending.item_id)
                .order_by(SearchPending.id)
                .limit(batch_size)
            ).all()
            keys = {(row.kind, row.item_id) for row in rows}
            upserts, deletes = documents.load(session, keys)
            writer.write(upserts, deletes)
        if rows:
            session.execute(delete(SearchPending).where(SearchPending.id.in_([row.id for row in rows])))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return len(keys), len(rows)


class Indexer:
    """Drains the queue after commits: inline, or in a daemon thread of this process."""

    def __init__(self, app: Flask, backend: Backend, mode: str, retry_seconds: float) -> None:
        self.app = app
        self.backend = backend
        self.mode = mode
        self.retry_seconds = retry_seconds
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def wake(self) -> None:
        if self.mode != "off" and background.queue_mode(self.app):
            with self.app.app_context():
                background.enqueue("search.drain", inline=self.mode == "inline", coalesce=True)
        elif self.mode == "inline":
            self._drain_quietly()
        elif self.mode == "background":
            self._ensure_thread()
            self._wake.set()

    def keep_running(self) -> None:
        """Before each request: the indexer thread of this process runs, also when no request here
        has written yet, so what a command queued (``flask notify run`` expiring questions, an
        import) is indexed within ``retry_seconds``. In queue mode the worker drains instead."""
        if self.mode == "background" and not background.queue_mode(self.app):
            self._ensure_thread()

    def drain_now(self) -> int:
        with self.app.app_context():
            session = db.sessionmaker()
            try:
                return drain(session, self.backend)
            finally:
                session.close()

    def _ensure_thread(self) -> None:
        # Started lazily and again after a fork: gunicorn workers do not inherit threads.
        if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="search-indexer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            if self._wake.wait(self.retry_seconds):
                time.sleep(GATHER_SECONDS)  # the changes committed meanwhile join this drain
            self._wake.clear()
            self._drain_quietly()

    def _drain_quietly(self) -> None:
        # A request whose change is committed must not fail on the index: the rows stay queued.
        try:
            self.drain_now()
        except Exception:
            log.exception("Search index update failed; it will be retried")


def drain_job() -> None:
    """The job ``search.drain`` (queue mode); a failure leaves the rows for the next drain."""
    current_app.extensions["search_indexer"].drain_now()
