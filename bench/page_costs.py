"""What each page costs the web process: CPU milliseconds per request (all threads of the process,
so background indexing started by a post counts), wall milliseconds and SQL statements, over
BENCH_REQUESTS (30) requests per page through the Flask test client, on a database that
``bench/load.py`` filled. No server and no wrk: the CPU figure hardly moves with the machine's
load, where wrk latencies on a shared machine do.

    DATABASE_URL=postgresql://... BENCH_MODEL_DIR=... .venv/bin/python bench/page_costs.py
    BENCH_PROFILE="question list,post question" ...  # also cProfile these pages: CPU time of the
        request thread per package, top functions
    BENCH_PAGES="question detail" ...  # only these pages

The request lines are bench/load.py's (the same pages, users and posted questions); its first
three are requested once before timing, so caches and the matcher are warm.
"""

from __future__ import annotations

import collections
import cProfile
import os
import pstats
import random
import re
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402
from circular_platform import create_app  # noqa: E402
from circular_platform.db import db  # noqa: E402
from circular_platform.matches.store import store  # noqa: E402


def page_app():
    model_dir = Path(os.environ.get("BENCH_MODEL_DIR", tempfile.gettempdir()))
    app = create_app(
        {
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "SECRET_KEY": load.SECRET,
            "MATCHING_MODEL_PATH": str(model_dir / "bench-load-matcher" / "model"),
            "SEARCH_BACKEND": "postgres",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        store().get()
    return app


def filled_facts(app) -> dict:
    with app.app_context():
        companies = list(
            db.session.scalars(text("SELECT id FROM organisation WHERE kind = 'bedrijf' ORDER BY id"))
        )
        asker = db.session.scalar(text("SELECT min(id) FROM organisation WHERE kind <> 'bedrijf'"))
    return {"companies": companies, "asker": asker}


def request(client, line: str, cookie: str) -> None:
    method, path, body = (line.split(" ", 2) + [""])[:3]
    headers = {"Cookie": cookie} if cookie else {}
    if method == "POST":
        response = client.post(
            path, data=dict(urllib.parse.parse_qsl(body, keep_blank_values=True)), headers=headers
        )
    else:
        response = client.get(path, headers=headers)
    assert response.status_code < 400, (line, response.status_code)  # nosec B101 - a broken page is no figure


def measure(app, email: str | None, lines: list[str], count: int, profile: cProfile.Profile | None) -> tuple:
    """(CPU ms, wall ms, statements) per request. Every request sends the cookie of the login, as
    wrk does: a session that kept what each post flashed would grow with every request."""
    client = app.test_client(use_cookies=False)
    cookie = ""
    if email:
        login = client.post("/login", data={"email": email, "password": load.PASSWORD})
        cookie = login.headers["Set-Cookie"].split(";", 1)[0]
    for line in lines[:3]:
        request(client, line, cookie)
    statements = [0]

    def counted(*_args) -> None:
        statements[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counted)
    cpu, wall = time.process_time(), time.perf_counter()
    if profile:
        profile.enable()
    for n in range(count):
        request(client, lines[n % len(lines)], cookie)
    if profile:
        profile.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    event.remove(engine, "before_cursor_execute", counted)
    return cpu * 1000 / count, wall * 1000 / count, statements[0] / count


def print_profile(profile: cProfile.Profile, count: int) -> None:
    """Own time per package (cProfile slows small calls, so the shares matter, not the sums)."""
    stats = pstats.Stats(profile)
    packages: collections.Counter = collections.Counter()
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        found = re.search(r"site-packages/([A-Za-z_0-9]+)|/(templates|circular_platform|matching)/", filename)
        packages[next((g for g in found.groups() if g), "?") if found else "builtins"] += own
    total = sum(packages.values())
    for package, own in packages.most_common(12):
        print(f"    {package:<20} {own * 1000 / count:7.2f} ms  {own / total:4.0%}")
    order = os.environ.get("BENCH_PROFILE_SORT", "cumulative")  # or "tottime": own time
    stats.sort_stats(order).print_stats(int(os.environ.get("BENCH_PROFILE_LINES", "40")))
    for name in filter(None, os.environ.get("BENCH_PROFILE_CALLERS", "").split(",")):
        stats.print_callers(name)


def main() -> None:
    count = load.env_int("BENCH_REQUESTS", 30)
    profiled = os.environ.get("BENCH_PROFILE", "")
    app = page_app()
    pages = load.request_lines(app, filled_facts(app), random.Random(3))
    print(f"load before: {os.getloadavg()}; {count} requests per page")
    print("\n| page | CPU ms | wall ms | statements |\n|---|---:|---:|---:|")
    started = datetime.now(UTC)
    try:
        for page, (email, lines) in load.chosen_pages(pages).items():
            profile = cProfile.Profile(time.thread_time) if page in profiled.split(",") else None
            cpu, wall, statements = measure(app, email, lines, count, profile)
            print(f"| {page} | {cpu:.1f} | {wall:.0f} | {statements:.0f} |", flush=True)
            if profile:
                print_profile(profile, count)
    finally:
        load.forget_posted(app, started)
    print(f"\nload after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
