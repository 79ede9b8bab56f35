"""Search benchmark: index N synthetic documents, then time one-, two- and three-word queries.

    python bench/search.py [--documents 100000] [--backend whoosh|postgres]

Every query computes the four facets and applies the anonymous visitor's visibility filter.
The ``postgres`` backend needs ``DATABASE_URL`` pointing at an empty PostgreSQL database
(the tables are created with ``alembic upgrade head``; ``make bench-search`` starts one).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching.search_index import SearchDocument, SearchIndex, SearchQuery  # noqa: E402

STEMS = [
    "isolatie",
    "hennep",
    "vlas",
    "stro",
    "hout",
    "beton",
    "puin",
    "asfalt",
    "glas",
    "staal",
    "koper",
    "aluminium",
    "kunststof",
    "textiel",
    "compost",
    "mest",
    "voer",
    "eiwit",
    "biomassa",
    "water",
    "warmte",
    "zonne",
    "wind",
    "dak",
    "gevel",
    "kozijn",
    "vloer",
    "muur",
    "plaat",
    "paneel",
    "bouw",
    "sloop",
    "renovatie",
    "woning",
    "school",
    "kantoor",
    "brug",
    "weg",
    "dijk",
    "sluis",
    "riool",
    "buis",
    "kabel",
    "accu",
    "batterij",
    "recycling",
    "hergebruik",
    "reparatie",
    "verhuur",
    "deelplatform",
    "inzameling",
    "sortering",
    "scheiding",
    "verwerking",
    "grondstof",
    "reststroom",
    "afval",
    "materiaal",
    "product",
    "ontwerp",
    "circulair",
    "biobased",
    "duurzaam",
    "regionaal",
]
PLACES = [
    "Assen",
    "Emmen",
    "Groningen",
    "Leeuwarden",
    "Hoogeveen",
    "Meppel",
    "Drachten",
    "Sneek",
    "Heerenveen",
    "Veendam",
]
FILLER = [
    "levering",
    "project",
    "partner",
    "vraag",
    "aanbod",
    "kwaliteit",
    "prijs",
    "planning",
    "onderzoek",
    "pilot",
]
THEMES = ("biomassa_voedsel", "kunststoffen", "maakindustrie", "bouw", "consumptiegoederen")
PROVINCES = ("PV20", "PV21", "PV22")


SYLLABLES = [
    "ba",
    "be",
    "bo",
    "da",
    "de",
    "di",
    "ge",
    "go",
    "ka",
    "ke",
    "ko",
    "la",
    "le",
    "lo",
    "ma",
    "me",
    "mo",
    "na",
    "ne",
    "no",
    "pa",
    "pe",
    "ra",
    "re",
    "ro",
    "sa",
    "se",
    "ta",
    "te",
    "to",
    "va",
    "ve",
    "wa",
    "we",
]


def vocabulary(rng: random.Random) -> list[str]:
    """Domain words and compounds plus 20,000 made-up words: a long tail like real texts."""
    compounds = [a + b for a in STEMS for b in STEMS if a != b and rng.random() < 0.05]
    made_up = {
        "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) + rng.choice("nrstk") for _ in range(20_000)
    }
    return STEMS + compounds + FILLER + sorted(made_up)


def make_document(n: int, words: list[str], weights: list[float], rng: random.Random) -> SearchDocument:
    title = " ".join(rng.choices(words, weights, k=5))
    body = " ".join(rng.choices(words, weights, k=60))
    kind = rng.choice(("question", "solution", "organisation"))
    return SearchDocument(
        key=f"{kind}:{n}",
        kind=kind,
        title=title.capitalize(),
        body=body,
        context=rng.choice(PLACES),
        lang="nl",
        date=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
        status=rng.choice(("open", "actief", "concept", "afgerond")),
        themes=tuple(rng.sample(THEMES, rng.randint(1, 2))),
        provinces=(rng.choice(PROVINCES),),
        audiences=("public", "signed-in") if rng.random() < 0.8 else (f"organisation-{n % 50}",),
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def whoosh_backend(directory: str):
    index = SearchIndex(directory)

    def write(documents: list[SearchDocument]) -> None:
        index.write(documents, timeout=60)

    return write, index.search


def postgres_backend(url: str):
    from alembic import command
    from sqlalchemy.orm import Session

    from circular_platform.config import normalise_database_url
    from circular_platform.db import make_engine
    from circular_platform.search.backends import PostgresBackend
    from tests.conftest import alembic_config

    engine = make_engine(normalise_database_url(url))
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        connection.exec_driver_sql("TRUNCATE search_document, search_word")
    backend = PostgresBackend()

    def write(documents: list[SearchDocument]) -> None:
        with Session(engine) as session:
            with backend.writing(session) as batch:
                batch.write(documents, ())
            session.commit()

    def search(query: SearchQuery):
        with Session(engine) as session:
            return backend.search(session, query)

    return write, search


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--backend", choices=("whoosh", "postgres"), default="whoosh")
    parser.add_argument("--queries", type=int, default=200, help="per query length")
    args = parser.parse_args()
    rng = random.Random(5)
    words = vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(words))]  # Zipf: domain words most frequent
    with tempfile.TemporaryDirectory() as directory:
        if args.backend == "postgres":
            if not os.environ.get("DATABASE_URL"):
                sys.exit("The postgres backend needs DATABASE_URL (an empty PostgreSQL database).")
            write, search = postgres_backend(os.environ["DATABASE_URL"])
        else:
            write, search = whoosh_backend(directory)
        started = time.perf_counter()
        for start in range(0, args.documents, 5000):
            write(
                [
                    make_document(n, words, weights, rng)
                    for n in range(start, min(args.documents, start + 5000))
                ]
            )
        seconds = time.perf_counter() - started
        print(
            f"backend {args.backend}: indexed {args.documents} documents in {seconds:.1f} s "
            f"({args.documents / seconds:.0f} documents/s, batches of 5000)"
        )
        for length in (1, 2, 3):
            timings, totals = [], []
            for _ in range(args.queries):
                text = " ".join(rng.choices(words, weights, k=length))
                query = SearchQuery(text, audiences=frozenset({"public"}))
                begun = time.perf_counter()
                results = search(query)
                timings.append((time.perf_counter() - begun) * 1000)
                totals.append(results.total)
            print(
                f"  {length}-word queries with facets: p50 {percentile(timings, 0.5):.1f} ms, "
                f"p95 {percentile(timings, 0.95):.1f} ms (median hits {statistics.median(totals):.0f})"
            )


if __name__ == "__main__":
    main()
