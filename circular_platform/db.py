"""SQLAlchemy 2.0 set-up: the declarative base, the engine and one session per request.

Views never commit halfway: services ``flush()``, the view commits once. Functions that
run after a commit (search indexing, mail delivery) register with :func:`after_commit`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from psycopg.types.numeric import Int8BinaryDumper, Int8Dumper
from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, SessionTransaction, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, **kwargs: Any) -> Engine:
    # PostgreSQL: psycopg prepares a statement once a connection has run it five times, so
    # PostgreSQL plans it once, not on every request (planning was 1.4 of 2.3 ms of a question
    # page's database time). psycopg drops them all at every ROLLBACK, so a request that wrote
    # nothing ends with COMMIT (:meth:`Database._end_reading`). The search prepares nothing
    # (:func:`unprepared`).
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _make_sqlite_transactional(engine)
    elif engine.dialect.driver == "psycopg":
        event.listen(engine, "connect", _send_ints_as_bigint)
    return engine


def _send_ints_as_bigint(dbapi_connection: Any, _record: Any) -> None:
    """Every Python int goes to PostgreSQL as ``bigint``. psycopg picks the smallest type that
    holds each value (``smallint`` up to 32,767, ``integer`` above) and keeps a prepared statement
    per combination of types: a page of twenty solution ids (1 to 100,000) was a new statement
    nearly every time, planned anew (0.5 ms). Every id fits (:data:`arguments.MAX_ID`), and an
    ``integer`` column compares with a ``bigint`` through its index."""
    dbapi_connection.adapters.register_dumper(int, Int8Dumper)
    dbapi_connection.adapters.register_dumper(int, Int8BinaryDumper)


def _make_sqlite_transactional(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT and skips foreign keys;
    # SQLAlchemy's documented recipe hands BEGIN to SQLAlchemy instead.
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Background indexing and matching write while requests read: WAL lets readers go on,
        # and a writer waits for another instead of failing at once.
        cursor.execute("PRAGMA busy_timeout=30000")
        if not _is_memory(engine):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN" if _reads_only(connection) else "BEGIN IMMEDIATE")


@contextmanager
def bulk_write_cache(session: Session, megabytes: int = 64) -> Iterator[None]:
    """A larger SQLite page cache for one bulk write in ``session``, the usual one after it.

    SQLite's default cache (2 MB) is far smaller than the indexes of a table that takes
    hundreds of thousands of rows at once: each insert then reads and writes index pages
    again (measured: 700,000 matches took 37 s with the default, 9 s with 64 MB). Only for the
    duration of the write, so the pool's connections stay small. Other databases: unchanged."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    usual = int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
    connection.exec_driver_sql(f"PRAGMA cache_size=-{int(megabytes) * 1024}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={usual}")


READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
V = TypeVar("V", bound=Callable[..., Any])


def _reads_only(connection: Connection) -> bool:
    """Whether this transaction (SQLite) may start without the write lock.

    A deferred ``BEGIN`` takes SQLite's write lock at the first write, and when another connection
    holds it or wrote since this transaction's first read, that fails at once ("database is
    locked"): ``busy_timeout`` waits only when a transaction starts. So a transaction that may
    write starts with ``BEGIN IMMEDIATE`` and waits its turn; only a request with a read-only
    method (which changes nothing), or a session from :meth:`Database.reading_session`, starts
    deferred and reads alongside the writers. Other background work and the CLI write, and so do
    the GET views marked :func:`writes`.
    """
    if connection.get_execution_options().get("reads_only"):
        return True
    return _read_only_request()


def writes(view: V) -> V:
    """Mark a GET view that writes, such as a download that records who took it in the audit log:
    its transaction starts as a writer's (SQLite: ``BEGIN IMMEDIATE``), as a POST request's does."""
    view.writes_on_get = True  # type: ignore[attr-defined]
    return view


def _view_writes() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "writes_on_get", False)


def _is_memory(engine: Engine) -> bool:
    return engine.url.database in (None, "", ":memory:")


class Database:
    """Binds an engine to the app and hands out ``db.session``, one per request or CLI run."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.sessionmaker: sessionmaker[Session] = sessionmaker(expire_on_commit=False)

    def init_app(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"])
        self.sessionmaker.configure(bind=self.engine)
        app.teardown_request(self._end_reading)
        app.teardown_appcontext(self._close_session)

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self.sessionmaker()
        return g.db_session

    def reading_session(self) -> Session:
        """A session that only reads, so it need not wait for the write lock (SQLite) that another
        session of the same process may hold, e.g. the notification run's."""
        session = self.sessionmaker()
        session.connection(execution_options={"reads_only": True})  # before its BEGIN
        return session

    def discard_session_changes(self) -> None:
        """Roll back this request's session, if it has one: after a failed flush or commit it
        answers nothing until then."""
        session = g.get("db_session")
        if session is not None:
            session.rollback()

    def _end_reading(self, exc: BaseException | None) -> None:
        """Commit what a read-only request's session read: closing it would roll back, and a
        rollback drops psycopg's prepared statements (:func:`make_engine`)."""
        session = g.get("db_session")
        if (
            session is not None
            and session.in_transaction()
            and exc is None
            and _read_only_request()
            and not _wrote(session)
        ):
            session.commit()

    def _close_session(self, _exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def _read_only_request() -> bool:
    return has_request_context() and request.method in READ_ONLY_METHODS and not _view_writes()


def _wrote(session: Session) -> bool:
    """Whether the session's transaction changed or holds changes (:func:`_note_writes`)."""
    return bool(session.info.get("wrote") or session.new or session.dirty or session.deleted)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: object) -> None:
    session.info["wrote"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_writes(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_writes(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the whole transaction ended: the next one starts clean
        session.info.pop("wrote", None)


@contextmanager
def unprepared(session: Session) -> Iterator[None]:
    """The statements inside are not prepared (PostgreSQL): a prepared statement may get a
    generic plan, which cannot see which words a tsquery holds, made under whatever planner
    settings the search had set then (search/postgres/planner.py chooses them per query)."""
    driver: Any = session.connection().connection.dbapi_connection
    usual = getattr(driver, "prepare_threshold", None)
    if usual is None:  # SQLite, or preparing is off
        yield
        return
    driver.prepare_threshold = None
    try:
        yield
    finally:
        driver.prepare_threshold = usual


db = Database()


def after_commit(session: Session, callback: Callable[[], None], key: str | None = None) -> None:
    """Run ``callback`` once the session's transaction has committed; drop it on rollback.

    Registered inside a SAVEPOINT (``begin_nested()``), it is dropped when that savepoint rolls
    back and kept when it is released: it runs at the outermost commit only. Callbacks registered
    under the same ``key`` in one transaction run once. A callback cannot use ``session`` (it is
    between transactions): it opens its own.
    """
    callbacks = session.info.setdefault("after_commit", {})
    transaction = session.get_nested_transaction() or session.get_transaction()
    callbacks.setdefault(key or object(), (callback, transaction))


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the data is not committed yet
        return
    for callback, _transaction in session.info.pop("after_commit", {}).values():
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, ended: SessionTransaction) -> None:
    callbacks = session.info.get("after_commit", {})
    for key, (_callback, transaction) in list(callbacks.items()):
        if _within(transaction, ended):
            del callbacks[key]


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    """Whether ``transaction`` is ``ended`` or a savepoint inside it."""
    if transaction is None:
        return ended.parent is None
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False
