"""``flask notify run``: everything due at one moment, in one transaction, by one process at a time.

Order: expire questions first (an expired question gets no reminder and leaves the digests),
then reminders, the yearly solution checks, and the digests. Every mail is an outbox row written
in the same transaction as the marks that say it was sent (``reminder_sent_at``,
``check_sent_at``, ``last_sent_at``): a crash rolls back both, and the next run does it again.

One run at a time, across app servers: on PostgreSQL ``pg_try_advisory_xact_lock`` (a second
run finds it taken and stops; the lock ends with the transaction); on SQLite the first write
takes the database's write lock, so a second run waits for the first to commit and then
finds nothing due.

Each run also removes audit log entries past their two years (:func:`circular_platform.audit.prune`).

Once a night (local time past 03:00, the last attempt older than 20 hours) the run also fits the
learned ranker on people's judgements (:func:`circular_platform.matches.learning.learn_if_due`).
"""

from __future__ import annotations

from datetime import datetime

from flask import has_app_context
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from circular_platform import audit
from circular_platform.db import db
from circular_platform.mail import add_many
from circular_platform.models._types import utcnow
from circular_platform.notifications import digests, expiry

LOCK_KEY = 12_2026  # the advisory lock's number: any constant no other code uses


def take_lock(session: Session) -> bool:
    """Whether this transaction may run; False when another run holds the lock (PostgreSQL only)."""
    if session.get_bind().dialect.name == "postgresql":
        return bool(session.scalar(select(func.pg_try_advisory_xact_lock(LOCK_KEY))))
    session.execute(text("UPDATE notification_setting SET id = id WHERE 1 = 0"))  # takes SQLite's write lock
    return True


def run(session: Session, now: datetime) -> int | None:
    """Queue every mail due at ``now`` (aware); the number queued, None when another run holds the lock."""
    if not take_lock(session):
        return None
    expiry.expire_questions(session, now)
    messages = expiry.remind_owners(session, now) + expiry.check_solutions(session, now)
    expiry.pause_unconfirmed(session, now)
    audit.prune(session, now)
    if has_app_context():  # the nightly fit of the learned ranker; it needs the app's model files
        from circular_platform.matches.learning import learn_if_due

        learn_if_due(session, now)
    return add_many(session, messages) + digests.send_digests(session, now)


def run_job() -> None:
    """The job ``notify.run``, queued every ``NOTIFY_EVERY_SECONDS`` by ``flask worker``."""
    session = db.sessionmaker()
    try:
        run(session, utcnow())
        session.commit()
    finally:
        session.close()
