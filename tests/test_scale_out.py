"""Several app servers on one PostgreSQL, with the background work on the queue at ``REDIS_URL``:
two gunicorn processes (each its own model folder, as on two hosts) and one ``flask worker``.
A question posted through one server shows its matches and its search hit on the other.

Runs only with ``REDIS_URL`` set and on PostgreSQL (``.ci/run`` does both); the search backend is
PostgreSQL's, since a Whoosh index on one disk does not serve several hosts.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform import PROJECT_ROOT, regions
from circular_platform.accounts.services import create_user
from circular_platform.db import make_engine
from circular_platform.models import Membership, MembershipRole, Municipality, Organisation, OrganisationKind
from circular_platform.solutions import services as solution_services
from tests.conftest import PASSWORD

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="scale-out: needs REDIS_URL and a PostgreSQL DATABASE_URL",
)
EMAIL = "inkoop@woonnoord.example"
SOLUTION = "Hergebruikte houten kozijnen uit sloopwoningen"
WAIT_SECONDS = 180  # a deadline for the processes to catch up, not a speed requirement


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not after {WAIT_SECONDS} s: {what}")
        time.sleep(0.5)


def fill(database_url: str) -> tuple[int, int]:
    """A housing corporation with a member, and a company's solutions; the corporation's id and
    the id of the solution that matches the question posted."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        emmen = regions.municipality_by_name(session, "Emmen")
        corporation = Organisation(name="Woon Noord", kind=OrganisationKind("woningcorporatie"))
        company = Organisation(name="Sloop & Hergebruik", kind=OrganisationKind("bedrijf"))
        corporation.municipality = company.municipality = emmen
        company.may_publish_solutions = True
        user = create_user(session, email=EMAIL, name="Inkoop", password=PASSWORD)
        user.confirmed_at = datetime.now(UTC)
        session.add(
            Membership(user=user, organisation=corporation, role=MembershipRole("member"), approved=True)
        )
        for title in (SOLUTION, "Isolatie van hennepvezel", "Gebruikte dakpannen", "Tweedehands bakstenen"):
            data = {
                "title": title,
                "description": f"{title}: geleverd in heel Drenthe, gecontroleerd en schoon.",
                "themes": ["bouw"],
                "nationwide": False,
                "provinces": [regions.province_by_name(session, "Drenthe")],
                "municipalities": [],
            }
            solution = solution_services.publish_solution(session, None, company, data)
            if title == SOLUTION:
                matching = solution
        session.commit()
        ids = corporation.id, matching.id
    engine.dispose()
    return ids


@pytest.fixture
def servers(own_database: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two gunicorn servers (A trusts one proxy, B none) and a worker; their base URLs."""
    environment = {
        **os.environ,
        "DATABASE_URL": own_database,
        "SEARCH_BACKEND": "postgres",
        "SECRET_KEY": "scale-out-test",
        "WEB_CONCURRENCY": "1",
        "FLASK_APP": "wsgi",
    }
    for name in ("RATELIMIT_STORAGE_URI", "SERVER_NAME", "PUBLIC_URL", "CIRCULAR_ENV"):
        environment.pop(name, None)
    ports = free_port(), free_port()
    commands = [
        (
            [sys.executable, "-m", "gunicorn", "wsgi:app"],
            {"BIND": f"127.0.0.1:{ports[0]}", "TRUSTED_PROXIES": "1"},
        ),
        (
            [sys.executable, "-m", "gunicorn", "wsgi:app"],
            {"BIND": f"127.0.0.1:{ports[1]}", "TRUSTED_PROXIES": "0"},
        ),
        ([sys.executable, "-m", "flask", "worker"], {}),
    ]
    processes = []
    for number, (command, extra) in enumerate(commands):
        model = {"MATCHING_MODEL_PATH": str(tmp_path / f"host-{number}" / "model")}
        log = open(tmp_path / f"process-{number}.log", "w")  # noqa: SIM115 - closed below
        processes.append(
            (
                subprocess.Popen(
                    command,
                    cwd=PROJECT_ROOT,
                    env={**environment, **model, **extra},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                ),
                log,
            )
        )
    urls = tuple(f"http://127.0.0.1:{port}" for port in ports)
    try:
        for url in urls:
            wait_for(lambda url=url: answers(url), f"{url} answers")
        yield urls  # type: ignore[misc]
    finally:
        for process, _log in processes:
            process.send_signal(signal.SIGTERM)
        for process, log in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a worker finishes its running job first: no need here
                process.kill()
                process.wait()
            log.close()
        for number in range(len(processes)):
            logged = (tmp_path / f"process-{number}.log").read_text()
            assert "Traceback" not in logged, logged


def answers(url: str) -> bool:
    try:
        return requests.get(url + "/", timeout=30).status_code == 200
    except requests.RequestException:  # not listening yet, or still starting
        return False


def csrf_token(page: requests.Response) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def test_a_question_posted_on_one_server_shows_its_matches_and_search_hit_on_the_other(own_database, servers):
    corporation_id, solution_id = fill(own_database)
    server_a, server_b = servers
    browser = requests.Session()  # one cookie jar for 127.0.0.1: logged in on both servers
    login = browser.get(server_a + "/login")
    response = browser.post(
        server_a + "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": csrf_token(login)}
    )
    assert response.ok
    engine = make_engine(own_database)
    with Session(engine) as session:
        emmen = session.scalar(select(Municipality.id).where(Municipality.name == "Emmen"))
        user_id = session.scalar(
            select(Membership.user_id).where(Membership.organisation_id == corporation_id)
        )
    engine.dispose()
    form = browser.get(server_a + "/questions/new")
    posted = browser.post(
        server_a + "/questions/new",
        data={
            "csrf_token": csrf_token(form),
            "organisation_id": corporation_id,
            "title": "Houten kozijnen gezocht voor renovatie in Emmen",
            "description": "Wij zoeken hergebruikte houten kozijnen voor 40 woningen.",
            "theme": "bouw",
            "sector": "WU",
            "municipality_id": emmen,
            "contact_id": user_id,
            "visibility": "public",
            "publish": "Publiceren",
        },
    )
    assert posted.ok, posted.text
    question = re.search(r"/questions/(\d+)$", posted.url)
    assert question, posted.url
    on_b = f"{server_b}/questions/{question.group(1)}"
    match = f'href="/solutions/{solution_id}"'  # its title is marked up: the words that matched
    wait_for(lambda: match in browser.get(on_b).text, "server B shows the match")
    search = f"{server_b}/search/?q=renovatie+kozijnen"
    hit = f'href="/questions/{question.group(1)}"'
    wait_for(lambda: hit in browser.get(search).text, "server B finds it")

    # TRUSTED_PROXIES under gunicorn: A believes its one proxy's https, B believes no header
    secure = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert "Strict-Transport-Security" in requests.get(server_a + "/", headers=secure, timeout=10).headers
    assert "Strict-Transport-Security" not in requests.get(server_b + "/", headers=secure, timeout=10).headers
