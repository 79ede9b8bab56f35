"""Fixtures: one migrated database per run, and every test inside a transaction rolled back after it.

``DATABASE_URL`` picks the database (CI runs the suite on SQLite and on PostgreSQL).
"""

from __future__ import annotations

import os
import re
import subprocess  # nosec B404 - runs this project's own flask worker
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TypeVar

import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, inspect, make_url, select, text
from sqlalchemy.orm import Session

from circular_platform import PROJECT_ROOT, create_app, regions
from circular_platform.accounts.services import create_user
from circular_platform.config import normalise_database_url
from circular_platform.db import db, make_engine
from circular_platform.extensions import limiter
from circular_platform.models import (
    Membership,
    MembershipRole,
    Organisation,
    OutboxMessage,
    Question,
    QuestionStatus,
    Solution,
    User,
)
from circular_platform.models.accounts import OrganisationKind
from circular_platform.models.materials import BuildingPassport, Intervention
from circular_platform.passports import services as passport_services
from circular_platform.questions import services as question_services
from circular_platform.solutions import services as solution_services

PASSWORD = "een lang wachtwoord voor tests"


def alembic_config(connection) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["connection"] = connection
    config.attributes["configure_logger"] = False
    return config


def app_settings(database_url: str, tmp_path) -> dict:
    """The app's settings in tests: no CSRF or rate limits, matching and indexing in the request."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "OPEN_DATA_DIR": str(tmp_path / "open-data"),
        "MATCHING_MODEL_PATH": str(tmp_path / "matcher" / "model"),
        "MATCHING_SYNC": True,
        "MATCHING_MODEL_CHECK_SECONDS": None,  # no query for a newer matcher in a page's query count
        "SEARCH_INDEXING": "inline",
        "SERVER_NAME": "localhost",
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    _refuse_a_database_in_use(engine)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
        command.upgrade(alembic_config(connection), "head")
    with Session(engine) as session:
        regions.load_provinces(session)
        regions.load_municipalities(session)
        session.commit()
    yield engine
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    engine.dispose()


IN_USE = 100  # organisations: more than any test run leaves behind, even one that crashed


def _refuse_a_database_in_use(engine: Engine) -> None:
    """The suite empties its database before and after: stop before a DATABASE_URL left pointing
    at a real or benchmark database loses it. A test run leaves no organisations behind."""
    if "organisation" not in inspect(engine).get_table_names():
        return
    with engine.connect() as connection:
        organisations = connection.scalar(text("SELECT count(*) FROM organisation"))
    if organisations > IN_USE:
        engine.dispose()
        pytest.exit(
            f"DATABASE_URL holds {organisations} organisations: the tests would empty it. Use another.",
            2,
        )


@pytest.fixture
def own_database(database_url: str, tmp_path) -> Iterator[str]:
    """The URL of a migrated database of its own (with the regions), outside the test transaction:
    for threads and processes that must see each other's commits. On PostgreSQL a new database on
    the same server, dropped after the test."""
    url = make_url(database_url)
    postgres = url.get_backend_name() == "postgresql"
    name = f"own_{uuid.uuid4().hex[:12]}"
    if postgres:
        _on_the_server(database_url, f'CREATE DATABASE "{name}"')
        own = url.set(database=name).render_as_string(hide_password=False)
    else:
        own = f"sqlite:///{tmp_path / 'own.sqlite'}"
    engine = make_engine(own)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    with Session(engine) as session:
        regions.load_provinces(session)
        regions.load_municipalities(session)
        session.commit()
    engine.dispose()
    yield own
    db.sessionmaker.configure(bind=None)  # the app of the test may have bound it to ``own``
    if db.engine is not None:
        db.engine.dispose()
    if postgres:
        _on_the_server(database_url, f'DROP DATABASE "{name}" WITH (FORCE)')


def _on_the_server(database_url: str, statement: str) -> None:
    server = make_engine(database_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(statement)
    server.dispose()


@pytest.fixture
def app(engine: Engine, database_url: str, tmp_path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    marker = request.node.get_closest_marker("app_config")
    app = create_app({**app_settings(database_url, tmp_path), **(marker.kwargs if marker else {})})
    if app.config["RATELIMIT_ENABLED"]:
        with app.app_context():
            limiter.reset()  # counts kept in Redis (REDIS_URL) outlive the previous test's app
    with engine.connect() as connection:
        transaction = connection.begin()
        db.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
        yield app
        transaction.rollback()
    db.sessionmaker.configure(bind=engine, join_transaction_mode="conditional_savepoint")


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """The test's own session on the test transaction. It holds no app context: requests must not
    share ``g`` (and with it the logged-in user) with the test."""
    session = db.sessionmaker()
    yield session
    session.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD, **extra):
        return self.client.post("/login", data={"email": email, "password": password, **extra})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def make_organisation(session: Session) -> Callable[..., Organisation]:
    def make(
        name: str = "Woonstichting Hondsrug",
        kind: str = "woningcorporatie",
        municipality: str = "Emmen",
        **fields,
    ) -> Organisation:
        organisation = Organisation(
            name=name,
            kind=OrganisationKind(kind),
            municipality=regions.municipality_by_name(session, municipality),
            may_publish_solutions=kind == "bedrijf",
            **fields,
        )
        session.add(organisation)
        session.commit()
        return organisation

    return make


@pytest.fixture
def make_user(session: Session) -> Callable[..., User]:
    def make(
        email: str = "marieke@example.org",
        organisation: Organisation | None = None,
        role: str = "member",
        confirmed: bool = True,
        **flags,
    ) -> User:
        user = create_user(session, email=email, name=email.split("@")[0].title(), password=PASSWORD)
        user.confirmed_at = datetime.now(UTC) if confirmed else None
        for flag, value in flags.items():
            setattr(user, flag, value)
        if organisation is not None:
            session.add(
                Membership(user=user, organisation=organisation, role=MembershipRole(role), approved=True)
            )
        session.commit()
        return user

    return make


@pytest.fixture
def coordinator(make_user: Callable[..., User]) -> User:
    """A coordinator of the regional innovation lab, not logged in."""
    return make_user("sanne@nice.example", is_coordinator=True)


@pytest.fixture
def corporation(
    make_organisation: Callable[..., Organisation], make_user: Callable[..., User]
) -> Organisation:
    """A housing corporation in Emmen with one member, marieke@hondsrug.example."""
    organisation = make_organisation("Woonstichting Hondsrug", municipality="Emmen")
    make_user("marieke@hondsrug.example", organisation)
    return organisation


@pytest.fixture
def company(make_organisation: Callable[..., Organisation], make_user: Callable[..., User]) -> Organisation:
    """A company in Assen that may publish solutions, with one member, info@hennepbouw.example."""
    organisation = make_organisation("Hennepbouw Drenthe", kind="bedrijf", municipality="Assen")
    make_user("info@hennepbouw.example", organisation)
    return organisation


@pytest.fixture
def outbox(session: Session) -> Callable[[str], list[OutboxMessage]]:
    def messages(recipient: str) -> list[OutboxMessage]:
        query = select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id)
        return list(session.scalars(query))

    return messages


def link_in(message: OutboxMessage) -> str:
    """The path of the first link to this site in a mail."""
    match = re.search(r"https?://localhost(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def make_question(session: Session) -> Callable[..., Question]:
    """A published question, posted through the service as a user would."""

    def make(
        organisation: Organisation, title: str = "Hergebruikte kozijnen voor 180 woningen", **fields
    ) -> Question:
        data = {
            "title": title,
            "description": fields.pop(
                "description", "Wij renoveren 180 woningen en zoeken hergebruikte kozijnen."
            ),
            "theme": "bouw",
            "sector": "WU",
            "municipality": regions.municipality_by_name(session, fields.pop("municipality", "Emmen")),
            **fields,
        }
        if data["theme"] != "bouw":
            data["sector"] = None
        status = data.pop("status", None)
        question = question_services.post_question(session, None, organisation, data, publish=True)
        if status is not None:
            question.status = QuestionStatus(status)
        session.commit()
        return question

    return make


@pytest.fixture
def make_solution(session: Session) -> Callable[..., Solution]:
    def make(
        organisation: Organisation, title: str = "Hennepvezel isolatie voor woningen", **fields
    ) -> Solution:
        area = fields.pop("area", ["Drenthe"])
        data = {
            "title": title,
            "description": fields.pop("description", "Isolatiemateriaal van hennep uit Drenthe, biobased."),
            "themes": fields.pop("themes", ["bouw"]),
            "nationwide": area == ["Nederland"],
            "provinces": [p for p in (regions.province_by_name(session, a) for a in area) if p],
            "municipalities": [m for m in (regions.municipality_by_name(session, a) for a in area) if m],
            **fields,
        }
        solution = solution_services.publish_solution(session, None, organisation, data)
        session.commit()
        return solution

    return make


@pytest.fixture
def make_passport(session: Session) -> Callable[..., BuildingPassport]:
    """A building whose materials come free on ``release`` (no intervention when None); ``lines``
    are (material, Eural code, quantity, unit)."""

    def make(
        organisation: Organisation,
        name: str = "Rijtjeswoningen Emmerhout",
        municipality: str = "Emmen",
        release: date | None = date(2028, 3, 1),
        lines: tuple[tuple[str, str | None, str, str], ...] = (
            ("Betonnen vloeren", "17 01 01", "40", "ton"),
        ),
        published: bool = True,
    ) -> BuildingPassport:
        data = {
            "name": name,
            "municipality": regions.municipality_by_name(session, municipality),
            "intervention": Intervention.DEMOLITION if release else None,
            "intervention_date": release,
            "published": published,
            "material_lines": [
                {
                    "material": m,
                    "eural_code": code,
                    "quantity": Decimal(q),
                    "unit": unit,
                    "condition": "",
                    "from_date": None,
                    "location": "",
                }
                for m, code, q, unit in lines
            ],
        }
        passport = passport_services.register_passport(session, organisation, data)
        session.commit()
        return passport

    return make


T = TypeVar("T")


def run_at_once(work: Callable[[int], T], threads: int = 2) -> list[T]:
    """``work(n)`` in ``threads`` threads let go at the same moment; their results in thread order.
    An exception in a thread is raised here instead of being lost with the thread."""
    start = threading.Barrier(threads)
    results: dict[int, T] = {}
    failures: list[BaseException] = []

    def run(n: int) -> None:
        start.wait()
        try:
            results[n] = work(n)
        except BaseException as error:  # noqa: BLE001 - raised below, in the test's thread
            failures.append(error)

    running = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    if failures:
        raise failures[0]
    return [results[n] for n in range(threads)]


def run_worker_burst(environment: dict[str, str]) -> None:
    """``flask worker --burst`` in a process of its own: it runs the queued jobs and exits cleanly."""
    worker = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert worker.returncode == 0, worker.stderr
    assert "Traceback" not in worker.stderr, worker.stderr
