from __future__ import annotations

import pytest

from matching.analysis import (
    detect_language,
    fold,
    split_compound,
    surface_forms,
    word_terms,
)


def test_fold_lowercases_and_strips_accents() -> None:
    assert fold("Één Café, naïef, CAFÉ-ĳs") == "een cafe, naief, cafe-ijs"


def test_plural_and_singular_share_a_stem() -> None:
    assert word_terms("woningen") == word_terms("woning")
    assert word_terms("kozijnen") == word_terms("kozijn")


def test_accented_and_plain_spellings_match() -> None:
    assert word_terms("ideeën") == word_terms("ideeen")


def test_dutch_stop_words_are_removed_and_order_kept() -> None:
    assert word_terms("De gemeente zoekt een oplossing voor het afval") == word_terms(
        "gemeente zoekt oplossing afval"
    )
    assert len(word_terms("de het een en van voor wij zijn")) == 0


def test_numbers_are_kept() -> None:
    assert "2030" in word_terms("CO2-neutraal in 2030")


def test_hyphenated_word_matches_joined_and_parts() -> None:
    terms = set(word_terms("bio-based bouwen"))
    assert set(word_terms("biobased")) <= terms
    assert set(word_terms("bio")) <= terms


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("We are looking for recycled insulation for the houses in our region", "en"),
        ("Wij zoeken gerecyclede isolatie voor de woningen in onze regio", "nl"),
        ("isolatie", "nl"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_english_text_gets_english_stemming() -> None:
    assert word_terms("We recycle the houses and the housing") == ["recycl", "hous", "hous"]
    assert word_terms("insulation", lang="en") == word_terms("insulated", lang="en")


def test_surface_forms_map_stems_to_frequent_words() -> None:
    forms = surface_forms("Woningen, woningen en een woning. Privé terrein.")
    assert forms[word_terms("woningen")[0]] == "woningen"
    assert "privé" in forms.values()


LEXICON = {"woning", "corporatie", "materiaal", "kozijn", "hout", "bedrijf", "afval", "dak"}


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("woningcorporatie", ["woning", "corporatie"]),
        ("kozijnhout", ["kozijn", "hout"]),
        ("bedrijfsafval", ["bedrijf", "afval"]),  # linking s
        ("isolatiemateriaal", ["isolatie", "materiaal"]),  # one unknown part
        ("dakhout", ["dak", "hout"]),  # a short part when every part is known
    ],
)
def test_split_compound(word: str, parts: list[str]) -> None:
    assert split_compound(word, LEXICON) == parts


@pytest.mark.parametrize(
    "word",
    [
        "bindmiddel",  # not bin|dmiddel: a short known word next to an unknown rest
        "woningen",  # not won|ingen
        "viaducten",  # not viaduc|ten: the inflection is no part
        "betonnen",  # not beton|nen
        "dakisolatie",  # isolatie unknown and dak short: no evidence for the split
    ],
)
def test_split_compound_makes_no_fragments(word: str) -> None:
    lexicon = {"bin", "won", "ten", "nen", "beton", "dak", "middel"}
    assert split_compound(word, lexicon) == []


@pytest.mark.parametrize("word", ["materiaal", "duurzaamheid", "verwerking", "woningen"])
def test_split_compound_leaves_simple_words_alone(word: str) -> None:
    assert split_compound(word, LEXICON) == []
