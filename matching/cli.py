"""Command line: ``python -m matching rank|evaluate``. Input errors exit with status 2.

Themes guide by default (a shared theme raises the score by the boost measured on the
documents, see :attr:`Matcher.theme_boost`); regions filter.
``rank --judgements J.tsv`` learns from judged pairs (``query id<TAB>document id<TAB>grade``,
0/1/2): a ranker over the TF-IDF candidates, used when the held-out check says it beats the
unlearned ranking (the decision goes to stderr), and each judged query's own judgements applied
(not relevant: removed; relevant: more like it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from matching.explain import (
    DEFAULT_THRESHOLDS,
    LABELS_NL,
    PROBABILITY_THRESHOLDS,
    calibrate_thresholds,
    strength,
)
from matching.io import InputError, read_documents, read_judgements, read_qrels
from matching.learning import Judgement, apply_judgements, fit_if_better
from matching.matcher import Document, Matcher, Result
from matching.metrics import METRICS, evaluate

EXIT_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matching", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    rank = commands.add_parser("rank", help="write the top documents per query as JSON lines")
    _common(rank)
    rank.add_argument("--judgements", help="TSV: query id, document id, grade 0/1/2: learn from them")
    ev = commands.add_parser("evaluate", help="print nDCG@10, P@5, R@10 and MRR")
    _common(ev)
    ev.add_argument("--qrels", required=True, help="TSV: query id, document id, grade")
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--documents", required=True, help="JSON lines of things to rank")
    parser.add_argument("--queries", required=True, help="JSON lines of queries")
    parser.add_argument("--top", type=_positive, default=10, help="results per query")
    themes = parser.add_mutually_exclusive_group()
    themes.add_argument("--no-theme-filter", action="store_true", help="ignore themes (regions still filter)")
    themes.add_argument(
        "--hard-themes", action="store_true", help="drop documents of other themes (the old filter)"
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "rank":
            return _rank(args)
        return _evaluate(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT


def _theme_options(args: argparse.Namespace) -> dict:
    return {"theme_filter": args.hard_themes, "theme_boost": 0.0 if args.no_theme_filter else None}


def _run(args: argparse.Namespace) -> tuple[list[Document], list[list[Result]]]:
    documents = read_documents(args.documents)
    queries = read_documents(args.queries)
    matcher = Matcher.fit(documents)
    results = matcher.rank_many(queries, args.top, **_theme_options(args))
    return queries, results


def _rank(args: argparse.Namespace) -> int:
    if args.judgements:
        return _rank_learning(args)
    queries, results = _run(args)
    _print(queries, results, DEFAULT_THRESHOLDS)
    return 0


def _print(queries: list[Document], results: list[list[Result]], thresholds) -> None:
    for query, found in zip(queries, results, strict=True):
        line = {"query": query.id, "results": [_result_json(r, thresholds) for r in found]}
        print(json.dumps(line, ensure_ascii=False))


def _rank_learning(args: argparse.Namespace) -> int:
    rows = read_judgements(args.judgements)
    documents = read_documents(args.documents)
    queries = read_documents(args.queries)
    doc_ids = {str(d.id): d.id for d in documents}
    query_ids = {str(q.id): q.id for q in queries}
    judgements = [
        Judgement(query_ids[q], doc_ids[d], g) for q, d, g in rows if q in query_ids and d in doc_ids
    ]
    if len(judgements) < len(rows):
        print(
            f"note: {len(rows) - len(judgements)} judgement(s) name an unknown query or document",
            file=sys.stderr,
        )
    matcher = Matcher.fit(documents)
    options = _theme_options(args)
    ranker, check = fit_if_better(matcher, queries, judgements)
    print(f"learned ranking {'used' if ranker else 'not used'}: {check.reason}", file=sys.stderr)
    own: dict = {}
    for j in judgements:
        own.setdefault(j.query_id, {})[j.document_id] = j.grade
    depth = max(args.top + sum(1 for g in own.values() for v in g.values() if v == 0), 50)
    ranked = (ranker or matcher).rank_many(queries, depth, **options)
    judged_scores = [
        (r.score, own[q.id][r.id])
        for q, found in zip(queries, ranked, strict=True)
        for r in found
        if r.id in own.get(q.id, {})
    ]
    default = PROBABILITY_THRESHOLDS if ranker else DEFAULT_THRESHOLDS
    thresholds = calibrate_thresholds(judged_scores, default)
    results = [
        apply_judgements(matcher, found, own[q.id])[: args.top] if q.id in own else found[: args.top]
        for q, found in zip(queries, ranked, strict=True)
    ]
    _print(queries, results, thresholds)
    return 0


def _result_json(result: Result, thresholds=DEFAULT_THRESHOLDS) -> dict:
    return {
        "id": result.id,
        "score": round(result.score, 6),
        "terms": list(result.terms),
        "bridges": [f"{q} ≈ {d}" for q, d in result.bridges],
        "strength": LABELS_NL[strength(result.score, thresholds)],
    }


def _evaluate(args: argparse.Namespace) -> int:
    qrels = read_qrels(args.qrels)
    queries, results = _run(args)
    runs = {str(q.id): [str(r.id) for r in found] for q, found in zip(queries, results, strict=True)}
    judged = {q: grades for q, grades in qrels.items() if q in runs}
    scores = evaluate(runs, judged)
    print(f"queries\t{sum(1 for g in judged.values() if any(v >= 1 for v in g.values()))}")
    for name in METRICS:
        print(f"{name}\t{scores[name]:.4f}")
    return 0
