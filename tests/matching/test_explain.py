from __future__ import annotations

import pytest

from matching.explain import (
    DEFAULT_THRESHOLDS,
    LABELS_NL,
    Thresholds,
    calibrate_thresholds,
    strength,
)
from matching.matcher import Document, Matcher


def filler(n: int) -> list[Document]:
    """Enough other documents for document frequencies to mean something."""
    topics = ["textiel", "beton", "glas", "papier", "koffie", "banden", "matrassen", "zonnepanelen"]
    return [
        Document(
            f"f{i}",
            f"{topics[i % len(topics)].capitalize()} {i}",
            f"Wij verwerken {topics[i % len(topics)]}.",
        )
        for i in range(n)
    ]


def test_explanations_leave_out_generic_words() -> None:
    hemp = Document(
        "hennep",
        "Hennepisolatie",
        "Ons eigen bedrijf maakt al jaren isolatie van hennep. "
        "Dit jaar leveren wij voor het eerst ook platen.",
    )
    matcher = Matcher.fit([hemp, *filler(60)])
    query = Document(
        "q",
        "Isolatie gezocht",
        "Wij zoeken dit jaar voor het eerst isolatie van hennep voor onze eigen woningen; wie maakt dat?",
    )
    (found, *_) = matcher.rank(query)
    assert found.id == "hennep"
    assert {"isolatie", "hennep"} <= set(found.terms)
    assert not {"jaar", "eerste", "eerst", "eigen", "maakt", "leveren", "zoeken"} & set(found.terms)


def test_words_in_most_documents_are_not_shown() -> None:
    docs = [Document(i, f"Circulair product {i}", f"Circulair en duurzaam, artikel {i}.") for i in range(60)]
    docs.append(Document("wol", "Schapenwol", "Circulair: isolatie van schapenwol."))
    found = Matcher.fit(docs).rank(Document("q", "Circulair isoleren met schapenwol"))
    assert found[0].id == "wol"
    assert "schapenwol" in found[0].terms
    assert "circulair" not in found[0].terms


def test_a_concept_is_shown_as_a_bridge_between_the_words_never_as_a_word_of_neither() -> None:
    straw = Document("stro", "Strobouw", "Wij bouwen woningen met strobalen.")
    hemp = Document("hennep", "Hennepisolatie", "Isolatie van hennep voor daken.")
    matcher = Matcher.fit([straw, hemp])
    found = {
        r.id: r for r in matcher.rank(Document("q", "Insulation wanted", "Natural insulation for roofs."))
    }
    assert "hennep" in found
    texts = "hennepisolatie isolatie van hennep voor daken insulation wanted natural insulation for roofs"
    assert all(word.lower() in texts for word in found["hennep"].terms)
    assert ("insulation", "isolatie") in found["hennep"].bridges or ("insulation", "hennepisolatie") in found[
        "hennep"
    ].bridges


def test_forms_of_one_word_are_no_bridge() -> None:
    docs = [Document("r", "Gerecycled plastic", "Wij hebben plastic gerecycled.")]
    found = Matcher.fit(docs).rank(Document("q", "Recyclen van plastic"))
    assert found
    assert found[0].bridges == ()


def test_a_question_is_explained_the_same_whatever_is_ranked_with_it() -> None:
    """Of two words for one concept, equally frequent, the explanation takes the first
    alphabetically, not the one another question of the batch happened to write first."""
    cleaning = Document("gevel", "Gevelreiniging", "Wij reinigen gevels van natuursteen.")
    matcher = Matcher.fit([cleaning, *filler(60)])
    query = Document("q", "Gevels", "Wie kan onze gevels van natuursteen reinigen en schoonmaken?")
    alone = matcher.rank(query)
    assert alone[0].id == "gevel"
    for written_first in ("reinigen", "schoonmaken"):
        others = [Document(f"o{i}", "Vraag", f"Wij willen textiel {written_first}.") for i in range(12)]
        assert matcher.rank_many([*others, query])[-1] == alone


def test_an_indexed_document_is_explained_from_its_stored_row_as_from_its_text() -> None:
    """Similar questions are explained from the question's row in the model, not its text again."""
    questions = [
        Document("q1", "Hennepisolatie gezocht", "Wij zoeken isolatie van hennep voor 40 daken."),
        Document("q2", "Dakisolatie", "Gemeente zoekt biobased dakisolatie, bij voorkeur hennep of vlas."),
        Document("q3", "Houten kozijnen", "Hergebruikte hardhouten kozijnen voor renovatie in Emmen."),
        *filler(40),
    ]
    matcher = Matcher.fit(questions)
    posted = Document("q4", "Kozijnen en isolatie", "Tweedehands kozijnen en hennepisolatie, 12 woningen.")
    matcher.upsert(posted)  # posted after the fit: a row of the delta segment
    others = ["q1", "q2", "q3", "q4", "missing"]
    for document in (questions[0], questions[1], posted):
        from_row = matcher.results_for_indexed(document.id, others)
        assert from_row == matcher.results_for(document, others)
        assert any(r.terms for r in from_row or [])
    assert matcher.results_for_indexed("missing", others) is None


def test_strength_labels_from_thresholds() -> None:
    thresholds = Thresholds(strong=0.5, good=0.3)
    assert [LABELS_NL[strength(s, thresholds)] for s in (0.6, 0.5, 0.4, 0.1)] == [
        "sterke match",
        "sterke match",
        "goede match",
        "mogelijke match",
    ]


def test_thresholds_calibrate_on_judgements_and_default_without_enough() -> None:
    assert calibrate_thresholds([(0.9, 2), (0.1, 0)]) == DEFAULT_THRESHOLDS
    # From 0.6 up nine in ten were relevant, 0.4 to 0.6 half, below 0.4 one in twenty.
    judged = [(0.6 + i / 100, 1 if i else 0) for i in range(10)]
    judged += [(0.4 + i / 100, i % 2) for i in range(20)]
    judged += [(0.1 + i / 100, 1 if i == 0 else 0) for i in range(20)]
    thresholds = calibrate_thresholds(judged)
    # The band where nine in ten were relevant starts "strong", the band of one in two "good";
    # the weak band stays "possible" however many relevant matches score above it.
    assert thresholds == Thresholds(strong=pytest.approx(0.61), good=pytest.approx(0.41))
    assert strength(0.65, thresholds) == "strong"
    assert strength(0.5, thresholds) == "good"
    assert strength(0.3, thresholds) == "possible"


def test_judgements_that_are_nearly_all_relevant_do_not_make_every_match_good() -> None:
    # People judge mostly the top suggestions: fifty relevant and three not say nothing about
    # where matches turn weak, so the defaults stay.
    judged = [(0.05 + i / 100, 1) for i in range(50)] + [(0.3, 0), (0.2, 0), (0.1, 0)]
    assert calibrate_thresholds(judged) == DEFAULT_THRESHOLDS
