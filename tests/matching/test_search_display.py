"""The one highlighter (search results and match cards) and search snippets."""

from __future__ import annotations

from matching.search import highlight, snippet


def marked(fragments: list[tuple[str, bool]]) -> list[str]:
    return [text for text, is_marked in fragments if is_marked]


def test_highlight_marks_stems_and_compound_parts():
    fragments = highlight("Isolatiemateriaal van hennep voor woningen", {"isolatie", "woning"}, "nl")
    assert marked(fragments) == ["Isolatiemateriaal", "woningen"]


def test_a_compound_is_marked_for_a_term_it_starts_or_ends_with():
    assert marked(highlight("Platen van hennepvezel", ["hennep"], "nl")) == ["hennepvezel"]
    assert marked(highlight("Betere dakisolatie", ["isolatie"], "nl")) == ["dakisolatie"]


def test_a_term_inside_a_word_marks_nothing():
    assert marked(highlight("Installatie van zonnepanelen", ["stal"], "nl")) == []


def test_explanation_words_are_stemmed_like_the_text():
    fragments = highlight(
        "Wij leveren <b>kozijnen</b>, hennepvezel en isolatie", ["kozijnen", "hennep"], "nl"
    )
    assert marked(fragments) == ["kozijnen", "hennepvezel"]
    assert "".join(text for text, _ in fragments) == "Wij leveren <b>kozijnen</b>, hennepvezel en isolatie"


def test_a_text_of_unknown_language_is_stemmed_in_the_language_it_reads_in():
    """Match cards pass no language: an English solution's words are stemmed as English."""
    english = "We supply insulating panels for the roofs"
    assert marked(highlight(english, ["insulation"])) == ["insulating"]
    assert marked(highlight(english, ["insulation"], "nl")) == []


def test_snippet_starts_near_the_first_match_between_words():
    text = " ".join(["vulling"] * 60 + ["hennepisolatie"] + ["rest"] * 60)
    fragments = snippet(text, {"hennep"}, "nl", width=80)
    assert fragments[0][0].startswith("… vulling")
    assert marked(fragments) == ["hennepisolatie"]
    assert fragments[-1][0].endswith(" …")
