"""Notification benchmark: one Monday ``flask notify run`` over a large synthetic platform.

    python bench/notify.py [--users 5000] [--organisations 2000] [--matches 20000] [--searches 500]

Rows are bulk-inserted with SQLAlchemy core into a fresh SQLite database (or the empty
PostgreSQL database of ``DATABASE_URL``), the search index is built, and then the run is timed.
Every SQL statement is counted with a ``before_cursor_execute`` listener, the saved searches'
apart (they run one search each, so they grow with the number of saved searches); the run is
repeated at a tenth of the size to show the rest does not grow with the number of users.
Targets: under 60 s and 500 MB peak memory (maximum resident set size of the process).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select  # noqa: E402

from bench.database import migrated_with_regions  # noqa: E402
from circular_platform import create_app  # noqa: E402
from circular_platform.db import db  # noqa: E402
from circular_platform.models import (  # noqa: E402
    Match,
    Membership,
    Municipality,
    Organisation,
    Question,
    SavedSearch,
    Solution,
    SolutionTheme,
    User,
)
from circular_platform.notifications import digests, run  # noqa: E402

MONDAY = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)  # 08:30 in the Netherlands
WORDS = [
    "kozijnen",
    "isolatie",
    "hennep",
    "asfalt",
    "beton",
    "hout",
    "textiel",
    "werkkleding",
    "compost",
    "plastic",
    "glas",
    "staal",
]


def synthesise(connection, users: int, organisations: int, matches: int, searches: int) -> None:
    rng = random.Random(12)
    municipalities = list(connection.scalars(select(Municipality.id)))
    joined = MONDAY - timedelta(days=30)
    connection.execute(
        insert(Organisation),
        [
            {
                "id": i + 1,
                "name": f"Organisatie {i + 1}",
                "kind": "bedrijf" if i % 2 else "gemeente",
                "municipality_id": rng.choice(municipalities),
                "description": "",
                "verified": True,
                "may_publish_solutions": bool(i % 2),
                "created_at": joined,
            }
            for i in range(organisations)
        ],
    )
    connection.execute(
        insert(User),
        [
            {
                "id": i + 1,
                "email": f"user{i + 1}@bench.example",
                "name": f"Gebruiker {i + 1}",
                "password_hash": "x",
                "language": "en" if i % 5 == 0 else "nl",
                "active": True,
                "confirmed_at": joined,
                "is_coordinator": i < 3,
                "is_admin": False,
                "session_token": secrets.token_hex(16),
                "created_at": joined,
            }
            for i in range(users)
        ],
    )
    connection.execute(
        insert(Membership),
        [
            {"user_id": i + 1, "organisation_id": i % organisations + 1, "role": "member", "approved": True}
            | {"message": "", "created_at": joined}
            for i in range(users)
        ],
    )
    askers = [o for o in range(1, organisations + 1) if o % 2]
    sellers = [o for o in range(1, organisations + 1) if not o % 2]

    def text() -> str:
        return " ".join(rng.choices(WORDS, k=8))

    common = {"description": "", "created_at": joined, "updated_at": joined}
    connection.execute(
        insert(Question),
        [
            {"id": i + 1, "organisation_id": org, "title": f"Vraag {text()}", "theme": "bouw"}
            | {"municipality_id": rng.choice(municipalities), "status": "open", "transition_paths": []}
            | {"valid_until": (MONDAY + timedelta(days=90)).date(), "visibility": "public"}
            | {"is_procurement": False, "has_circular_criteria": False, "circular_criteria": ""}
            | common
            for i, org in enumerate(askers)
        ],
    )
    connection.execute(
        insert(Solution),
        [
            {"id": i + 1, "organisation_id": org, "title": f"Aanbod {text()}", "nationwide": True}
            | {"maturity": "marktrijp", "status": "actief", "confirmed_at": joined}
            | {"capacity": "", "certifications": "", "price_indication": ""}
            | common
            for i, org in enumerate(sellers)
        ],
    )
    connection.execute(
        insert(SolutionTheme), [{"solution_id": i + 1, "theme": "bouw"} for i in range(len(sellers))]
    )
    pairs = rng.sample(range(len(askers) * len(sellers)), min(matches, len(askers) * len(sellers)))
    connection.execute(
        insert(Match),
        [
            {"question_id": p // len(sellers) + 1, "solution_id": p % len(sellers) + 1}
            | {
                "score": round(rng.uniform(0.1, 0.9), 3),
                "terms": rng.sample(WORDS, 3),
                "status": "voorgesteld",
            }
            | {"created_at": MONDAY - timedelta(hours=rng.uniform(1, 160)), "reason": ""}
            | {"updated_at": joined}
            for p in pairs
        ],
    )
    connection.execute(
        insert(SavedSearch),
        [
            {"user_id": i + 1, "query": rng.choice(WORDS), "filters": {}, "created_at": joined}
            for i in rng.sample(range(users), searches)
        ],
    )


def measure(args: argparse.Namespace, scale: float) -> dict:
    directory = Path(tempfile.mkdtemp(prefix="bench-notify-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{directory / 'bench.sqlite'}"
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "SEARCH_INDEX_DIR": str(directory / "index"),
            "SEARCH_INDEXING": "off",
            "MATCHING_MODEL_PATH": str(directory / "matcher"),
            "PUBLIC_URL": "https://circulair-noord.example",
        }
    )
    sizes = [max(1, int(n * scale)) for n in (args.users, args.organisations, args.matches, args.searches)]
    with app.app_context():
        migrated_with_regions()
        with db.engine.begin() as connection:
            synthesise(connection, *sizes)
        from circular_platform.search import services as search

        search.rebuild(db.session)
        db.session.commit()
        counts = {"all": 0, "searches": 0}
        in_searches = False

        def count(*_):
            counts["all"] += 1
            counts["searches"] += in_searches

        original = digests.search_sections

        def counted_searches(*a, **k):
            nonlocal in_searches
            in_searches = True
            try:
                return original(*a, **k)
            finally:
                in_searches = False

        digests.search_sections = counted_searches
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MB (kB on Linux)
        event.listen(db.engine, "before_cursor_execute", count)
        started = time.perf_counter()
        queued = run.run(db.session, MONDAY)
        db.session.commit()
        seconds = time.perf_counter() - started
        event.remove(db.engine, "before_cursor_execute", count)
        digests.search_sections = original
    return {"sizes": sizes, "queued": queued, "seconds": seconds, "before": before} | counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--organisations", type=int, default=2000)
    parser.add_argument("--matches", type=int, default=20000)
    parser.add_argument("--searches", type=int, default=500)
    args = parser.parse_args()
    for scale in (0.1, 1.0):
        result = measure(args, scale)
        users, organisations, matches, searches = result["sizes"]
        print(
            f"{users} users, {organisations} organisations, {matches} matches, {searches} saved searches: "
            f"{result['queued']} mails queued in {result['seconds']:.1f} s; "
            f"{result['all']} SQL statements, of which {result['searches']} for the saved searches"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(f"peak memory {peak:.0f} MB (the setup before the last run had reached {result['before']:.0f} MB)")
    ok = result["seconds"] < 60 and peak < 500
    print("PASS" if ok else "FAIL", "(targets: under 60 s, under 500 MB)")


if __name__ == "__main__":
    main()
