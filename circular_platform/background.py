"""Background work: on the RQ queue at ``REDIS_URL`` when it is set, else in this process.

:data:`JOBS` names every job; :func:`enqueue` runs one by name, usually from a ``db.after_commit``
callback so that it sees the committed data:

* Queue mode (``REDIS_URL`` set): the job goes on the RQ queue ``circulair`` and ``flask worker``
  (:mod:`circular_platform.worker`) runs it in a fork of its own: the gigabytes of a matcher
  rebuild go back to the system when it ends, and no process that serves requests carries them.
  ``inline=True`` runs it through RQ in this process instead (tests, and CLI commands that must
  see their work done before they exit).
* Embedded default: in a daemon thread of this process, or at once with ``inline=True``.

A job runs in a fresh app context, outside any request, and opens its own session.
:func:`exclusive` lets one job of a kind run at a time; a second one is skipped.
"""

from __future__ import annotations

import importlib
import logging
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import LockError
from rq import Queue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
QUEUE_NAME = "circulair"
JOB_TIMEOUT = 2 * 3600  # seconds; a full rebuild at 100,000 items takes minutes, never hours
FAILED_JOBS_KEPT = 7 * 24 * 3600  # seconds a failed job stays visible (`rq info`)
JOBS = {
    "matching.rebuild": "circular_platform.matches.services:rebuild_job",
    "search.drain": "circular_platform.search.queue:drain_job",
    "mail.deliver": "circular_platform.mail:deliver_job",
    "mail.retry": "circular_platform.mail:retry_job",
    "notify.run": "circular_platform.notifications.run:run_job",
}
_process_locks: dict[str, threading.Lock] = {}


def queue_mode(app: Flask | None = None) -> bool:
    return bool((app or current_app).config["REDIS_URL"])


def redis_connection(app: Flask | None = None) -> Redis:
    """The app's Redis client (one pool per process; redis-py opens new connections after a fork)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if "redis" not in app.extensions:
        app.extensions["redis"] = Redis.from_url(app.config["REDIS_URL"])
    return app.extensions["redis"]


def job_queue(app: Flask | None = None, inline: bool = False) -> Queue:
    return Queue(QUEUE_NAME, connection=redis_connection(app), is_async=not inline)


def enqueue(name: str, *, inline: bool = False, coalesce: bool = False, **arguments: Any) -> None:
    """Run the job ``name`` of :data:`JOBS` with ``arguments`` (plain values: they are pickled).

    ``coalesce``: in queue mode, skip it while the same job waits in the queue (one search drain
    or rebuild covers every change committed before it starts)."""
    _function(name)  # an unknown name fails here, in the caller, not later in the worker
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if queue_mode(app):
        coalesce = coalesce and not inline
        if coalesce and not redis_connection(app).set(_waiting_key(name), 1, nx=True, ex=JOB_TIMEOUT):
            return
        job_queue(app, inline).enqueue(
            perform,
            name,
            arguments,
            coalesce,
            description=name,
            job_timeout=JOB_TIMEOUT,
            result_ttl=0,
            failure_ttl=FAILED_JOBS_KEPT,
        )
    elif inline:
        _perform_logged(app, name, arguments)
    else:
        threading.Thread(target=_perform_logged, args=(app, name, arguments), name=name, daemon=True).start()


def perform(name: str, arguments: dict[str, Any], coalesced: bool = False) -> None:
    """What RQ runs, in the app context of ``flask worker`` (or of the caller when inline)."""
    if coalesced:  # from now on a new change needs a new job
        redis_connection().delete(_waiting_key(name))
    with current_app.app_context():
        _function(name)(**arguments)


def _waiting_key(name: str) -> str:
    return f"{QUEUE_NAME}:waiting:{name}"


def _perform_logged(app: Flask, name: str, arguments: dict[str, Any]) -> None:
    # In this process a failed job must not fail the request or the command that asked for it.
    try:
        with app.app_context():
            _function(name)(**arguments)
    except Exception:
        log.exception("Background job %s failed", name)


def _function(name: str) -> Callable[..., None]:
    module, function = JOBS[name].split(":")
    return getattr(importlib.import_module(module), function)


@contextmanager
def exclusive(session: Session, name: str) -> Iterator[bool]:
    """Whether this job may run now: False while another job holds ``name``.

    Queue mode: a Redis lock, shared by every worker on every host (it expires after
    ``JOB_TIMEOUT`` should a worker die holding it). Embedded: a lock of this process and, on
    PostgreSQL, an advisory lock held until ``session``'s transaction ends, for the other server
    processes on the same database (SQLite lets one writer at a time anyway).
    """
    if queue_mode():
        lock = redis_connection().lock(f"{QUEUE_NAME}:lock:{name}", timeout=JOB_TIMEOUT)
        if not lock.acquire(blocking=False):
            yield False
            return
        try:
            yield True
        finally:
            try:
                lock.release()
            except LockError:  # expired meanwhile: another job may hold it now
                log.warning("The lock %s expired before job %s ended", name, name)
        return
    process_lock = _process_locks.setdefault(name, threading.Lock())
    if not process_lock.acquire(blocking=False):
        yield False
        return
    try:
        yield _database_lock(session, name)
    finally:
        process_lock.release()


def _database_lock(session: Session, name: str) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(f"{QUEUE_NAME}:{name}".encode())
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(key))))
