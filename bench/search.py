"""Search benchmark: index N synthetic documents, then time one-, two- and three-word queries.

    python bench/search.py [--documents 100000] [--backend whoosh|postgres]

Documents are written as ``flask search rebuild`` writes them (one commit, batches of 500;
Whoosh with its rebuild's writing processes),
then one drain batch of 500 changed documents. Every query computes the four facets and
applies the anonymous visitor's visibility filter; no query is warmed up beforehand.
The ``postgres`` backend needs ``DATABASE_URL`` pointing at a PostgreSQL database it may fill
(tables created with ``alembic upgrade head``; its search tables are truncated);
``make bench-search`` starts one with ``.ci/with-postgres`` when none is given.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import accumulate, islice
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching.search import SearchDocument, SearchQuery  # noqa: E402
from matching.search.whoosh_index import SearchIndex  # noqa: E402

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
BATCH = 500  # documents per write, as queue.BATCH_SIZE


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
    """A document of words drawn by ``weights`` (cumulative)."""
    title = " ".join(rng.choices(words, cum_weights=weights, k=5))
    body = " ".join(rng.choices(words, cum_weights=weights, k=60))
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

    @contextmanager
    def writing(rebuild: bool = False) -> Iterator[Any]:
        with index.rebuilding(timeout=60) if rebuild else index.writing(timeout=60) as batch:
            yield batch

    def warm() -> None:
        begun = time.perf_counter()
        lists = index.warm()
        print(f"  warm-up: {lists} postings lists of common words in {time.perf_counter() - begun:.1f} s")

    return writing, index.search, warm


def postgres_backend(url: str, reuse: bool = False):
    from alembic import command
    from sqlalchemy.orm import Session

    from circular_platform.config import normalise_database_url
    from circular_platform.db import make_engine
    from circular_platform.search.postgres import PostgresBackend
    from tests.conftest import alembic_config

    engine = make_engine(normalise_database_url(url))
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        if not reuse:
            connection.exec_driver_sql("TRUNCATE search_document, search_word")
    backend = PostgresBackend()

    @contextmanager
    def writing(rebuild: bool = False) -> Iterator[Any]:
        with Session(engine) as session:
            with backend.rebuilding(session) if rebuild else backend.writing(session) as batch:
                yield batch
            session.commit()

    def search(query: SearchQuery):
        with Session(engine) as session:
            return backend.search(session, query)

    return writing, search


def batched(items: Iterator[SearchDocument], size: int) -> Iterator[list[SearchDocument]]:
    while chunk := list(islice(items, size)):
        yield chunk


def index_documents(writing, documents: Iterator[SearchDocument], total: int) -> None:
    """As ``flask search rebuild`` does: one transaction, cleared, written in batches. CPU
    seconds count this process and its children (the Whoosh rebuild's writing processes)."""
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    with writing(rebuild=True) as batch:
        for chunk in batched(documents, BATCH):
            batch.write(chunk, ())
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
    print(
        f"  rebuild: {total} documents in {seconds:.1f} s ({total / seconds:.0f} documents/s, "
        f"{cpu:.1f} CPU seconds here, one commit, batches of {BATCH})"
    )


def _cpu_seconds() -> float:
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )


def update_documents(writing, documents: list[SearchDocument]) -> None:
    """As the queue's drain does: one batch of changed documents replacing their old versions."""
    started = time.perf_counter()
    with writing() as batch:
        batch.write(documents, ())
    seconds = time.perf_counter() - started
    print(f"  update: {len(documents)} changed documents in {seconds:.2f} s (one drain batch)")


def time_queries(search, words: list[str], weights: list[float], rng: random.Random, count: int) -> None:
    for length in (1, 2, 3):
        timings, totals = [], []
        for _ in range(count):
            text = " ".join(rng.choices(words, cum_weights=weights, k=length))
            query = SearchQuery(text, audiences=frozenset({"public"}))
            begun = time.perf_counter()
            results = search(query)
            timings.append((time.perf_counter() - begun) * 1000)
            totals.append(results.total)
        print(
            f"  {length}-word queries with facets: p50 {percentile(timings, 0.5):.1f} ms, "
            f"p95 {percentile(timings, 0.95):.1f} ms, max {max(timings):.1f} ms "
            f"(median hits {statistics.median(totals):.0f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--backend", choices=("whoosh", "postgres"), default="whoosh")
    parser.add_argument("--queries", type=int, default=200, help="per query length")
    parser.add_argument(
        "--reuse", action="store_true", help="postgres: time the queries on the documents already indexed"
    )
    args = parser.parse_args()
    rng = random.Random(5)
    words = vocabulary(rng)
    # Zipf: domain words most frequent. Cumulative, as choices() would sum them on every call
    # (22,000 additions: 2 ms per document, which the rebuild's documents/s used to include).
    weights = list(accumulate(1 / (rank + 1) for rank in range(len(words))))
    with tempfile.TemporaryDirectory() as directory:
        if args.backend == "postgres":
            if not os.environ.get("DATABASE_URL"):
                sys.exit("The postgres backend needs DATABASE_URL (an empty PostgreSQL database).")
            writing, search = postgres_backend(os.environ["DATABASE_URL"], args.reuse)
            warm = None
        else:
            writing, search, warm = whoosh_backend(directory)
        print(f"backend {args.backend}:")
        documents = (make_document(n, words, weights, rng) for n in range(args.documents))
        if args.reuse and args.backend == "postgres":
            # The same random stream as a full run, so the queries are the same ones.
            for _ in documents:
                pass
            changed = rng.sample(range(args.documents), min(BATCH, args.documents))
            for n in changed:
                make_document(n, words, weights, rng)
        else:
            index_documents(writing, documents, args.documents)
            changed = rng.sample(range(args.documents), min(BATCH, args.documents))
            update_documents(writing, [make_document(n, words, weights, rng) for n in changed])
        if warm is not None:
            warm()  # as the app does in the background when it starts (SEARCH_WARMUP)
        # Every query is timed, the first ones included.
        time_queries(search, words, weights, rng, args.queries)


if __name__ == "__main__":
    main()
