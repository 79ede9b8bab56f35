"""The query language and the search modules both backends share, without an app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from matching.search import closest_word, compound_candidates, parse_query, suggest_text
from matching.search.query import MAX_COMPOUND, MAX_WORDS, alternatives

ROOT = Path(__file__).resolve().parents[2]


def test_parse_query_reads_phrases_exclusions_and_unbalanced_quotes():
    parsed = parse_query('hennep "gft afval" -beton "losse quote')
    assert parsed.words == ("hennep",)
    assert parsed.phrases == (("gft", "afval"), ("losse", "quote"))
    assert parsed.excluded == ("beton",)


def test_suggest_text_replaces_the_misspelled_word_in_the_query():
    parsed = parse_query("Hennep isolatei")
    assert closest_word("isolatei", ["kozijn", "isolatie"]) == "isolatie"
    assert suggest_text(parsed, {"isolatei": "isolatie"}) == "Hennep isolatie"
    assert suggest_text(parsed, {}) is None


def test_shared_search_modules_load_no_whoosh_index_code():
    """Only Whoosh's stemmers and stop words (through :mod:`matching.analysis`) may load."""
    code = (
        "import sys, matching.search, matching.search.types, matching.search.query, "
        "matching.search.display; "
        "print([m for m in sys.modules if m.startswith('whoosh.') and not m.startswith('whoosh.lang')])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_query_reads_at_most_max_words_words():
    parsed = parse_query(" ".join(f"woord{i}" for i in range(100)) + ' "nog een zin" -niet')
    assert len(parsed.words) + sum(map(len, parsed.phrases)) + len(parsed.excluded) == MAX_WORDS
    assert parsed.words[0] == "woord0"


def test_only_words_up_to_max_compound_letters_are_split():
    assert "isolatie" in compound_candidates("hennepisolatie")
    assert compound_candidates("hennepisolatie" * 4) == set()  # 56 letters: searched as a whole
    assert len(compound_candidates("a" * MAX_COMPOUND)) < 1000


def test_glossary_alternatives_of_a_word_come_from_its_own_language():
    assert "beton" in alternatives("concrete")
    assert alternatives("concreet") == ("concreet",)  # Dutch "concreet" is no concrete
