"""Pages under load: gunicorn (2 sync workers) on PostgreSQL with 10,000 questions, 100,000
solutions and 1,000,000 stored matches, driven by wrk at 1, 20 and 50 concurrent users.

The database of ``DATABASE_URL`` must be empty (``make bench-load`` starts one for the run when
it is not set); ``--reuse`` measures again on a database this script filled before. The data are
bulk-generated (bench/synth.py: Dutch text modelled on the labelled benchmark) and written with
COPY; the matcher is fitted on them and saved where the served app loads it, and the search index
is rebuilt as ``flask search rebuild`` does. Before serving, every page is requested once in
process and its SQL statements counted.

Rate limits are off in the served app: all requests come from one address. Targets (issue 14):
no errors at 50 users; list and detail pages p95 <= 150 ms at 20 users; posting a question
(with its matching) p95 <= 300 ms. The machine is shared: the load average and the machine's
pace (:func:`machine_pace`) are printed with the figures.

Sizes for a quick run: BENCH_QUESTIONS, BENCH_SOLUTIONS, BENCH_MATCHES; BENCH_USERS (``1,20,50``)
and BENCH_SECONDS (10) per page and level; BENCH_PAGES ("question list,question detail") for
some pages only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess  # nosec B404 - runs gunicorn and wrk, fixed arguments
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synth import Generator  # noqa: E402
from circular_platform import PROJECT_ROOT, create_app, regions, taxonomy  # noqa: E402
from circular_platform.accounts.services import create_user  # noqa: E402
from circular_platform.db import db, make_engine  # noqa: E402
from circular_platform.markdown import description_texts  # noqa: E402
from circular_platform.matches import similar  # noqa: E402
from circular_platform.matches.bulk import BackgroundWrites  # noqa: E402
from circular_platform.matches.store import Models, ModelStore  # noqa: E402
from circular_platform.models import (  # noqa: E402
    Membership,
    MembershipRole,
    Municipality,
    Organisation,
    OrganisationKind,
    Province,
    Question,
    User,
)
from matching.matcher import Document, Matcher  # noqa: E402

SECRET = "bench-load-secret"  # nosec B105 - a throwaway key for the benchmark's own server
PASSWORD = "een lang wachtwoord voor de benchmark"  # nosec B105
COORDINATOR = "coordinator@bench.example"
ASKER = "vrager@bench.example"  # member of the first corporation: posts questions
SUPPLIER = "aanbieder@bench.example"  # member of the largest company: the dashboard
POSTED_TITLE = "Gezocht: "  # the questions a run posts start so (bench/synth's never do)
LARGEST_COMPANY = 1508  # solutions of one company (its profile took 16-18 s on one page)
THEMES = list(taxonomy.THEMES)
UNITS = ["woning", "m2", "ton", "stuk"]
NORTH = ("PV20", "PV21", "PV22")
QUESTION_STATUSES = (["open"] * 80) + (["in_gesprek"] * 8) + (["afgerond"] * 7) + (["concept"] * 5)
SOLUTION_STATUSES = (["actief"] * 90) + (["gepauzeerd"] * 7) + (["gearchiveerd"] * 3)
MATCH_STATUSES = (
    ["voorgesteld"] * 960
    + ["afgewezen"] * 20
    + ["geintroduceerd"] * 5
    + ["in_gesprek"] * 5
    + ["pilot_opdracht"] * 3
    + ["afgerond"] * 4
    + ["niet_doorgegaan"] * 3
)
NOW = datetime.now(UTC)
TIMED_REPEATS = 5  # --in-process: requests per page


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


# -- the data ------------------------------------------------------------------------------------


def copy_rows(connection, table: str, columns: tuple[str, ...], rows: Iterator[tuple]) -> int:
    """COPY ``rows`` into ``table`` through the psycopg connection under SQLAlchemy's."""
    written = 0
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def moment(rng: random.Random, days: int) -> datetime:
    return NOW - timedelta(seconds=rng.randint(60, days * 86400))


