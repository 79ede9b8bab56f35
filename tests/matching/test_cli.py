from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SOLUTIONS = [
    {
        "id": 1,
        "title": "Isolatie van schapenwol",
        "description": "isolatie voor woningen",
        "regions": ["Groningen"],
        "theme": "Bouw",
    },
    {
        "id": "kozijn",
        "title": "Circulaire kozijnen",
        "description": "kozijnen van hout",
        "regions": ["Nederland"],
        "theme": ["bouw", "hout"],
    },
    {"id": 3, "title": "Kleding inzamelen", "description": "textiel hergebruik", "theme": "Textiel"},
]
QUESTIONS = [
    {"id": "q1", "title": "Isolatiemateriaal en kozijnen", "region": "Leeuwarden, Friesland"},
    {"id": "q2", "title": "Isolatiemateriaal en kozijnen", "description": "voor woningen"},
    {"id": "q3", "title": "Oude kleding en isolatie", "theme": "textiel"},
]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "matching", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "docs": write_jsonl(tmp_path / "d.jsonl", SOLUTIONS),
        "queries": write_jsonl(tmp_path / "q.jsonl", QUESTIONS),
    }


def test_rank_writes_one_json_line_per_query(files: dict[str, Path]) -> None:
    out = run("rank", "--documents", str(files["docs"]), "--queries", str(files["queries"]), "--top", "10")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["q1", "q2", "q3"]
    q1, q2, q3 = (line["results"] for line in lines)
    assert [r["id"] for r in q1] == ["kozijn"]  # Groningen-only solution filtered out
    assert {r["id"] for r in q2} == {1, "kozijn"}
    assert [r["id"] for r in q3] == [3, 1]  # themes guide: textile first, insulation kept
    assert all(0 < r["score"] <= 1 and r["terms"] for r in q2)
    assert "kozijnen" in q1[0]["terms"]


def test_rank_top_limits_results(files: dict[str, Path]) -> None:
    out = run("rank", "--documents", str(files["docs"]), "--queries", str(files["queries"]), "--top", "1")
    assert all(len(json.loads(line)["results"]) <= 1 for line in out.stdout.splitlines())


def test_evaluate_prints_metrics(files: dict[str, Path], tmp_path: Path) -> None:
    qrels = tmp_path / "r.tsv"
    qrels.write_text("query_id\tdoc_id\tgrade\nq1\tkozijn\t2\nq2\tkozijn\t2\nq2\t1\t2\n")
    out = run(
        "evaluate",
        "--documents",
        str(files["docs"]),
        "--queries",
        str(files["queries"]),
        "--qrels",
        str(qrels),
    )
    assert out.returncode == 0, out.stderr
    values = dict(line.split("\t") for line in out.stdout.splitlines())
    assert values["queries"] == "2"
    assert {k: float(values[k]) for k in ("nDCG@10", "P@5", "R@10", "MRR")} == {
        "nDCG@10": 1.0,
        "P@5": 0.3,
        "R@10": 1.0,
        "MRR": 1.0,
    }


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"title": "zonder id"}', "'id'"),
        ('{"id": 5}', "'title'"),
        ('{"id": 5, "title": 7}', "'title'"),
        ('{"id": [1], "title": "x"}', "'id'"),
        ('{"id": 5, "title": "x", "regions": [1]}', "'regions'"),
        ('{"id": 5, "title": "x", "region": "a, b, c"}', "'region'"),
        ("[1, 2]", "JSON object"),
        ('{"id": 1, "title": "dubbel"}', "duplicate id"),
    ],
)
def test_malformed_documents_exit_2_naming_file_and_line(
    files: dict[str, Path], bad_line: str, message: str
) -> None:
    docs = files["docs"]
    docs.write_text(docs.read_text() + "\n" + bad_line + "\n")  # blank line 4, bad line 5
    out = run("rank", "--documents", str(docs), "--queries", str(files["queries"]))
    assert out.returncode == 2
    assert f"{docs}:5:" in out.stderr
    assert message in out.stderr
    assert "Traceback" not in out.stderr
    assert out.stdout == ""


