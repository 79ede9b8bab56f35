"""A consistent copy of the database, and bringing one back into an empty database.

SQLite is copied with its online backup API (a consistent copy while the app keeps writing);
PostgreSQL with ``pg_dump --format=custom`` and ``pg_restore`` in one transaction. The connection
goes to them in ``PG*`` environment variables, never on the command line, where ``ps`` shows
the password to every user of the machine; they run with fixed arguments and no shell.

The search index and the fitted matcher are not in the copy: both are rebuilt from the data
(``flask search rebuild``, ``flask matching rebuild``).
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess  # nosec B404
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import URL

Progress = Callable[[int, int], None]  # (done, total) in the tool's own unit: pages or tables
SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
SQLITE_PAGES_PER_STEP = 256


class BackupError(Exception):
    """What went wrong, in a sentence for the person at the command line."""


def create(engine: Engine, path: Path, progress: Progress) -> None:
    if engine.dialect.name == "sqlite":
        _copy_sqlite(_sqlite_file(engine.url), path, progress)
    else:
        tables = len(inspect(engine).get_table_names())
        _run(_pg_tool("pg_dump"), ["--format=custom", f"--file={path}"], engine.url, tables, progress)


def restore(engine: Engine, path: Path, progress: Progress) -> None:
    """Bring the copy at ``path`` into the database of ``engine``, which must hold no tables."""
    _require_empty(engine)
    header = path.read_bytes()[:16] if path.is_file() else b""
    if engine.dialect.name == "sqlite":
        if header != SQLITE_HEADER:
            raise BackupError(f"{path} is no SQLite backup; a PostgreSQL backup restores into PostgreSQL.")
        _copy_sqlite(path, _sqlite_file(engine.url), progress)
        return
    if not header.startswith(PG_DUMP_HEADER):
        raise BackupError(
            f"{path} is no pg_dump backup (custom format); a SQLite backup restores into SQLite."
        )
    arguments = ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", str(path)]
    _run(_pg_tool("pg_restore"), arguments, engine.url, _count_tables(path), progress, dbname_flag=True)


def _require_empty(engine: Engine) -> None:
    tables = inspect(engine).get_table_names()
    if tables:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise BackupError(
            f"The database {engine.url.render_as_string(hide_password=True)} is not empty "
            f"({len(tables)} tables: {shown}). Restore into a new, empty database: create one, "
            "point DATABASE_URL at it and run this again."
        )


# -- SQLite ----------------------------------------------------------------------------------


def _sqlite_file(url: URL) -> Path:
    if url.database in (None, "", ":memory:"):
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def _copy_sqlite(source: Path, target: Path, progress: Progress) -> None:
    """Copy page by page; pages that change during the copy are copied again, so the result is
    the database as it was at one moment."""
    with sqlite3.connect(source) as reader, sqlite3.connect(target) as writer:
        reader.backup(
            writer,
            pages=SQLITE_PAGES_PER_STEP,
            progress=lambda _status, remaining, total: progress(total - remaining, total),
        )
    reader.close()
    writer.close()


# -- PostgreSQL ------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """``name`` on PATH, else in the newest /usr/lib/postgresql/*/bin (Debian keeps it there)."""
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH or in /usr/lib/postgresql/*/bin; install postgresql-client."
        )
    return found


def _pg_environment(url: URL) -> dict[str, str]:
    values = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode"),
    }
    return {**os.environ, **{key: str(value) for key, value in values.items() if value}}


def _count_tables(path: Path) -> int:
    listing = subprocess.run(  # nosec B603
        [_pg_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True, check=False
    )
    return sum(" TABLE DATA " in line for line in listing.stdout.splitlines())


def _run(
    tool: str, arguments: list[str], url: URL, tables: int, progress: Progress, dbname_flag: bool = False
) -> None:
    """Run a PostgreSQL tool verbosely; each table it reports done is one step of ``progress``."""
    target = [f"--dbname={url.database}"] if dbname_flag else []
    problems: list[str] = []
    with subprocess.Popen(  # nosec B603
        [tool, "--verbose", *target, *arguments],
        env=_pg_environment(url),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    ) as process:
        done = 0
        for line in process.stderr or ():
            if "dumping contents of table" in line or "processing data for table" in line:
                done += 1
                progress(min(done, tables), tables)
            elif "error" in line.lower():
                problems.append(line.strip())
    if process.returncode != 0:
        raise BackupError(
            f"{Path(tool).name} failed: " + (" ".join(problems) or f"exit code {process.returncode}")
        )
    progress(tables, tables)
