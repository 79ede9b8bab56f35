from __future__ import annotations

from matching.analysis import stem
from matching.concepts import Concepts
from matching.matcher import Document, Matcher


def test_glossary_maps_inflections_of_both_languages() -> None:
    concepts = Concepts.load()
    assert concepts.of(stem("geïsoleerd".replace("ï", "i")), "nl") == ("~isolatie",)
    assert concepts.of(stem("insulation", "en"), "en") == ("~isolatie",)
    assert concepts.of(stem("hergebruikte"), "nl") == ("~hergebruik",)
    assert concepts.of("appeltaart", "nl") == ()


def test_synonyms_meet_through_a_concept() -> None:
    docs = [
        Document("cladding", "Facade cladding", "We supply cladding made of reclaimed timber."),
        Document("stoel", "Stoelen", "Wij leveren stoelen."),
    ]
    matcher = Matcher.fit(docs)
    found = matcher.rank(Document("q", "Gevelbekleding gezocht", "Voor onze woningen."))
    assert [r.id for r in found] == ["cladding"]
    assert found[0].terms == ()  # the texts share no word, and a concept is never shown
    assert found[0].bridges == (("gevelbekleding", "cladding"),)  # shown as a bridge instead


def test_compound_part_carries_its_concept() -> None:
    docs = [Document("wol", "Insulation", "Sheep's wool insulation."), Document("x", "Stoelen")]
    found = Matcher.fit(docs).rank(Document("q", "Isolatieplaten voor de zolder"))
    assert [r.id for r in found] == ["wol"]
    assert all("~" not in t for t in found[0].terms)


def test_concepts_can_be_switched_off() -> None:
    docs = [Document("cladding", "Cladding"), Document("stoel", "Stoelen")]
    matcher = Matcher.fit(docs, concept_weight=0)
    assert matcher.rank(Document("q", "Gevelbekleding")) == []


CONCRETE = [
    Document("puin", "Betongranulaat uit sloop", "Wij breken oud beton tot granulaat voor nieuw beton."),
    Document("plan", "Advies", "Wij schrijven een plan van aanpak voor uw organisatie."),
]


def ids(found) -> list:
    return [r.id for r in found]


def test_a_dutch_word_does_not_meet_an_english_false_friend() -> None:
    matcher = Matcher.fit(CONCRETE)
    # The Dutch stemmer turns "concreet" and "concrete" into "concret": no concrete from that.
    assert "puin" not in ids(matcher.rank(Document("q", "concreet plan")))
    # In a Dutch text "concrete" is Dutch ("concrete afspraken"), not the English word for beton.
    dutch = Document("q", "Concrete afspraken", "Wij willen concrete afspraken maken over de planning.")
    assert "puin" not in ids(matcher.rank(dutch))


def test_english_words_still_reach_dutch_concepts() -> None:
    matcher = Matcher.fit(CONCRETE)
    assert ids(matcher.rank(Document("q", "circular concrete"))) == ["puin"]  # no stop words: both
    english = Document("q", "Recycled concrete", "We are looking for recycled concrete for the roads.")
    assert ids(matcher.rank(english)) == ["puin"]


def test_each_glossary_word_is_looked_up_in_its_own_language() -> None:
    concepts = Concepts.load()
    assert concepts.of_word("concreet") == ()
    assert concepts.of_word("concrete") == ("~beton",)
    assert concepts.of_word("concrete", ("nl",)) == ()  # English only
    assert concepts.of_word("grind", ("en",)) == ()  # Dutch only: gravel, not to grind
    assert concepts.of_word("lease", ("nl",)) == concepts.of_word("lease", ("en",)) != ()  # a loan word
