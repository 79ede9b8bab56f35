"""Background work (circular_platform/background.py): one rebuild at a time, the fitted matcher
shared through the database, and in queue mode (``REDIS_URL`` set) the jobs on the queue."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

from circular_platform import PROJECT_ROOT, background, create_app, regions
from circular_platform.db import db
from circular_platform.matches.services import rebuild_job
from circular_platform.matches.store import ModelStore, load_at_start, store
from circular_platform.models import Match, MatcherModel, Organisation, OrganisationKind, SearchPending
from circular_platform.questions import services as question_services
from circular_platform.search import queue as search_queue
from circular_platform.search import services as search_services
from circular_platform.solutions import services as solution_services
from tests.conftest import app_settings, run_at_once, run_worker_burst

MATERIALS = ["kozijnen", "isolatie", "dakpannen", "bakstenen", "beton", "hout", "glas", "staal"]
PLACES = ["Emmen", "Assen", "Groningen", "Leeuwarden"]
queue_only = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="queue mode: needs REDIS_URL")
# In queue mode the worker's periodic search.drain does what the web process's thread does here.
embedded_only = pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="the embedded default")


def fill_market(session: Session, questions: int, solutions: int) -> None:
    """Questions and solutions on a few materials, so that every question has several matches."""
    municipality = regions.municipality_by_name(session, "Emmen")
    buyer = Organisation(name="Woonstichting Test", kind=OrganisationKind("woningcorporatie"))
    seller = Organisation(name="Bouw Test", kind=OrganisationKind("bedrijf"), may_publish_solutions=True)
    buyer.municipality = seller.municipality = municipality
    session.add_all([buyer, seller])
    for n in range(questions):
        material, place = MATERIALS[n % len(MATERIALS)], PLACES[n % len(PLACES)]
        data = {
            "title": f"Hergebruikte {material} gezocht voor project {n}",
            "description": f"Wij zoeken {material} uit de regio {place} voor renovatie {n}.",
            "theme": "bouw",
            "sector": "WU",
            "municipality": regions.municipality_by_name(session, place),
        }
        question_services.post_question(session, None, buyer, data, publish=True)
    for n in range(solutions):
        material = MATERIALS[(n * 3) % len(MATERIALS)]
        data = {
            "title": f"Circulaire {material} uit Drenthe, aanbod {n}",
            "description": f"Wij leveren gebruikte {material} en {MATERIALS[n % len(MATERIALS)]}.",
            "themes": ["bouw"],
            "nationwide": False,
            "provinces": [regions.province_by_name(session, "Drenthe")],
            "municipalities": [],
        }
        solution_services.publish_solution(session, None, seller, data)
    session.commit()


def own_app(database_url: str, folder: Path, **settings) -> Flask:
    return create_app({**app_settings(database_url, folder), **settings})


def stored_pairs(session: Session) -> list[tuple[int, int]]:
    return sorted((q, s) for q, s in session.execute(select(Match.question_id, Match.solution_id)))


# -- one rebuild at a time -------------------------------------------------------------------------


def market_without_matches(app: Flask) -> list[tuple[int, int]]:
    """Questions and solutions whose matches are gone: every rebuild inserts the same proposals.
    Returns what one rebuild stores."""
    with app.app_context(), db.sessionmaker() as session:
        fill_market(session, questions=60, solutions=60)
        rebuild_job()
        expected = stored_pairs(session)
        session.execute(delete(Match))
        session.commit()
    assert expected
    return expected


# Both processes start rebuilding once both have started (a file each as the barrier).
REBUILD_IN_A_PROCESS = """
import json, sys, time
from pathlib import Path
from circular_platform import create_app
from circular_platform.matches.services import rebuild_job
app = create_app(json.loads(sys.argv[1]))
ready = Path(sys.argv[2])
ready.touch()
while len(list(ready.parent.glob("ready-*"))) < 2:
    time.sleep(0.01)
with app.app_context():
    rebuild_job()
