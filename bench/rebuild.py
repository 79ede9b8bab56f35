"""Rebuild benchmark: ``flask matching rebuild`` over 10,000 questions and 100,000 solutions.

    python bench/rebuild.py [--questions 10000] [--solutions 100000] [--runs 2]

Rows are bulk-inserted with SQLAlchemy core into a fresh SQLite database (or the PostgreSQL
database of ``DATABASE_URL``, emptied first) with realistic Dutch text from :mod:`bench.synth`;
a fifth of the descriptions carry Markdown (a list, bold words), as people write them. A few
hundred matches carry an owner's verdict or a coordinator's decision, so the rebuild has
judgements to keep. Then ``flask matching rebuild`` runs as a child process, timed from start
to exit; its peak memory is the child's maximum resident set size (``os.wait4``). The second
run finds every proposal already stored, as a nightly rebuild does.
Targets: at most 90 s and 1.5 GB peak per run.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess  # nosec B404 - runs this project's own flask command
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from bench.database import migrated_with_regions  # noqa: E402
from bench.synth import THEMES, Generator  # noqa: E402
from circular_platform import create_app  # noqa: E402
from circular_platform.db import db  # noqa: E402
from circular_platform.markdown import plain_description  # noqa: E402
from circular_platform.models import (  # noqa: E402
    Match,
    Municipality,
    Organisation,
    Province,
    Question,
    Solution,
    SolutionTheme,
    User,
)
from circular_platform.models.marketplace import solution_municipality, solution_province  # noqa: E402

TARGET_SECONDS = 90
TARGET_MB = 1500
BATCH = 5000
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
MARKDOWN_SHARE = 0.2  # descriptions with a list or bold words
JUDGED = 300  # matches with an owner's verdict or a coordinator's decision


def bench_app():
    """The app of the child process (``flask --app bench.rebuild:bench_app``)."""
    directory = Path(os.environ["BENCH_DIRECTORY"])
    return create_app(
        {
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "SECRET_KEY": "bench",
            "SEARCH_INDEX_DIR": str(directory / "index"),
            "SEARCH_INDEXING": "off",
            "MATCHING_MODEL_PATH": str(directory / "matcher" / "model"),
            "PUBLIC_URL": "https://circulair-noord.example",
        }
    )


def prepare(url: str, questions: int, solutions: int) -> None:
    """An empty migrated database with the regions, as ``flask regions load`` leaves it."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SEARCH_INDEXING": "off"})
    with app.app_context():
        migrated_with_regions()
        with db.engine.begin() as connection:
            synthesise(connection, questions, solutions)
        db.engine.dispose()


