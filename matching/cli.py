"""Command line: ``python -m matching rank|evaluate``. Input errors exit with status 2."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from matching.io import InputError, read_documents, read_qrels
from matching.matcher import Document, Matcher, Result
from matching.metrics import METRICS, evaluate

EXIT_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matching", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    rank = commands.add_parser("rank", help="write the top documents per query as JSON lines")
    _common(rank)
    ev = commands.add_parser("evaluate", help="print nDCG@10, P@5, R@10 and MRR")
    _common(ev)
    ev.add_argument("--qrels", required=True, help="TSV: query id, document id, grade")
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--documents", required=True, help="JSON lines of things to rank")
    parser.add_argument("--queries", required=True, help="JSON lines of queries")
    parser.add_argument("--top", type=_positive, default=10, help="results per query")
    parser.add_argument("--no-theme-filter", action="store_true", help="ignore themes (regions still filter)")


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


def _run(args: argparse.Namespace) -> tuple[list[Document], list[list[Result]]]:
    documents = read_documents(args.documents)
    queries = read_documents(args.queries)
    matcher = Matcher.fit(documents)
    results = matcher.rank_many(queries, args.top, theme_filter=not args.no_theme_filter)
    return queries, results


def _rank(args: argparse.Namespace) -> int:
    queries, results = _run(args)
    for query, found in zip(queries, results, strict=True):
        line = {"query": query.id, "results": [_result_json(r) for r in found]}
        print(json.dumps(line, ensure_ascii=False))
    return 0


def _result_json(result: Result) -> dict:
    return {"id": result.id, "score": round(result.score, 6), "terms": list(result.terms)}


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
