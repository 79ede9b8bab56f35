"""Map benchmark: the two grouped counts and the whole /map page over many questions and solutions.

    python bench/map.py [--questions 20000] [--solutions 20000]

Rows are bulk-inserted into a fresh SQLite database (or the empty PostgreSQL database of
``DATABASE_URL``). A third of the solutions is nationwide, a third serves one or two provinces,
a third names one to three municipalities. Each figure is the median of 5 runs after a warm-up.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_login import AnonymousUserMixin  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from bench.database import migrated_with_regions  # noqa: E402
from circular_platform import create_app  # noqa: E402
from circular_platform.db import db  # noqa: E402
from circular_platform.map import measures  # noqa: E402
from circular_platform.models import Municipality, Organisation, Province, Question, Solution  # noqa: E402
from circular_platform.models.marketplace import solution_municipality, solution_province  # noqa: E402

NOW = datetime(2026, 12, 4, tzinfo=UTC)


def synthesise(connection, questions: int, solutions: int) -> None:
    rng = random.Random(15)
    municipalities = list(connection.scalars(select(Municipality.id)))
    provinces = list(
        connection.scalars(select(Province.id).where(Province.cbs_code.in_(["PV20", "PV21", "PV22"])))
    )
    common = {"description": "", "created_at": NOW, "updated_at": NOW}
    connection.execute(
        insert(Organisation),
        [
            {"id": i + 1, "name": f"Organisatie {i + 1}", "kind": "bedrijf", "municipality_id": m}
            | {"description": "", "verified": True, "may_publish_solutions": True, "created_at": NOW}
            for i, m in enumerate(municipalities)
        ],
    )
    connection.execute(
        insert(Question),
        [
            {"id": i + 1, "organisation_id": rng.randint(1, 40), "title": f"Vraag {i}", "theme": "bouw"}
            | {"municipality_id": rng.choice(municipalities), "transition_paths": []}
            | {"status": rng.choice(["open", "open", "in_gesprek", "afgerond", "concept"])}
            | {"visibility": rng.choice(["public", "public", "members"]), "is_procurement": False}
            | {"has_circular_criteria": False, "circular_criteria": ""}
            | common
            for i in range(questions)
        ],
    )
    connection.execute(
        insert(Solution),
        [
            {
                "id": i + 1,
                "organisation_id": rng.randint(1, 40),
                "title": f"Aanbod {i}",
                "nationwide": i % 3 == 0,
            }
            | {"maturity": "marktrijp", "status": rng.choice(["actief", "actief", "gepauzeerd"])}
            | {"confirmed_at": NOW, "capacity": "", "certifications": "", "price_indication": ""}
            | common
            for i in range(solutions)
        ],
    )
    by_province = [
        {"solution_id": i + 1, "province_id": p}
        for i in range(1, solutions, 3)
        for p in rng.sample(provinces, rng.randint(1, 2))
    ]
    named = [
        {"solution_id": i + 1, "municipality_id": m}
        for i in range(2, solutions, 3)
        for m in rng.sample(municipalities, rng.randint(1, 3))
    ]
    connection.execute(insert(solution_province), by_province)
    connection.execute(insert(solution_municipality), named)


def median_ms(action, runs: int = 5) -> float:
    action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--solutions", type=int, default=20_000)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="bench-map-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{directory / 'bench.sqlite'}"
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "SEARCH_INDEX_DIR": str(directory / "index"),
            "SEARCH_INDEXING": "off",
            "MATCHING_MODEL_PATH": str(directory / "matcher"),
            "SERVER_NAME": "localhost",
        }
    )
    with app.app_context():
        migrated_with_regions()
        with db.engine.begin() as connection:
            synthesise(connection, args.questions, args.solutions)
        print(f"{db.engine.dialect.name}: {args.questions} questions, {args.solutions} solutions")
        for measure in measures.MEASURES.values():
            ms = median_ms(lambda m=measure: m.count(db.session, AnonymousUserMixin()))
            print(f"  count {measure.name}: {ms:.1f} ms")
    client = app.test_client()
    for name in measures.MEASURES:
        ms = median_ms(lambda n=name: client.get(f"/map/?measure={n}"))
        print(f"  page /map/?measure={name}: {ms:.1f} ms")


if __name__ == "__main__":
    main()
