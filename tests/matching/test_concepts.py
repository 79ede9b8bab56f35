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
