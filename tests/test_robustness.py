"""What a scanner, a busy database and careless input do to the site: never a server error.

Malformed query strings on every GET page give a 400 with a message or are ignored; writers
wait for SQLite's lock instead of failing; the error page renders after a database error;
form, import and API share one set of text rules.
"""

from __future__ import annotations

import html
import os
import sqlite3
import threading
import time
from datetime import UTC, datetime

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from circular_platform import create_app, regions
from circular_platform.accounts.services import create_user
from circular_platform.db import after_commit, db, make_engine, unprepared
from circular_platform.errors import DomainError
from circular_platform.models import Organisation, Question, SearchPending, User
from circular_platform.solutions import services as solution_services
from tests.conftest import PASSWORD, AuthActions, alembic_config, app_settings

HUGE_ID = "1" + "0" * 22  # 23 digits: beyond every integer column, also PostgreSQL's BIGINT
MALFORMED_ARGS = {
    "status": "nonsense",
    "kind": "nonsense",
    "theme": "nonsense",
    "sector": "nonsense",
    "maturity": "nonsense",
    "procurement": "nonsense",
    "sort": "nonsense",
    "age": "²",
    "province": "²",
    "municipality": "²",
    "organisation": HUGE_ID,
    "page": HUGE_ID,
    "membership_id": "abc",
    "strength": "²",
    "threshold": "²",
    "year": "²",
    "quarter": "²",
    "endpoint": "x",
    "_method": "POST",
    "q": "a\x00b",
    "next": "//evil.example",
    "place": "²",
}
CASES = [{name: value} for name, value in MALFORMED_ARGS.items()] + [
    {"page": "-3"},
    {"page": "²"},
    {"province": HUGE_ID, "municipality": HUGE_ID},
    MALFORMED_ARGS,
]


def get_routes(app: Flask) -> list:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.endpoint.endswith("static")
    ]


def path_for(rule, ids: dict[str, str]) -> str:
    values = {name: ids.get(name, "x") for name in rule.arguments}
    if "kind" in values:
        values["kind"] = "questions"
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<{name}>", value)
        for converter in ("int", "any(questions, solutions)"):
            path = path.replace(f"<{converter}:{name}>", value)
    return path


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)  # collect every 500 instead of stopping at one
@pytest.mark.parametrize("role", ["anonymous", "member", "coordinator"])
def test_malformed_query_strings_on_every_page_give_no_server_error(
    app: Flask,
    client: FlaskClient,
    auth,
    role: str,
    corporation: Organisation,
    company: Organisation,
    coordinator,
    make_question,
    make_solution,
):
    question = make_question(corporation)
    solution = make_solution(company)
    existing = {
        "question_id": str(question.id),
        "solution_id": str(solution.id),
        "organisation_id": str(corporation.id),
        "bundle_id": "1",
        "match_id": "1",
    }
    huge = dict.fromkeys(existing, HUGE_ID)
    if role == "member":
        auth.login("marieke@hondsrug.example")
    elif role == "coordinator":
        auth.login(coordinator.email)
    failures = []
    for rule in get_routes(app):
        paths = {path_for(rule, existing), path_for(rule, huge)}
        for path in sorted(paths):
            for args in CASES if path == path_for(rule, existing) else [{}, MALFORMED_ARGS]:
                status = client.get(path, query_string=args).status_code
                if status >= 500:
                    failures.append((path, sorted(args), status))
    assert not failures, "\n".join(map(str, failures))


def test_malformed_values_are_ignored_or_refused_with_a_message(client, corporation, make_question):
    for n in range(21):
        make_question(corporation, title=f"Vraag nummer {n} over kozijnen")
    assert client.get(f"/questions/{HUGE_ID}").status_code == 404
    listed = client.get("/questions/", query_string={"status": "nonsense", "province": "²", "page": "999"})
    assert "Pagina 2 van 2" in listed.text  # the last page, the malformed filters ignored
    assert "Pagina 1 van 2" in client.get("/questions/", query_string={"page": HUGE_ID}).text
    paged = client.get("/questions/", query_string={"endpoint": "x", "_method": "POST"})
    assert 'href="/questions/?page=2"' in paged.text
    refused = client.get("/search/", query_string={"q": "kozijn\x00"})
    assert refused.status_code == 400
    assert "ongeldige tekens" in refused.text