def synthesise(connection, questions: int, solutions: int) -> None:
    rng, text = random.Random(14), Generator(seed=14)
    municipalities = connection.execute(select(Municipality.id, Municipality.province_id)).all()
    provinces = list(connection.scalars(select(Province.id)))
    organisations = max(10, (questions + solutions) // 50)
    connection.execute(
        insert(Organisation), [_organisation(i, rng, municipalities) for i in range(organisations)]
    )
    connection.execute(insert(User), [_user(i) for i in range(1, 3)])
    for start in range(0, questions, BATCH):
        rows = [
            _question(i, rng, text, municipalities, organisations)
            for i in range(start, min(questions, start + BATCH))
        ]
        connection.execute(insert(Question), rows)
    for start in range(0, solutions, BATCH):
        ids = range(start + 1, min(solutions, start + BATCH) + 1)
        connection.execute(insert(Solution), [_solution(i, rng, text, organisations) for i in ids])
        connection.execute(insert(SolutionTheme), [t for i in ids for t in _themes(i, rng)])
        areas = [_area(i, rng, provinces, municipalities) for i in ids]
        by_province = [row for province_rows, _ in areas for row in province_rows]
        by_municipality = [row for _, municipality_rows in areas for row in municipality_rows]
        if by_province:
            connection.execute(insert(solution_province), by_province)
        if by_municipality:
            connection.execute(insert(solution_municipality), by_municipality)
    connection.execute(insert(Match), _judged_matches(rng, questions, solutions))


def _organisation(i: int, rng: random.Random, municipalities) -> dict:
    return {
        "id": i + 1,
        "name": f"Organisatie {i + 1}",
        "kind": "bedrijf" if i % 3 else "gemeente",
        "municipality_id": rng.choice(municipalities)[0],
        "description": "",
        "verified": True,
        "may_publish_solutions": True,
        "created_at": NOW,
    }


def _user(i: int) -> dict:
    return {
        "id": i,
        "email": f"coordinator{i}@bench.example",
        "name": f"Coördinator {i}",
        "password_hash": "x",
        "language": "nl",
        "active": True,
        "confirmed_at": NOW,
        "is_coordinator": True,
        "is_admin": False,
        "session_token": f"bench-{i}",
        "created_at": NOW,
    }


def _question(i: int, rng: random.Random, text: Generator, municipalities, organisations: int) -> dict:
    title, written = text.pair("questions", rng.randint(3, 8), rng.randint(30, 120))
    description = _markdown(rng, written)
    return {
        "id": i + 1,
        "organisation_id": rng.randint(1, organisations),
        "title": title[:160].capitalize(),
        "description": description,
        "description_text": plain_description(description),  # as the model derives it on save
        "theme": rng.choice(THEMES),
        "municipality_id": rng.choice(municipalities)[0],
        "status": "open" if rng.random() > 0.05 else "in_gesprek",
        "transition_paths": [],
        "valid_until": (NOW + timedelta(days=90)).date(),
        "visibility": "public",
        "is_procurement": False,
        "has_circular_criteria": i % 7 == 0,
        "circular_criteria": text.text(12) if i % 7 == 0 else "",
        "created_at": NOW,
        "updated_at": NOW,
    }


def _solution(i: int, rng: random.Random, text: Generator, organisations: int) -> dict:
    title, written = text.pair("solutions", rng.randint(3, 8), rng.randint(40, 140))
    description = _markdown(rng, written)
    return {
        "id": i,
        "organisation_id": rng.randint(1, organisations),
        "title": title[:160].capitalize(),
        "description": description,
        "description_text": plain_description(description),  # as the model derives it on save
        "nationwide": rng.random() < 0.3,
        "maturity": "marktrijp",
        "status": "actief" if rng.random() > 0.05 else "gepauzeerd",
        "confirmed_at": NOW,
        "capacity": text.text(6) if i % 5 == 0 else "",
        "certifications": "",
        "price_indication": "",
        "created_at": NOW,
        "updated_at": NOW,
    }


def _markdown(rng: random.Random, description: str) -> str:
    """A fifth of the texts as people format them: a short list, or words in bold."""
    if rng.random() >= MARKDOWN_SHARE:
        return description
    words = description.split()
    if rng.random() < 0.5:
        items = "\n".join(f"- {' '.join(words[j : j + 4])}" for j in range(0, min(16, len(words)), 4))
        return f"{' '.join(words[16:])}\n\nWat wij vragen:\n\n{items}"
    if len(words) > 4:
        words[2] = f"**{words[2]}**"
    return " ".join(words)


def _themes(solution_id: int, rng: random.Random) -> list[dict]:
    return [{"solution_id": solution_id, "theme": t} for t in rng.sample(THEMES, rng.randint(1, 2))]


def _area(solution_id: int, rng: random.Random, provinces: list[int], municipalities) -> tuple[list, list]:
    """Rows of solution_province and solution_municipality: one or two provinces, or a few places."""
    if rng.random() < 0.6:
        chosen = rng.sample(provinces, rng.randint(1, 2))
        return [{"solution_id": solution_id, "province_id": p} for p in chosen], []
    chosen = {m for m, _ in rng.sample(municipalities, 3)}
    return [], [{"solution_id": solution_id, "municipality_id": m} for m in chosen]


def _judged_matches(rng: random.Random, questions: int, solutions: int) -> list[dict]:
    """Matches people acted on: verdicts and decisions the rebuild must keep."""
    pairs = {(rng.randint(1, questions), rng.randint(1, solutions)) for _ in range(JUDGED)}
    states = [
        {"question_feedback": "interessant"},
        {"question_feedback": "niet_relevant"},
        {"status": "geintroduceerd"},
        {"status": "afgewezen", "reason": "Past niet in de regio"},
    ]
    return [
        {
            "question_id": q,
            "solution_id": s,
            "score": round(rng.uniform(0.1, 0.6), 3),
            "terms": [],
            "bridges": [],
            "status": "voorgesteld",
            "reason": "",
            "question_feedback": None,  # every row has the same keys: one executemany takes them all
            "question_feedback_by_id": None,
            "feedback_at": NOW,
            "created_at": NOW,
            "updated_at": NOW,
        }
        | rng.choice(states)
        for q, s in sorted(pairs)
    ]


def run_rebuild(url: str, directory: Path) -> tuple[float, float, float, list[tuple[str, float]]]:
    """Wall seconds, CPU seconds (user + system) and peak MB of one ``flask matching rebuild`` in
    a child process, and the seconds of each stage its progress bar named (the first: starting)."""
    environment = os.environ | {"DATABASE_URL": url, "BENCH_DIRECTORY": str(directory)}
    flask = [sys.executable, "-m", "flask", "--app", "bench.rebuild:bench_app", "matching", "rebuild"]
    started = time.perf_counter()
    child = subprocess.Popen(  # nosec B603 - fixed arguments
        flask, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    stages = [("starting", started)]
    for line in child.stdout or ():  # without a terminal the bar prints its label when the stage changes
        stage = line.strip().removeprefix("Matching:").strip() if line.startswith("Matching") else "commit"
        if stage and stage != "Matching" and stage != stages[-1][0]:
            stages.append((stage, time.perf_counter()))
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        sys.exit(f"flask matching rebuild failed ({child.returncode})")
    ends = [at for _, at in stages[1:]] + [started + seconds]
    timings = [(stage, end - at) for (stage, at), end in zip(stages, ends, strict=True)]
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, timings  # kB on Linux


def stored_matches(url: str) -> int:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SEARCH_INDEXING": "off"})
    with app.app_context():
        count = db.session.scalar(select(func.count(Match.id))) or 0
        db.session.close()
        db.engine.dispose()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--solutions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=2, help="rebuilds in a row (the later ones update)")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="bench-rebuild-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{directory / 'bench.sqlite'}"
    backend = url.split(":", 1)[0]
    started = time.perf_counter()
    prepare(url, args.questions, args.solutions)
    seconds = time.perf_counter() - started
    print(f"{backend}: {args.questions} questions, {args.solutions} solutions written in {seconds:.0f} s")
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1, 5, 15 min)")
    ok = True
    for run in range(1, args.runs + 1):
        seconds, cpu, peak, timings = run_rebuild(url, directory)
        passed = seconds <= TARGET_SECONDS and peak <= TARGET_MB
        ok &= passed
        print(
            f"run {run}: {seconds:.1f} s ({cpu:.1f} s CPU), peak {peak:.0f} MB, "
            f"{stored_matches(url)} matches stored: "
            f"{'PASS' if passed else 'FAIL'} (targets: {TARGET_SECONDS} s, {TARGET_MB} MB), "
            f"load {os.getloadavg()[0]:.2f}"
        )
        for stage, stage_seconds in timings:
            print(f"    {stage:<40} {stage_seconds:6.1f} s")
    print("PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