"""


def test_two_processes_asking_for_a_rebuild_at_once_store_every_match_once(own_database, tmp_path):
    app = own_app(own_database, tmp_path)
    expected = market_without_matches(app)
    db.engine.dispose()  # type: ignore[union-attr]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                REBUILD_IN_A_PROCESS,
                json.dumps(app_settings(own_database, folder)),
                str(tmp_path / f"ready-{folder.name}"),
            ],
            cwd=PROJECT_ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for folder in (tmp_path / "one", tmp_path / "two")  # two hosts: each its own model folder
    ]
    errors = [process.communicate(timeout=300)[1] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], errors
    assert not any("Traceback" in error for error in errors), errors
    with app.app_context(), db.sessionmaker() as session:
        assert stored_pairs(session) == expected
        assert session.scalar(select(func.count(MatcherModel.id))) == 1  # the newest version only


def test_two_threads_asking_for_a_rebuild_at_once_store_every_match_once(own_database, tmp_path):
    app = own_app(own_database, tmp_path)
    expected = market_without_matches(app)

    def ask_for_a_rebuild(_thread: int) -> None:
        with app.app_context():
            rebuild_job()

    run_at_once(ask_for_a_rebuild)  # raises what either thread raised
    with app.app_context(), db.sessionmaker() as session:
        assert stored_pairs(session) == expected


def test_a_running_rebuild_makes_a_second_one_skip(app):
    with app.app_context():
        session = db.sessionmaker()
        with (
            background.exclusive(session, "matching") as first,
            background.exclusive(db.sessionmaker(), "matching") as second,
        ):
            assert (first, second) == (True, False)
        with background.exclusive(session, "matching") as after:
            assert after
        session.rollback()


# -- the fitted matcher is shared through the database -------------------------------------------


def test_a_server_on_another_disk_loads_the_matcher_the_worker_fitted(
    app, corporation, company, make_question, make_solution, tmp_path
):
    make_solution(company, "Hergebruikte kozijnen uit sloopwoningen")
    make_question(corporation, "Hergebruikte kozijnen voor 180 woningen")
    elsewhere = ModelStore(tmp_path / "other-host" / "model", check_seconds=0)
    with app.app_context():
        rebuild_job()  # what the worker does
        fitted = store()
        assert fitted.get() is not None
        models = elsewhere.get()
        assert models is not None
        assert elsewhere.version == fitted.version
        assert models.size == fitted.get().size  # type: ignore[union-attr]
        make_solution(company, "Isolatie van hennep")
        rebuild_job()
        with db.sessionmaker() as session:
            assert session.scalar(select(func.count(MatcherModel.id))) == 1  # the newest only
        assert elsewhere.get().size == models.size + 1  # type: ignore[union-attr]
        assert elsewhere.version == fitted.version


def test_a_web_worker_leaves_each_model_it_loads_out_of_the_collectors_full_passes(
    app, corporation, company, make_question, make_solution
):
    """A full pass of the garbage collector over a loaded model stalled a request 230-350 ms;
    gunicorn's workers load the model with :func:`load_at_start`, which freezes it, and freeze
    again when they load a newer one."""
    make_solution(company, "Hergebruikte kozijnen uit sloopwoningen")
    make_question(corporation, "Hergebruikte kozijnen voor 180 woningen")
    gc.unfreeze()
    try:
        with app.app_context():
            rebuild_job()  # as the worker process does: a web worker reads the model from its files
            store()._loaded_mtime = 0.0
            load_at_start(app)
            models = store().get()
            assert models is not None
            assert all(tracked is not models for tracked in gc.get_objects())  # frozen: never scanned
            gc.unfreeze()
            make_solution(company, "Isolatie van hennep")
            rebuild_job()
            store()._loaded_mtime = 0.0
            newer = store().get()
            assert newer is not None
            assert newer is not models
            assert all(tracked is not newer for tracked in gc.get_objects())
    finally:
        gc.unfreeze()


@embedded_only
def test_what_a_command_queued_is_indexed_once_the_site_serves_a_page(own_database, tmp_path):
    """A command (as ``flask notify run``) commits in a process that serves no page: the web
    process's indexer must find its queued rows without a write of its own."""
    command = own_app(own_database, tmp_path, SEARCH_INDEXING="off")
    with command.app_context(), db.sessionmaker() as session:
        search_services.rebuild(session)  # as ``flask search rebuild`` at installation
        fill_market(session, questions=1, solutions=1)
        assert session.scalar(select(func.count(SearchPending.id))) > 0
    db.engine.dispose()  # type: ignore[union-attr]  # the command's: the teardown disposes the web app's
    web = own_app(own_database, tmp_path, SEARCH_INDEXING="background", SEARCH_RETRY_SECONDS=0.05)
    client = web.test_client()
    for _ in range(100):  # the indexer drains every 0.05 s once started
        if "Circulaire" in client.get("/search/", query_string={"q": "aanbod"}).text:
            break
        time.sleep(0.05)
    web.extensions["search_indexer"].retry_seconds = 3600  # park the thread: it outlives this app
    time.sleep(0.1)
    with web.app_context(), db.sessionmaker() as session:
        assert session.scalar(select(func.count(SearchPending.id))) == 0
    assert "Circulaire" in client.get("/search/", query_string={"q": "aanbod"}).text


