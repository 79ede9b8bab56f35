"""``flask backup create`` and ``flask backup restore``: every row of every table comes back.

Backups read committed data, so these tests use databases of their own outside the test
transaction: SQLite files, or on PostgreSQL new databases on the same server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from circular_platform import create_app, regions
from circular_platform.db import Base, db, make_engine
from circular_platform.demo import loader
from circular_platform.models import (
    ApiToken,
    EmissionFactorChange,
    MaterialLine,
    NotificationSetting,
    OutboxMessage,
    Province,
    SavedSearch,
    SearchDocument,
    SearchPending,
    SearchWord,
    SupplyBundle,
    SupplyBundleLine,
    TokenScope,
    User,
)
from tests.conftest import alembic_config, app_settings


@pytest.fixture
def new_database(database_url: str, tmp_path) -> Iterator[Callable[[str], str]]:
    """Makes empty databases by name: SQLite files, or PostgreSQL databases dropped afterwards."""
    server = make_url(database_url)
    made: list[str] = []

    def make(name: str) -> str:
        if server.get_backend_name() == "sqlite":
            return f"sqlite:///{tmp_path / name}.sqlite"
        _on_server(database_url, f'CREATE DATABASE "{name}"')
        made.append(name)
        return server.set(database=name).render_as_string(hide_password=False)

    yield make
    if db.engine is not None:
        db.engine.dispose()
    for name in made:
        _on_server(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _on_server(database_url: str, statement: str) -> None:
    """Run ``statement`` outside a transaction, as CREATE and DROP DATABASE must."""
    engine = make_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def _app(url: str, tmp_path) -> Flask:
    """An app on ``url``; the previous app's connections are closed (the app binds ``db`` anew)."""
    if db.engine is not None:
        db.engine.dispose()
    return create_app(app_settings(url, tmp_path))


# Rows for the tables the demo data leaves empty. A new table the demo does not fill needs one
# here: test_every_row_comes_back fails until it has one.
def _extra_rows(session: Session) -> list[Base]:
    user = session.scalars(select(User).order_by(User.id)).first()
    now = datetime.now(UTC)
    return [
        NotificationSetting(user=user),
        SavedSearch(user=user, query="hennep isolatie", filters={"theme": "bouw"}, created_at=now),
        OutboxMessage(
            recipient=user.email, subject="Welkom", body="Hallo", html_body="<p>Hallo</p>", headers={"X": "1"}
        ),
        SearchDocument(
            kind="question",
            item_id=1,
            title="Hennep",
            body="Isolatie van hennep",
            language="nl",
            status="open",
            themes=["bouw"],
            provinces=["DR"],
            audiences=["public"],
            date=now,
            vector="'hennep':1",
        ),
        SearchWord(word="hennep", reversed_stem="penneh"),
        EmissionFactorChange(
            material_group="wood", primary_kg_per_t=300.0, reuse_kg_per_t=10.0, changed_at=now
        ),
        SearchPending(kind="question", item_id=1),
        ApiToken(
            user=user, name="Inkoop", prefix="cn_abcd", secret_hash="0" * 64, scope=TokenScope.READ_WRITE
        ),
        SupplyBundle(
            label="Hout uit Drenthe",
            material_group="17 02",
            province=session.scalars(select(Province)).first(),
            members=[SupplyBundleLine(material_line=session.scalars(select(MaterialLine)).first())],
        ),
    ]


def _fill_every_table(app: Flask) -> None:
    with app.app_context():
        regions.load_provinces(db.session)
        regions.load_municipalities(db.session)
        assert loader.load(db.session)
        db.session.commit()  # indexes the demo data inline, which empties search_pending
        for row in _extra_rows(db.session):
            if not db.session.scalar(select(func.count()).select_from(row.__table__)):
                db.session.add(row)
        db.session.commit()


def _all_rows(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        rows = {"alembic_version": list(connection.execute(text("SELECT * FROM alembic_version")))}
        for table in Base.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in connection.execute(query)]
    return rows


def _migrated(url: str) -> str:
    engine = make_engine(url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    engine.dispose()
    return url


def test_every_row_comes_back(new_database, tmp_path):
    source = _app(_migrated(new_database("backup_source")), tmp_path / "source")
    _fill_every_table(source)
    original = _all_rows(db.engine)
    assert [name for name, rows in original.items() if not rows] == []  # every table holds a row

    path = tmp_path / "circulair.backup"
    result = source.test_cli_runner().invoke(args=["backup", "create", str(path)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output

    restored_app = _app(new_database("backup_target"), tmp_path / "target")
    result = restored_app.test_cli_runner().invoke(args=["backup", "restore", str(path)])
    assert result.exit_code == 0, result.output
    assert "flask search rebuild" in result.output
    assert _all_rows(db.engine) == original

    result = restored_app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Hennepvezel" in restored_app.test_client().get("/search/?q=hennep").text


def test_restore_refuses_a_database_that_is_not_empty(new_database, tmp_path):
    app = _app(_migrated(new_database("backup_full")), tmp_path)
    path = tmp_path / "copy.backup"
    assert app.test_cli_runner().invoke(args=["backup", "create", str(path)]).exit_code == 0
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(path)])
    assert result.exit_code == 1
    assert "is not empty" in result.output
    assert "Restore into a new, empty database" in result.output


def test_create_does_not_overwrite_a_file(new_database, tmp_path):
    app = _app(_migrated(new_database("backup_exists")), tmp_path)
    path = tmp_path / "old.backup"
    path.write_bytes(b"an older backup")
    result = app.test_cli_runner().invoke(args=["backup", "create", str(path)])
    assert result.exit_code == 1
    assert "exists already" in result.output
    assert path.read_bytes() == b"an older backup"


def test_restore_says_what_to_do_after_restoring_an_older_schema(new_database, tmp_path):
    old_url = new_database("backup_old")
    engine = make_engine(old_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "c1de34955618")
    engine.dispose()
    path = tmp_path / "old.backup"
    assert (
        _app(old_url, tmp_path).test_cli_runner().invoke(args=["backup", "create", str(path)]).exit_code == 0
    )

    result = (
        _app(new_database("backup_new"), tmp_path)
        .test_cli_runner()
        .invoke(args=["backup", "restore", str(path)])
    )
    assert result.exit_code == 0, result.output
    assert "revision c1de34955618" in result.output
    assert "alembic upgrade head" in result.output
