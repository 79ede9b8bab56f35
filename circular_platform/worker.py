"""``flask worker``: runs the background jobs of the queue at ``REDIS_URL``, and queues the
periodic ones (:mod:`circular_platform.background`).

Each job runs in a fork of the worker (RQ's default): the memory a matcher rebuild takes is
returned when the job ends. The fork gets database connections of its own (the pool of the
parent is never shared across a fork).

The periodic jobs: ``notify.run`` every ``NOTIFY_EVERY_SECONDS`` (60; it does the nightly fit of
the learned ranker too), a ``search.drain`` with it, which retries index updates that failed,
and a ``mail.retry`` for mail whose delivery failed for a passing reason.
Every worker runs this small scheduler; a Redis key per time slot (``SET NX``) lets only the
first one of several workers queue a slot's jobs.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import click
from flask import Flask, current_app
from rq import Worker

from circular_platform import background
from circular_platform.db import db

log = logging.getLogger(__name__)
PERIODIC_JOBS = ("notify.run", "search.drain", "mail.retry")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty (for tests and scripts).")
def worker_command(burst: bool) -> None:
    """Run the background jobs of the queue at REDIS_URL and queue the periodic ones."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if not background.queue_mode(app):
        raise click.UsageError("REDIS_URL is not set: without it the app does its background work itself.")
    os.register_at_fork(after_in_child=_fresh_database_connections)
    stop = threading.Event()
    if not burst:
        threading.Thread(target=_schedule, args=(app, stop), name="scheduler", daemon=True).start()
    try:
        worker = Worker([background.job_queue(app)], connection=background.redis_connection(app))
        worker.work(burst=burst, logging_level="INFO")
    finally:
        stop.set()


def queue_periodic_jobs(app: Flask, now: float) -> bool:
    """Queue the periodic jobs of the slot ``now`` falls in, unless another worker did; whether we did."""
    every = int(app.config["NOTIFY_EVERY_SECONDS"])
    slot = int(now) // every
    key = f"{background.QUEUE_NAME}:periodic:{slot}"
    if not background.redis_connection(app).set(key, os.getpid(), nx=True, ex=every * 10):
        return False
    with app.app_context():
        for name in PERIODIC_JOBS:
            background.enqueue(name, coalesce=True)
    return True


def _schedule(app: Flask, stop: threading.Event) -> None:
    every = int(app.config["NOTIFY_EVERY_SECONDS"])
    while not stop.is_set():
        try:
            queue_periodic_jobs(app, time.time())
        except Exception:  # Redis away for a moment: try again next slot
            log.exception("Queueing the periodic jobs failed")
        stop.wait(every - time.time() % every)


def _fresh_database_connections() -> None:
    if db.engine is not None:
        db.engine.dispose(close=False)