@embedded_only
def test_changes_of_one_moment_are_indexed_in_one_drain(own_database, tmp_path):
    """Five commits within a moment wake the web process's indexer five times; it indexes them
    together (a drain of one item costs three times its share of a drain of five)."""
    app = own_app(own_database, tmp_path, SEARCH_INDEXING="background")
    drains: list[str] = []

    def count_drains(_connection, _cursor, statement, *_args) -> None:
        if statement.startswith("DELETE FROM search_pending"):  # a drain's last step
            drains.append(statement)

    with app.app_context(), db.sessionmaker() as session:
        search_services.rebuild(session)
        event.listen(db.engine, "before_cursor_execute", count_drains)
        emmen = regions.municipality_by_name(session, "Emmen")
        for n in range(5):  # a commit every 20 ms or so: an indexer that does not wait drains each
            session.add(
                Organisation(name=f"Sloopbedrijf {n}", kind=OrganisationKind("bedrijf"), municipality=emmen)
            )
            session.commit()
            time.sleep(0.02)
        for _ in range(100):
            pending = session.scalar(select(func.count(SearchPending.id)))
            session.rollback()  # ends the read: SQLite lets no drain commit while it lasts
            if not pending:
                break
            time.sleep(0.05)
        event.remove(db.engine, "before_cursor_execute", count_drains)
        assert pending == 0
    indexer = app.extensions["search_indexer"]
    indexer.retry_seconds = 3600  # park the thread, which outlives this app: woken once more, it
    indexer.wake()  # drains nothing while this app's database is still the one bound, then waits
    time.sleep(search_queue.GATHER_SECONDS + 0.2)
    assert len(drains) == 1


# -- queue mode -------------------------------------------------------------------------------------


@queue_only
def test_with_redis_a_change_queues_the_rebuild_and_the_worker_does_it(own_database, tmp_path):
    app = own_app(own_database, tmp_path, MATCHING_SYNC=False, SEARCH_INDEXING="background")
    background.redis_connection(app).flushdb()
    with app.app_context(), db.sessionmaker() as session:
        fill_market(session, questions=5, solutions=5)
        assert store().get() is None  # this process serves requests: it never rebuilds
        assert session.scalar(select(func.count(Match.id))) == 0
        queued = [job.description for job in background.job_queue(app).jobs]
        assert queued.count("matching.rebuild") == 1  # five changes asked for it, one job waits
        assert "search.drain" in queued
    environment = {
        **os.environ,
        "DATABASE_URL": own_database,
        "MATCHING_MODEL_PATH": str(tmp_path / "worker" / "model"),
        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
    }
    run_worker_burst(environment)
    with app.app_context(), db.sessionmaker() as session:
        store().sync()
        assert store().get() is not None  # fitted by the worker, loaded from the database
        assert session.scalar(select(func.count(Match.id))) > 0
        assert session.scalar(select(func.count(SearchPending.id))) == 0  # the index is up to date


@queue_only
def test_the_periodic_jobs_are_queued_once_per_slot_whatever_the_number_of_workers(app):
    from circular_platform.worker import queue_periodic_jobs

    background.redis_connection(app).flushdb()
    now = 1_800_000_000.0
    assert queue_periodic_jobs(app, now)
    assert not queue_periodic_jobs(app, now + 1)  # another worker, the same minute
    assert queue_periodic_jobs(app, now + app.config["NOTIFY_EVERY_SECONDS"])
    queued = [job.description for job in background.job_queue(app).jobs]
    assert queued.count("notify.run") == 1  # the second slot's found the first one still waiting
    background.redis_connection(app).flushdb()
