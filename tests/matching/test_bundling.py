from __future__ import annotations

import pytest

from matching.bundling import Candidate, Cluster, bundles
from matching.matcher import Document, Matcher

BOUW = frozenset({"bouw"})


def question(id: str, title: str, description: str, themes: frozenset[str] = BOUW) -> Document:
    return Document(id, title, description, themes=themes)


QUESTIONS = [
    Candidate(
        question(
            "hondsrug",
            "Biobased isolatie en hergebruikte kozijnen voor 180 woningen",
            "Wij renoveren 180 woningen en zoeken biobased isolatie en hergebruikte kozijnen.",
        ),
        "Hondsrug",
    ),
    Candidate(
        question(
            "drentse-aa",
            "Na-isolatie van 240 woningen met biobased isolatie",
            "Renovatie van 240 woningen: biobased isolatie, kozijnen vervangen door hergebruikte kozijnen.",
        ),
        "Drentse Aa",
    ),
    Candidate(
        question(
            "reestdal",
            "Renovatie 160 woningen: kozijnen en isolatie",
            "Circulaire kozijnen en biobased isolatie voor de renovatie van 160 woningen.",
        ),
        "Reestdal",
    ),
    Candidate(
        question(
            "asfalt-groningen",
            "Circulair asfalt voor fietsroutes",
            "Groot onderhoud van fietspaden met asfaltgranulaat en lage temperatuur asfalt.",
        ),
        "Gemeente Groningen",
    ),
    Candidate(
        question(
            "asfalt-westerwolde",
            "Asfalt met granulaat voor plattelandswegen",
            "Onderhoud van wegen: hergebruik van asfaltgranulaat in nieuw asfalt.",
        ),
        "Gemeente Westerwolde",
    ),
    Candidate(
        question(
            "voedsel",
            "Voedselverspilling halveren in zorglocaties",
            "Minder voedsel weggooien in de keukens van onze zorglocaties.",
            frozenset({"biomassa_voedsel"}),
        ),
        "Zorggroep",
    ),
]


def fitted(candidates: list[Candidate]) -> Matcher:
    return Matcher.fit(c.document for c in candidates)


def found(clusters: list[Cluster]) -> list[set]:
    return [set(c.ids) for c in clusters]


def test_groups_similar_questions_of_different_organisations() -> None:
    clusters = bundles(QUESTIONS, fitted(QUESTIONS), threshold=0.2)
    assert found(clusters) == [
        {"hondsrug", "drentse-aa", "reestdal"},
        {"asfalt-groningen", "asfalt-westerwolde"},
    ]


def test_unrelated_question_stays_out() -> None:
    clusters = bundles(QUESTIONS, fitted(QUESTIONS), threshold=0.05)
    assert all("voedsel" not in c.ids for c in clusters)
    assert not any({"hondsrug", "asfalt-groningen"} <= set(c.ids) for c in clusters)


def test_label_uses_shared_words_as_written() -> None:
    housing = bundles(QUESTIONS, fitted(QUESTIONS), threshold=0.2)[0]
    assert {"isolatie", "kozijnen"} <= set(housing.terms)
    assert housing.label.startswith(housing.terms[0].capitalize())
    assert not any(ch.isdigit() for ch in housing.label)


def test_one_organisation_alone_is_no_bundle() -> None:
    same_owner = [Candidate(c.document, "Hondsrug") for c in QUESTIONS[:3]]
    assert bundles(same_owner, fitted(same_owner), threshold=0.1) == []


def test_a_higher_threshold_makes_bundles_smaller_or_none() -> None:
    matcher = fitted(QUESTIONS)
    loose = bundles(QUESTIONS, matcher, threshold=0.1)
    strict = bundles(QUESTIONS, matcher, threshold=0.9)
    assert sum(len(c.ids) for c in strict) < sum(len(c.ids) for c in loose)
    assert strict == []


def test_different_themes_never_bundle() -> None:
    twins = [
        Candidate(question("a", "Houten kozijnen", "Hergebruikte houten kozijnen."), "A"),
        Candidate(
            question("b", "Houten kozijnen", "Hergebruikte houten kozijnen.", frozenset({"maakindustrie"})),
            "B",
        ),
    ]
    assert bundles(twins, fitted(twins), threshold=0.1) == []


@pytest.mark.parametrize("count", [0, 1])
def test_too_few_questions(count: int) -> None:
    assert bundles(QUESTIONS[:count], fitted(QUESTIONS), threshold=0.2) == []


def test_cohesion_is_the_mean_similarity() -> None:
    matcher = fitted(QUESTIONS)
    asphalt = bundles(QUESTIONS, matcher, threshold=0.2)[1]
    pair = matcher.similarity(QUESTIONS[3].document, QUESTIONS[4].document)
    assert asphalt.cohesion == pytest.approx(pair, abs=1e-5)