def test_unreadable_file_exits_2(files: dict[str, Path], tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    out = run("rank", "--documents", str(files["docs"]), "--queries", str(missing))
    assert out.returncode == 2
    assert str(missing) in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("bad", ["q1\tkozijn\n", "q1\tkozijn\ttwee\n", "q1\tkozijn\t-1\n"])
def test_bad_qrels_line_exits_2(files: dict[str, Path], tmp_path: Path, bad: str) -> None:
    qrels = tmp_path / "r.tsv"
    qrels.write_text("q1\tkozijn\t2\n" + bad)
    out = run(
        "evaluate",
        "--documents",
        str(files["docs"]),
        "--queries",
        str(files["queries"]),
        "--qrels",
        str(qrels),
    )
    assert out.returncode == 2
    assert f"{qrels}:2:" in out.stderr
    assert "Traceback" not in out.stderr


def test_hard_themes_restores_the_theme_filter(files: dict[str, Path]) -> None:
    out = run("rank", "--documents", str(files["docs"]), "--queries", str(files["queries"]), "--hard-themes")
    q3 = json.loads(out.stdout.splitlines()[2])["results"]
    assert [r["id"] for r in q3] == [3]


def test_results_carry_bridges_and_a_strength_label(tmp_path: Path) -> None:
    docs = write_jsonl(
        tmp_path / "d.jsonl", [{"id": "c", "title": "Facade cladding", "description": "Reclaimed timber."}]
    )
    queries = write_jsonl(tmp_path / "q.jsonl", [{"id": "q", "title": "Gevelbekleding gezocht"}])
    out = run("rank", "--documents", str(docs), "--queries", str(queries))
    (result,) = json.loads(out.stdout)["results"]
    assert result["bridges"] == ["gevelbekleding ≈ cladding"]
    assert result["strength"] in {"sterke match", "goede match", "mogelijke match"}


PRODUCTS = ["tuinmeubelen", "speeltoestellen", "bloembakken", "dakpannen", "verkeersborden", "fietsenrekken"]


def gap_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Solutions for each product and one regranulate supplier; questions ask for 'korrels'
    (a word no solution uses) for a product. People judged the supplier relevant and the
    product maker not, for the first sixteen questions."""
    docs = [{"id": "regra", "title": "Regranulaat van polypropyleen", "description": "Uit oude kratten."}]
    docs += [{"id": p, "title": p.capitalize(), "description": f"Wij maken {p} van hout."} for p in PRODUCTS]
    queries, lines = [], []
    for n in range(20):
        product = PRODUCTS[n % len(PRODUCTS)]
        queries.append({"id": f"q{n}", "title": "Korrels gezocht", "description": f"Korrels voor {product}"})
        if n < 16:
            lines += [f"q{n}\tregra\t2", f"q{n}\t{product}\t0"]
    judgements = tmp_path / "J.tsv"
    judgements.write_text("query_id\tdocument_id\tgrade\n" + "\n".join(lines) + "\n")
    return write_jsonl(tmp_path / "d.jsonl", docs), write_jsonl(tmp_path / "q.jsonl", queries), judgements


def test_judgements_improve_the_rankings_of_unjudged_queries(tmp_path: Path) -> None:
    docs, queries, judgements = gap_files(tmp_path)
    plain = run("rank", "--documents", str(docs), "--queries", str(queries))
    learned = run(
        "rank", "--documents", str(docs), "--queries", str(queries), "--judgements", str(judgements)
    )
    assert learned.returncode == 0, learned.stderr
    assert "learned ranking used" in learned.stderr
    before = {
        line["query"]: [r["id"] for r in line["results"]]
        for line in map(json.loads, plain.stdout.splitlines())
    }
    after = {
        line["query"]: [r["id"] for r in line["results"]]
        for line in map(json.loads, learned.stdout.splitlines())
    }
    for q in ("q16", "q17", "q18", "q19"):  # nobody judged these
        assert "regra" not in before[q]
        assert after[q][0] == "regra"
    assert "tuinmeubelen" not in after["q0"]  # judged not relevant: gone at once


@pytest.mark.parametrize(
    ("bad", "message"),
    [("q1\tkozijn", "expected"), ("q1\tkozijn\tja", "integer"), ("q1\tkozijn\t3", "0, 1 or 2")],
)
def test_bad_judgements_line_exits_2(files: dict[str, Path], tmp_path: Path, bad: str, message: str) -> None:
    judgements = tmp_path / "J.tsv"
    judgements.write_text(f"query_id\tdocument_id\tgrade\nq1\tkozijn\t2\n{bad}\n")
    out = run(
        "rank",
        "--documents",
        str(files["docs"]),
        "--queries",
        str(files["queries"]),
        "--judgements",
        str(judgements),
    )
    assert out.returncode == 2
    assert f"{judgements}:3: " in out.stderr
    assert message in out.stderr
    assert "Traceback" not in out.stderr
    assert out.stdout == ""
