"""The full rebuild's bulk writes: rows straight through the driver, and written by a second
thread while the rebuild goes on ranking.

The database's own work on a bulk write (an index entry per index and a key check per foreign
key, for each row) is most of it: 700,000 new proposals took PostgreSQL 19 s, and 4 s without
the indexes and keys (the indexes built afterwards included). Written in the background, that
work runs on the database's core while the rebuild ranks on its own, instead of after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Connection, Table, insert
from sqlalchemy.orm import Session
from sqlalchemy.pool import SingletonThreadPool


class BackgroundWrites:
    """Writes on a session's connection, one at a time and in order, by a second thread.

    The rebuild calls :meth:`wait` before it uses the session itself, so the connection never
    serves two threads at once; a write's error is raised there. Used as a context manager:
    leaving it waits for the last write."""

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()  # taken here: a Session is not for two threads
        # SQLite in memory: one connection per thread, which no other thread may use; written here.
        self._inline = isinstance(self.connection.engine.pool, SingletonThreadPool)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rebuild-writes")
        self._pending: list[Future] = []

    def __enter__(self) -> BackgroundWrites:
        return self

    def __exit__(self, *_: object) -> None:
        try:
            self.wait()
        finally:
            self._thread.shutdown()

    def submit(self, write: Callable[[Connection], object]) -> None:
        """Run ``write(connection)`` after the writes submitted before it."""
        if self._inline:
            write(self.connection)
        else:
            self._pending.append(self._thread.submit(write, self.connection))

    def wait(self) -> None:
        """Until every submitted write is done."""
        pending, self._pending = self._pending, []
        for write in pending:
            write.result()


def insert_rows(connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """``rows`` (values in the order of ``columns``, as the driver takes them) straight through the
    driver: SQLAlchemy's per-row parameter handling cost more than the database's writing (about
    20 s of 35 for 700,000 proposals). PostgreSQL takes them with ``COPY`` (client and server do a
    fraction of the work of an ``INSERT`` per row); SQLite with ``executemany`` and the SQL
    SQLAlchemy compiles for it."""
    cursor = connection.connection.cursor()
    try:
        if connection.dialect.name == "postgresql":
            _copy(cursor, connection.dialect, table, columns, rows)
        else:
            _executemany(cursor, connection.dialect, table, columns, rows)
    finally:
        cursor.close()


def _copy(cursor, dialect, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    quote = dialect.identifier_preparer
    names = ", ".join(quote.quote(name) for name in columns)
    with cursor.copy(f"COPY {quote.format_table(table)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _executemany(cursor, dialect, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    sql = insert(table).compile(dialect=dialect, column_keys=list(columns), for_executemany=True)
    if sql.positional:
        at = [list(columns).index(name) for name in sql.positiontup or ()]
        cursor.executemany(str(sql), (tuple(row[i] for i in at) for row in rows))
    else:
        cursor.executemany(str(sql), (dict(zip(columns, row, strict=True)) for row in rows))