# -- SQLite under concurrent writers ----------------------------------------------------------------

sqlite_only = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "sqlite").split(":")[0] != "sqlite", reason="about SQLite's write lock"
)


@pytest.fixture
def file_database(tmp_path) -> str:
    """A migrated SQLite file of its own, outside the test transaction: its connections compete."""
    url = f"sqlite:///{tmp_path / 'busy.sqlite'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    engine.dispose()
    return url


@sqlite_only
def test_concurrent_writers_wait_for_the_lock_and_lose_nothing(file_database):
    engine = make_engine(file_database)
    failures: list[Exception] = []

    def write(thread: int) -> None:
        for n in range(15):
            try:
                with Session(engine) as session:
                    session.scalar(select(func.count(SearchPending.id)))  # a read first, then a write
                    session.add(SearchPending(kind="question", item_id=thread * 100 + n))
                    time.sleep(0.002)
                    session.commit()
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                failures.append(error)

    threads = [threading.Thread(target=write, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with Session(engine) as session:
        assert session.scalar(select(func.count(SearchPending.id))) == 60
    engine.dispose()
    assert failures == []


@sqlite_only
def test_a_form_posted_while_another_connection_writes_waits_instead_of_failing(file_database, tmp_path):
    app = create_app(app_settings(file_database, tmp_path))
    with db.sessionmaker() as session:
        user = create_user(session, email="piet@example.org", name="Piet", password=PASSWORD)
        user.confirmed_at = datetime.now(UTC)
        session.commit()
    client = app.test_client()
    AuthActions(client).login("piet@example.org")
    holding, release = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        with db.engine.begin() as connection:
            connection.execute(insert(SearchPending).values(kind="question", item_id=1))
            holding.set()
            release.wait(5)
            time.sleep(0.3)

    other = threading.Thread(target=hold_the_write_lock)
    other.start()
    holding.wait(5)
    release.set()  # the other commits 0.3 s later, while this request waits for the lock
    response = client.post("/language", data={"language": "en"})
    other.join()
    assert response.status_code == 302
    with db.sessionmaker() as session:
        assert session.scalar(select(User.language).where(User.email == "piet@example.org")) == "en"
        assert session.scalar(select(func.count(SearchPending.id)).where(SearchPending.item_id == 1)) == 1
    db.engine.dispose()


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
def test_the_error_page_renders_for_a_logged_in_user_after_a_database_error(app, client, auth, make_user):
    make_user("piet@example.org")

    def fails_in_the_database():
        db.session.add(User(email="piet@example.org", name="Dubbel", password_hash="x"))
        db.session.flush()  # the e-mail address is taken: IntegrityError

    app.add_url_rule("/fails", view_func=fails_in_the_database)
    auth.login("piet@example.org")
    response = client.get("/fails")
    assert response.status_code == 500
    assert "Er ging iets mis aan onze kant" in response.text
    assert "Piet" in response.text  # the navigation bar still knows who is logged in


def test_a_database_still_locked_after_the_wait_is_a_page_to_retry(app, client):
    def locked():
        raise OperationalError("UPDATE question", {}, sqlite3.OperationalError("database is locked"))

    app.add_url_rule("/locked", view_func=locked)
    response = client.get("/locked")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Probeer het over een paar seconden opnieuw" in response.text


def test_after_commit_callbacks_follow_their_savepoint(session):
    ran = []
    session.scalar(select(func.count(User.id)))  # the transaction has begun
    with session.begin_nested():
        after_commit(session, lambda: ran.append("kept"))
    assert ran == []  # a released savepoint is not a commit yet
    savepoint = session.begin_nested()
    after_commit(session, lambda: ran.append("dropped"))
    savepoint.rollback()
    session.commit()
    assert ran == ["kept"]


# -- one set of text rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("Kort", "Gebruik 5 tot en met 160 tekens."),
        ("Kozijnen\x00 voor woningen", "onzichtbare stuurtekens"),
        ("Kozijnen \x1b voor woningen", "onzichtbare stuurtekens"),
    ],
)
def test_the_question_form_refuses_short_titles_and_control_characters(
    client, auth, session, corporation, title, message
):
    auth.login("marieke@hondsrug.example")
    form = {
        "organisation_id": corporation.id,
        "title": title,
        "description": "We renoveren 180 woningen in Emmen en zoeken hergebruikte kozijnen.",
        "theme": "bouw",
        "sector": "WU",
        "municipality_id": regions.municipality_by_name(session, "Emmen").id,
        "visibility": "public",
        "contact_id": corporation.active_members[0].id,
        "publish": "1",
    }
    response = client.post("/questions/new", data=form)
    assert message in html.unescape(response.text)
    assert session.scalar(select(func.count(Question.id))) == 0