def fill(app, sizes: dict[str, int], model_path: Path) -> dict:
    """Organisations, users, questions, solutions and matches; returns what the load needs."""
    rng = random.Random(11)
    synth = Generator(seed=11)
    with app.app_context():
        session = db.session
        regions.load_provinces(session)
        regions.load_municipalities(session)
        session.commit()
        north = session.execute(
            select(Municipality.id, Municipality.name, Province.name)
            .join(Municipality.province)
            .where(Province.cbs_code.in_(NORTH))
        ).all()
        by_name = {name.lower(): (mid, name, province) for mid, name, province in north}
        provinces = {name: pid for pid, name in session.execute(select(Province.id, Province.name))}
        askers, companies = _organisations(session, rng, sizes, north)
        _users(session, askers[0], companies[0])
        raw = session.connection().connection.driver_connection
        started = time.perf_counter()
        questions = _questions(raw, rng, synth, sizes["questions"], askers, by_name, north)
        solutions = _solutions(raw, rng, synth, sizes["solutions"], companies, provinces)
        matches = _matches(raw, rng, sizes["matches"], questions, solutions)
        for table in ("question", "solution", "match", "match_event"):
            session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
        session.commit()
        print(f"  rows written in {time.perf_counter() - started:.0f} s ({matches:,} matches)", flush=True)
        vacuum()
        _fit_matcher(session, model_path, questions, solutions)
        _rebuild_search(session)
        return {"companies": [c.id for c in companies], "asker": askers[0].id}


