"""Search over questions, solutions and organisations: the adapter between the models and
:mod:`matching.search` (see :mod:`.queue` for how changes reach the index)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from circular_platform.search import queue
from circular_platform.search.backends import WhooshBackend
from circular_platform.search.postgres import PostgresBackend

BACKENDS = ("whoosh", "postgres")


def init_app(app: Flask) -> None:
    """Pick the backend (``SEARCH_BACKEND``) and the indexer (``SEARCH_INDEXING``:
    ``background`` by default, ``inline`` for tests, ``off`` to leave it to ``flask search drain``)."""
    name = app.config.get("SEARCH_BACKEND", "whoosh")
    if name not in BACKENDS:
        raise RuntimeError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}.")
    backend = (
        PostgresBackend()
        if name == "postgres"
        else WhooshBackend(app.config["SEARCH_INDEX_DIR"], float(app.config.get("SEARCH_LOCK_TIMEOUT", 10)))
    )
    app.extensions["search_backend"] = backend
    indexer = app.extensions["search_indexer"] = queue.Indexer(
        app,
        backend,
        mode=app.config.get("SEARCH_INDEXING", "background"),
        retry_seconds=float(app.config.get("SEARCH_RETRY_SECONDS", 30)),
    )
    app.before_request(indexer.keep_running)
    if isinstance(backend, WhooshBackend) and app.config.get("SEARCH_INDEXING", "background") == "background":
        backend.warm_in_background()
    if not event.contains(Session, "after_flush", queue.enqueue_changes):
        event.listen(Session, "after_flush", queue.enqueue_changes)
