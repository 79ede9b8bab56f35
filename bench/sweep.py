"""Every page once, at full size: the GET routes of the app, each requested by the coordinator
(an administrator too) in process on a database that ``bench/load.py`` filled, slowest first.

bench/load.py measures the pages a visitor uses most under load; this finds the page nobody
measured that reads every row (the bundles page took 110 s at 15,000 open questions, the
matching-quality page 73 s at a million matches). Route arguments take an existing item of each
kind; a ``<any(a, b)>`` argument its first choice.

    DATABASE_URL=postgresql://... BENCH_MODEL_DIR=... .venv/bin/python bench/sweep.py
    BENCH_SLOW_MS=500 ...  # what counts as slow (1000)
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402
from bench.page_costs import page_app  # noqa: E402
from circular_platform.db import db  # noqa: E402

# Routes that change something, end the session, or serve files rather than pages.
SKIPPED = re.compile(r"^/(static|logout|confirm|reset|unsubscribe|api/v1/docs/assets)|<(token|filename)>")
EXAMPLES = {  # route argument: the SQL giving an existing value
    "question_id": "SELECT min(id) FROM question WHERE status = 'open' AND visibility = 'public'",
    "solution_id": "SELECT min(id) FROM solution WHERE status = 'actief'",
    "organisation_id": "SELECT organisation_id FROM solution GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
    "match_id": "SELECT min(id) FROM match",
    "passport_id": "SELECT min(id) FROM building_passport",
    "bundle_id": "SELECT min(id) FROM demand_bundle",
    "user_id": "SELECT min(id) FROM user_account",
}


def examples(app) -> dict[str, object]:
    with app.app_context():
        found = {name: db.session.scalar(text(sql)) for name, sql in EXAMPLES.items()}
        db.session.execute(
            text("UPDATE user_account SET is_admin = true WHERE email = :e"), {"e": load.COORDINATOR}
        )
        db.session.commit()
    return found


def paths(app, values: dict[str, object]) -> list[str]:
    """One path per GET route whose arguments all have a value."""
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or SKIPPED.search(rule.rule):
            continue
        path = rule.rule
        for argument in rule.arguments:
            converter = re.search(rf"<(?:(\w+)(?:\(([^)]*)\))?:)?{argument}>", path)
            if converter and converter.group(1) == "any":
                value: object = converter.group(2).split(",")[0].strip().strip("'\"")
            else:
                value = values.get(argument)
            if value is None or converter is None:
                break
            path = path.replace(converter.group(0), str(value))
        else:
            found.append(path)
    return sorted(set(found))


def main() -> None:
    slow = load.env_int("BENCH_SLOW_MS", 1000)
    app = page_app()
    client = app.test_client()
    client.post("/login", data={"email": load.COORDINATOR, "password": load.PASSWORD})
    rows = []
    for path in paths(app, examples(app)):
        begun = time.perf_counter()
        with client.get(path) as response:
            size = len(response.get_data())
            rows.append(((time.perf_counter() - begun) * 1000, response.status_code, size, path))
    print(f"load {os.getloadavg()[0]:.1f}; {len(rows)} pages\n")
    print("| ms | status | KB | page |\n|---:|---:|---:|---|")
    for ms, status, size, path in sorted(rows, reverse=True):
        print(f"| {ms:,.0f}{' **slow**' if ms > slow else ''} | {status} | {size / 1024:,.0f} | {path} |")


if __name__ == "__main__":
    main()