def _organisations(session, rng, sizes, north) -> tuple[list[Organisation], list[Organisation]]:
    kinds = [
        OrganisationKind.HOUSING_CORPORATION,
        OrganisationKind.MUNICIPALITY,
        OrganisationKind.WATER_BOARD,
    ]
    askers = [
        Organisation(
            name=f"{kinds[n % 3].label} Noord {n}",
            kind=kinds[n % 3],
            municipality_id=rng.choice(north)[0],
            verified=True,
        )
        for n in range(max(20, sizes["questions"] // 50))
    ]
    companies = [
        Organisation(
            name=f"Circulair Bedrijf {n}",
            kind=OrganisationKind.COMPANY,
            municipality_id=rng.choice(north)[0],
            verified=n % 5 != 0,
            may_publish_solutions=True,
        )
        for n in range(max(20, sizes["solutions"] // 100))
    ]
    session.add_all(askers + companies)
    session.commit()
    return askers, companies


def _users(session, asker: Organisation, company: Organisation) -> None:
    coordinator = create_user(session, email=COORDINATOR, name="Coördinator", password=PASSWORD)
    coordinator.is_coordinator = True
    for email, organisation in ((ASKER, asker), (SUPPLIER, company)):
        user = create_user(session, email=email, name=email.split("@")[0].title(), password=PASSWORD)
        session.add(
            Membership(user=user, organisation=organisation, role=MembershipRole.ADMIN, approved=True)
        )
    for user in session.scalars(select(User)):
        user.confirmed_at = NOW
    session.commit()


def _questions(raw, rng, synth, count, askers, by_name, north) -> list[tuple]:
    """Writes the questions; returns (id, title, description, theme, municipality, province, status)."""
    made = []
    rows = []
    for n in range(count):
        document = synth.question(n)
        place = by_name.get(document.location[0]) or rng.choice(north)
        theme = rng.choice(THEMES)
        status = rng.choice(QUESTION_STATUSES)
        title = document.title.capitalize()[:160]
        created = moment(rng, 720)
        quantity = Decimal(rng.randint(1, 500)) if rng.random() < 0.3 else None
        made.append((n + 1, title, document.description, theme, place[1], place[2], status))
        rows.append(
            (
                n + 1,
                askers[n % len(askers)].id,
                title,
                document.description,
                *description_texts(document.description),
                theme,
                "WU" if theme == "bouw" else None,
                "[]",
                place[0],
                quantity,
                rng.choice(UNITS) if quantity is not None else None,
                created.date() + timedelta(days=200),
                False,
                False,
                "",
                "public" if rng.random() < 0.9 else "members",
                status,
                created,
                created,
            )
        )
    columns = (
        "id, organisation_id, title, description, description_html, description_text, summary, theme, "
        "sector, transition_paths, municipality_id, quantity, unit, valid_until, is_procurement, "
        "has_circular_criteria, circular_criteria, visibility, "
        "status, created_at, updated_at"
    )
    copy_rows(raw, "question", tuple(columns.split(", ")), iter(rows))
    return made


def _solutions(raw, rng, synth, count, companies, provinces) -> list[tuple]:
    """Writes the solutions with their themes and areas; returns, per solution,
    (id, title, description, themes, area, status)."""
    made, rows, themes, areas = [], [], [], []
    province_names = [name for name in provinces if name in ("Groningen", "Fryslân", "Drenthe")]
    for n in range(count):
        document = synth.solution(n)
        solution_id = n + 1
        owner = companies[0] if n < min(LARGEST_COMPANY, count // 10) else companies[n % len(companies)]
        nationwide = "nederland" in document.regions
        area = [] if nationwide else rng.sample(province_names, rng.randint(1, 2))
        chosen = rng.sample(THEMES, rng.randint(1, 2))
        status = rng.choice(SOLUTION_STATUSES)
        created = moment(rng, 720)
        title = document.title.capitalize()[:160]
        made.append(
            (solution_id, title, document.description, chosen, ["Nederland"] if nationwide else area, status)
        )
        rows.append(
            (
                solution_id,
                owner.id,
                title,
                document.description,
                *description_texts(document.description),
                nationwide,
                rng.choice(["idee", "pilot", "marktrijp"]),
                "",
                "",
                "",
                status,
                created,
                created,
                created,
            )
        )
        themes.extend((solution_id, theme) for theme in chosen)
        areas.extend((solution_id, provinces[name]) for name in area)
    columns = (
        "id, organisation_id, title, description, description_html, description_text, summary, nationwide, "
        "maturity, capacity, certifications, price_indication, status, confirmed_at, created_at, updated_at"
    )
    copy_rows(raw, "solution", tuple(columns.split(", ")), iter(rows))
    copy_rows(raw, "solution_theme", ("solution_id", "theme"), iter(themes))
    copy_rows(raw, "solution_province", ("solution_id", "province_id"), iter(areas))
    return made


def _matches(raw, rng, count, questions, solutions) -> int:
    """``count`` matches spread over the questions, most proposed, some further along with an event."""
    per_question = max(1, count // len(questions))
    events: list[tuple] = []

    def rows() -> Iterator[tuple]:
        match_id = 0
        for question in questions:
            words = [w for w in question[1].split() if len(w) > 4][:3] or ["circulair"]
            terms = json.dumps(words, ensure_ascii=False)
            for solution_index in rng.sample(range(len(solutions)), min(per_question, len(solutions))):
                match_id += 1
                status = rng.choice(MATCH_STATUSES)
                created = moment(rng, 90)
                snoozed = (
                    NOW + timedelta(days=10) if status == "voorgesteld" and rng.random() < 0.005 else None
                )
                changed = created
                if status != "voorgesteld":
                    action = "reject" if status == "afgewezen" else "introduce"
                    changed = moment(rng, 60)
                    events.append((match_id, action, "voorgesteld", status, "", "", changed))
                score = round(min(0.95, 0.1 + rng.betavariate(2, 5)), 4)
                yield (
                    question[0],
                    solutions[solution_index][0],
                    score,
                    terms,
                    "[]",
                    status,
                    "",
                    created,
                    created,
                    snoozed,
                    changed,
                )

    columns = (
        "question_id",
        "solution_id",
        "score",
        "terms",
        "bridges",
        "status",
        "reason",
        "created_at",
        "updated_at",
        "snoozed_until",
        "last_change_at",
    )
    written = copy_rows(raw, "match", columns, rows())
    event_columns = ("match_id", "action", "from_status", "to_status", "reason", "note", "created_at")
    copy_rows(raw, "match_event", event_columns, iter(events))
    return written


def _fit_matcher(session, model_path: Path, questions: list[tuple], solutions: list[tuple]) -> None:
    """The models the app would fit, on the same texts, saved where the served app loads them."""
    started = time.perf_counter()
    question_documents = [
        Document(id=q[0], title=q[1], description=q[2], themes=frozenset({q[3]}), location=(q[4], q[5]))
        for q in questions
        if q[6] == "open"
    ]
    solution_documents = [
        Document(id=s[0], title=s[1], description=s[2], themes=frozenset(s[3]), regions=frozenset(s[4]))
        for s in solutions
        if s[5] == "actief"
    ]
    models = Models(solutions=Matcher.fit(solution_documents), questions=Matcher.fit(question_documents))
    ModelStore(model_path).save(session, models)  # published in the database, as the worker does
    with BackgroundWrites(session) as background:  # as the rebuild does
        similar.store_all_neighbours(background, models.questions, question_documents)
    session.commit()
    print(f"  matcher fitted and saved, similar questions stored in {time.perf_counter() - started:.0f} s")


def _rebuild_search(session) -> None:
    from circular_platform.search import services

    started = time.perf_counter()
    written = services.rebuild(session)
    print(f"  search index: {written:,} items in {time.perf_counter() - started:.0f} s", flush=True)


# -- what is requested ---------------------------------------------------------------------------


def request_lines(app, facts: dict, rng: random.Random) -> dict[str, tuple[str | None, list[str]]]:
    """Per page: who is logged in (an e-mail or None) and the request lines wrk picks from."""
    with app.app_context():
        session = db.session
        open_public = list(
            session.scalars(
                select(Question.id)
                .where(Question.status == "open", Question.visibility == "public")
                .limit(2000)
            )
        )
        active = list(session.scalars(text("SELECT id FROM solution WHERE status = 'actief' LIMIT 2000")))
        asker = session.get(Organisation, facts["asker"])
        municipality_id = asker.municipality_id
        contact_id = session.scalar(text("SELECT id FROM user_account WHERE email = :e"), {"e": ASKER})
        words = [
            w
            for title in session.scalars(select(Question.title).limit(500))
            for w in title.split()
            if len(w) > 4
        ]
        province_ids = list(session.scalars(select(Province.id).where(Province.cbs_code.in_(NORTH))))
    company = facts["companies"][0]
    post = {
        **shown_question_form(app),
        "organisation_id": facts["asker"],
        "theme": "bouw",
        "sector": "WU",
        "municipality_id": municipality_id,
        "contact_id": contact_id,
        "visibility": "public",
        "publish": "Publiceren",
    }
    bodies = [
        urllib.parse.urlencode(
            {
                **post,
                "title": f"{POSTED_TITLE}{' '.join(rng.sample(words, 3))}",
                "description": " ".join(rng.sample(words, 40)),
                "csrf_token": "{csrf}",
            }
        )
        for _ in range(50)
    ]
    return {
        "home": (None, ["GET /"]),
        "question list": (
            None,
            ["GET /questions/"] * 5 + [f"GET /questions/?page={n}" for n in range(2, 50)],
        ),
        "solution list": (
            None,
            ["GET /solutions/"] * 5 + [f"GET /solutions/?page={n}" for n in range(2, 50)],
        ),
        "question detail": (None, [f"GET /questions/{i}" for i in open_public]),
        "solution detail": (None, [f"GET /solutions/{i}" for i in active]),
        "organisation profile": (
            None,
            [f"GET /organisations/{company}"]
            + [f"GET /organisations/{company}?solutions_page={n}" for n in range(2, 60)],
        ),
        "search": (
            None,
            [
                "GET /search/?"
                + urllib.parse.urlencode({"q": " ".join(rng.sample(words, rng.randint(1, 3)))})
                for _ in range(300)
            ],
        ),
        "review queue": (
            COORDINATOR,
            ["GET /coordination/"] * 3 + [f"GET /coordination/?page={n}" for n in range(2, 8)],
        ),
        "region dashboard": (
            COORDINATOR,
            ["GET /coordination/region"] + [f"GET /coordination/region?province={p}" for p in province_ids],
        ),
        "member dashboard": (SUPPLIER, ["GET /dashboard"]),
        "post question": (ASKER, [f"POST /questions/new {body}" for body in bodies]),
    }


class FormFields(HTMLParser):
    """The fields a browser sends of the page's own form (``method="post"``, no ``action``) as it
    is shown: each box with its value (empty or a default), each list at its selected or first
    option, each checked box; no buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._inside = self._done = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form" and a.get("method", "").lower() == "post" and "action" not in a and not self._done:
            self._inside = True
        elif not self._inside or "disabled" in a:
            return
        elif tag == "input" and a.get("name") and a.get("type", "text") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            if self._select not in self.fields or "selected" in a:
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields[self._textarea or ""] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._inside:
            self._inside, self._done = False, True
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = self.fields[self._textarea]  # a browser drops the newline after the start tag
            self.fields[self._textarea] = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._textarea = None


def shown_question_form(app) -> dict[str, str]:
    """What a browser sends of the question form as :data:`ASKER` opens it, before typing:
    every box of it, the three empty material rows too, which a post must read."""
    client = app.test_client()
    client.post("/login", data={"email": ASKER, "password": PASSWORD})
    page = client.get("/questions/new")
    if page.status_code != 200:
        raise RuntimeError(f"/questions/new answered {page.status_code} to {ASKER}")
    parser = FormFields()
    parser.feed(page.text)
    return {name: value for name, value in parser.fields.items() if name != "csrf_token"}


def vacuum() -> None:
    """VACUUM ANALYZE: each run starts without the dead rows of earlier runs' posts (82,000 in the
    match table after a dozen runs, which autovacuum had not reached) and with the visibility map
    that the index-only scans need."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def forget_posted(app, since: datetime) -> int:
    """Delete the questions posted since ``since`` (with their matches, similar questions, search
    entries and change log), so that ``--reuse`` measures the database of the same size again:
    thousands of posted questions make every post rank against more."""
    with app.app_context():
        posted = select(Question.id).where(
            Question.title.startswith(POSTED_TITLE), Question.created_at >= since
        )
        ids = list(db.session.scalars(posted))
        for statement in (
            "DELETE FROM search_document WHERE kind = 'question' AND item_id = ANY(:ids)",
            "DELETE FROM change_log WHERE item_type = 'question' AND item_id = ANY(:ids)",
            "DELETE FROM question WHERE id = ANY(:ids)",
        ):
            db.session.execute(text(statement), {"ids": ids})
        db.session.commit()
    return len(ids)


def chosen_pages(pages: dict) -> dict:
    """The pages named in BENCH_PAGES (comma-separated), or all."""
    names = [name for name in os.environ.get("BENCH_PAGES", "").split(",") if name]
    return {page: lines for page, lines in pages.items() if not names or page in names}


def count_statements(app, pages: dict, timings: dict[str, list[float]] | None = None) -> dict[str, int]:
    """SQL statements of each page's first request line, in process (a POST counts its redirect too).
    With ``timings``, the GET pages are requested TIMED_REPEATS times more, one at a time, and the
    milliseconds of each request go there."""
    counted: dict[str, int] = {}
    engine = None
    with app.app_context():
        engine = db.engine
    for page, (email, lines) in pages.items():
        client = app.test_client()
        if email:
            client.post("/login", data={"email": email, "password": PASSWORD})
        method, path, body = (lines[0].split(" ", 2) + [""])[:3]
        statements: list[str] = []

        def count(_connection, _cursor, statement, *_args, into=statements) -> None:
            into.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            if method == "POST":
                response = client.post(path, data=dict(urllib.parse.parse_qsl(body, keep_blank_values=True)))
            else:
                response = client.get(path)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counted[page] = len(statements) if response.status_code < 400 else -response.status_code
        if timings is not None and method == "GET":
            timings[page] = [_timed(client, path) for _ in range(TIMED_REPEATS)]
    return counted


def _timed(client, path: str) -> float:
    started = time.perf_counter()
    client.get(path)
    return (time.perf_counter() - started) * 1000


def print_timings(timings: dict[str, list[float]]) -> None:
    print("\n| page (in process, one at a time) | median ms | min ms | max ms |")
    print("|---|---:|---:|---:|")
    for page, times in timings.items():
        print(f"| {page} | {statistics.median(times):.0f} | {min(times):.0f} | {max(times):.0f} |")


# -- serving and loading -------------------------------------------------------------------------


def served_app():
    """The app gunicorn serves (``bench.load:served_app()``): the environment's database, the
    fitted matcher of this run, no rate limits. Each worker loads the matcher before its first
    request as in production: gunicorn reads ``gunicorn.conf.py``, whose ``post_worker_init`` loads
    it (3-4 s at 100,000 solutions) and keeps it out of the collector's full passes. Loaded here
    instead, it would be neither."""
    return create_app(
        {
            "SECRET_KEY": SECRET,
            "MATCHING_MODEL_PATH": os.environ["BENCH_MODEL_PATH"],
            "SEARCH_BACKEND": "postgres",
            "RATELIMIT_ENABLED": False,
        }
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


WORKERS = 2


@contextlib.contextmanager
def gunicorn(url: str, model_path: Path) -> Iterator[str]:
    """gunicorn with the served settings (bench/gunicorn.conf.py), once all its workers serve. Its
    access log is written as a server's is, to /dev/null instead of between the figures."""
    port = free_port()
    ready = Path(tempfile.mkdtemp(prefix="bench-ready-"))
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "BENCH_MODEL_PATH": str(model_path),
        "BENCH_READY_DIR": str(ready),
        "PYTHONPATH": str(ROOT),
    }
    binary = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(  # nosec B603 - fixed arguments
        [
            str(binary),
            "--config",
            str(ROOT / "bench/gunicorn.conf.py"),
            "--access-logfile",
            os.devnull,
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "bench.load:served_app()",
        ],
        cwd=ROOT,
        env=environment,
    )
    try:
        for _ in range(240):
            if len(list(ready.iterdir())) >= WORKERS or process.poll() is not None:
                break
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(ready, ignore_errors=True)


def login(base: str, email: str) -> tuple[str, str]:
    """The session cookie of ``email`` and a CSRF token of that session."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", "bench-load")]
    page = opener.open(base + "/login").read().decode()  # nosec B310
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    data = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(base + "/login", data=data)  # nosec B310
    page = opener.open(base + "/questions/new").read().decode()  # nosec B310
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, token[1] if token else ""


def run_wrk(base: str, lines: list[str], cookie: str, users: int, seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
    environment = {**os.environ, "BENCH_REQUESTS": handle.name, "BENCH_COOKIE": cookie}
    threads = min(users, 2)
    result = subprocess.run(  # nosec B603 - fixed arguments
        [
            "wrk",
            f"-t{threads}",
            f"-c{users}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench/load.lua"),
            base,
        ],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    os.unlink(handle.name)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["rate"] = figures["requests"] / figures["seconds"]
    return figures


def warm(base: str, lines: list[str], cookie: str) -> None:
    """A few requests of the page, one at a time, each waited for: both workers have served it."""
    for line in lines * 2:
        method, path, body = (line.split(" ", 2) + [""])[:3]
        request = urllib.request.Request(
            base + path,
            data=body.encode() if method == "POST" else None,
            headers={"Cookie": cookie, "User-Agent": "bench-load"},
        )
        with contextlib.suppress(OSError):
            urllib.request.urlopen(request, timeout=120).read()  # nosec B310 - our own server


def measure(base: str, pages: dict, levels: list[int], seconds: int) -> list[tuple]:
    sessions = {email: login(base, email) for email, _ in pages.values() if email}
    rows = []
    for page, (email, lines) in pages.items():
        cookie, token = sessions.get(email, ("", ""))
        lines = [line.replace("%7Bcsrf%7D", urllib.parse.quote(token)) for line in lines]
        warm(base, lines[:4], cookie)
        for users in levels:
            figures = run_wrk(base, lines, cookie, users, seconds)
            rows.append((page, users, figures, os.getloadavg()[0], machine_pace()))
            print(
                f"  {page:<21} {users:>3} users {figures['rate']:7.1f} req/s  p50 {figures['p50']:7.1f}  "
                f"p95 {figures['p95']:7.1f}  p99 {figures['p99']:7.1f} ms  errors "
                f"{figures['status_errors'] + figures['socket_errors']}  load {rows[-1][3]:.1f}  "
                f"pace {rows[-1][4]:.0f} ms",
                flush=True,
            )
    return rows


def machine_pace() -> float:
    """CPU milliseconds of a fixed piece of Python (about 60 on this machine when the host is
    quiet): on a shared host the same code runs up to twice as slow at times, which the load
    average does not show. Figures from a slow moment are figures of a slower machine."""
    started = time.process_time()
    sum(i * i for i in range(1_000_000))
    return (time.process_time() - started) * 1000


def print_table(rows: list[tuple], statements: dict[str, int]) -> None:
    print("\n| page | users | req/s | p50 ms | p95 ms | p99 ms | errors | statements | load | pace ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for page, users, f, load, pace in rows:
        # wrk counts no error for a request still waiting when the run ends: none completed is a failure too.
        errors = f["status_errors"] + f["socket_errors"] if f["requests"] else "none completed"
        print(
            f"| {page} | {users} | {f['rate']:.1f} | {f['p50']:.0f} | {f['p95']:.0f} | {f['p99']:.0f} "
            f"| {errors} | {statements.get(page, '')} | {load:.1f} | {pace:.0f} |"
        )


# -- the run -------------------------------------------------------------------------------------


def migrate(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        config = Config(str(PROJECT_ROOT / "alembic.ini"))
        config.attributes["connection"] = connection
        config.attributes["configure_logger"] = False
        command.upgrade(config, "head")
    engine.dispose()


def _measured(
    app, url: str, model_path: Path, pages: dict, levels: list[int], seconds: int, in_process: bool
):
    """(rows of the table or None when ``in_process`` printed its timings, statements per page)."""
    timings: dict[str, list[float]] | None = {} if in_process else None
    statements = count_statements(app, pages, timings)
    print(f"statements per page: {statements}", flush=True)
    if timings is not None:
        print_timings(timings)
        return None, statements
    with gunicorn(url, model_path) as base:
        return measure(base, pages, levels, seconds), statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reuse", action="store_true", help="measure on the database filled by an earlier run"
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="time each page's first request in process, one at a time, instead of serving it to wrk",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit(
            "bench/load.py needs DATABASE_URL of an empty PostgreSQL database (make bench-load starts one)."
        )
    sizes = {
        "questions": env_int("BENCH_QUESTIONS", 10_000),
        "solutions": env_int("BENCH_SOLUTIONS", 100_000),
        "matches": env_int("BENCH_MATCHES", 1_000_000),
    }
    levels = [int(n) for n in os.environ.get("BENCH_USERS", "1,20,50").split(",")]
    seconds = env_int("BENCH_SECONDS", 10)
    model_path = (
        Path(os.environ.get("BENCH_MODEL_DIR", tempfile.gettempdir())) / "bench-load-matcher" / "model"
    )
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "MATCHING_MODEL_PATH": str(model_path),
            "SEARCH_BACKEND": "postgres",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "SEARCH_INDEXING": "inline",
        }
    )
    print(f"load before: {os.getloadavg()}; sizes {sizes}", flush=True)
    # The interpreter counts: a pyenv build (no PGO, shared libpython) ran pages 20-30 % slower
    # than Debian's python3.11 on the same machine (README, "How many workers").
    print(f"  python {sys.version.split()[0]} at {sys.executable}, pace {machine_pace():.0f} ms", flush=True)
    if args.reuse:
        with app.app_context():
            vacuum()  # before this session's reads: no snapshot of theirs holds the dead rows back
            companies = list(
                db.session.scalars(text("SELECT id FROM organisation WHERE kind = 'bedrijf' ORDER BY id"))
            )
            asker = db.session.scalar(text("SELECT min(id) FROM organisation WHERE kind <> 'bedrijf'"))
            sizes = {
                "questions": db.session.scalar(select(func.count()).select_from(Question)),
                "solutions": db.session.scalar(text("SELECT count(*) FROM solution")),
                "matches": db.session.scalar(text("SELECT count(*) FROM match")),
            }
        facts = {"companies": companies, "asker": asker}
        print(f"  reusing {sizes}", flush=True)
    else:
        migrate(url)
        facts = fill(app, sizes, model_path)
    pages = chosen_pages(request_lines(app, facts, random.Random(3)))
    started = datetime.now(UTC)  # what is posted from here on is deleted again
    try:
        rows, statements = _measured(app, url, model_path, pages, levels, seconds, args.in_process)
    finally:
        print(f"  {forget_posted(app, started):,} posted questions deleted again", flush=True)
    if rows is not None:
        print_table(rows, statements)
    print(f"\nload after: {os.getloadavg()}; {os.cpu_count()} cores; sizes {sizes}")


if __name__ == "__main__":
    main()