def test_the_solution_services_refuse_control_characters_in_any_text(session, company):
    data = {
        "title": "Hennepvezel isolatie",
        "description": "Isolatiemateriaal van hennep uit Drenthe, biobased.",
        "themes": ["bouw"],
        "nationwide": True,
        "price_indication": "vanaf € 12\x00 per m²",
    }
    with pytest.raises(DomainError) as refused:
        solution_services.publish_solution(session, None, company, data)
    assert refused.value.field == "price_indication"


@pytest.mark.parametrize("write", ["changed", "flushed", "statement"])
def test_a_read_only_request_saves_nothing_its_view_did_not_commit(app, client, session, corporation, write):
    """A GET request whose session read only ends with COMMIT (it keeps PostgreSQL's prepared
    statements); one whose view changed something without committing still ends with a rollback."""
    renamed = "Hernoemd zonder opslaan"

    @app.get("/test/rename-without-saving")
    def rename_without_saving():
        if write == "statement":
            db.session.execute(
                update(Organisation).where(Organisation.id == corporation.id).values(name=renamed)
            )
        else:
            db.session.get(Organisation, corporation.id).name = renamed
            if write == "flushed":
                db.session.flush()
        return "ok"

    assert client.get("/test/rename-without-saving").status_code == 200
    session.expire_all()
    assert session.get(Organisation, corporation.id).name == corporation.name != renamed


def test_a_page_viewed_again_runs_on_prepared_statements(client, session, corporation, make_question):
    """PostgreSQL plans a prepared statement once instead of on every request (psycopg prepares
    it on the fifth run, and would drop it again if the request ended with a rollback)."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("prepared statements of PostgreSQL")
    question = make_question(corporation, "Hergebruikte kozijnen voor 180 woningen")
    for _ in range(6):
        assert client.get(f"/questions/{question.id}").status_code == 200
    prepared = session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    assert any("FROM question" in statement for statement in prepared)


def test_small_and_large_ids_share_one_prepared_statement(session):
    """A page's ids mix small and large numbers; psycopg sent 7 as ``smallint`` and 70,000 as
    ``integer``, and prepared a statement per mix, so a page of twenty ids was planned anew almost
    every time. Sent as one type, the statement is prepared once, whatever the ids."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("prepared statements of PostgreSQL")
    page = text("SELECT count(*) FROM question WHERE id IN (:first, :second)")
    for first, second in [(7, 70_000), (70_000, 7), (7, 8), (70_000, 80_000)] * 2:
        session.execute(page, {"first": first, "second": second})
    prepared = text(
        "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM question WHERE id IN%'"
    )
    assert session.scalar(prepared) == 1


def test_statements_run_unprepared_are_planned_every_time(session):
    """The search runs its statements :func:`unprepared`: a generic plan cannot see a tsquery's words."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("prepared statements of PostgreSQL")
    count = text("SELECT count(*) FROM question WHERE id > :after")
    prepared = text(
        "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM question WHERE id >%'"
    )
    with unprepared(session):
        for after in range(6):
            session.execute(count, {"after": after})
    assert session.scalar(prepared) == 0
    for after in range(6):
        session.execute(count, {"after": after})
    assert session.scalar(prepared) == 1
