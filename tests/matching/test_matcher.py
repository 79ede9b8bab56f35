from __future__ import annotations

import sys
from itertools import product

import numpy as np
import pytest

from matching.matcher import THEME_BOOST, THEME_MIN_DOCUMENTS, Document, Matcher, compatible_documents

SOLUTIONS = [
    Document(
        "wol",
        "Isolatie van schapenwol",
        "Wij leveren natuurlijke isolatie voor woningen en kantoren.",
        themes=frozenset({"bouw"}),
        regions=frozenset({"groningen"}),
    ),
    Document(
        "kozijn",
        "Circulaire kozijnen",
        "Houten kozijnen van hergebruikt hout voor de renovatie van woningen.",
        themes=frozenset({"bouw"}),
        regions=frozenset({"nederland"}),
    ),
    Document(
        "beton",
        "Betonrecycling",
        "Wij breken oud beton tot granulaat voor nieuw beton.",
        themes=frozenset({"bouw"}),
        regions=frozenset({"friesland"}),
    ),
    Document(
        "textiel",
        "Inzameling van bedrijfskleding",
        "Oude werkkleding wordt vezel voor nieuw textiel.",
        themes=frozenset({"textiel"}),
        regions=frozenset({"drenthe", "groningen"}),
    ),
    Document(
        "jeans",
        "Insulation from recycled jeans",
        "We produce insulation material from recycled denim for houses.",
    ),
    Document("materiaal", "Materiaalpaspoort", "Registratie van materiaal in gebouwen."),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.fit(SOLUTIONS)


def ids(results) -> list:
    return [r.id for r in results]


def test_compound_query_finds_its_parts(matcher: Matcher) -> None:
    query = Document("q", "Isolatiemateriaal gezocht", "Voor onze woningcorporatie.")
    assert ids(matcher.rank(query))[0] == "wol"


def test_part_query_finds_compound(matcher: Matcher) -> None:
    assert ids(matcher.rank(Document("q", "kozijnhout")))[0] == "kozijn"


def test_title_weighs_more_than_description() -> None:
    docs = [Document("title", "Beton", "oud puin"), Document("desc", "Puin", "oud beton")]
    assert ids(Matcher.fit(docs).rank(Document("q", "beton"))) == ["title", "desc"]


def test_scores_are_between_zero_and_one_and_descending(matcher: Matcher) -> None:
    results = matcher.rank(Document("q", "isolatie voor woningen van hout"), k=10)
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)
    assert matcher.rank(Document("q", SOLUTIONS[1].title, SOLUTIONS[1].description))[
        0
    ].score == pytest.approx(1.0, abs=1e-5)


def test_unrelated_query_gets_nothing(matcher: Matcher) -> None:
    assert matcher.rank(Document("q", "appeltaart met slagroom")) == []


def test_english_query_matches_english_document(matcher: Matcher) -> None:
    assert ids(matcher.rank(Document("q", "We need insulation for our houses")))[0] == "jeans"


def test_explanations_are_words_not_stems(matcher: Matcher) -> None:
    result = matcher.rank(Document("q", "Woningen renoveren met houten kozijnen"))[0]
    assert result.id == "kozijn"
    assert "kozijnen" in result.terms
    assert "kozijn" not in result.terms  # the stem itself is never shown
    assert all(t.isalpha() for t in result.terms)


def test_k_min_score_and_exclude(matcher: Matcher) -> None:
    query = Document("q", "isolatie van hout voor woningen en materiaal")
    everything = matcher.rank(query, k=10)
    assert len(everything) >= 3
    assert ids(matcher.rank(query, k=2)) == ids(everything)[:2]
    floor = everything[1].score
    assert ids(matcher.rank(query, min_score=floor)) == ids(everything)[:2]
    assert ids(matcher.rank(query, exclude={everything[0].id})) == ids(everything)[1:]


def test_region_filter_question_to_solutions(matcher: Matcher) -> None:
    text = "isolatie kozijnen beton kleding"
    leeuwarden = Document("q", text, location=("leeuwarden", "friesland"))
    found = set(ids(matcher.rank(leeuwarden)))
    assert "beton" in found
    assert "kozijn" in found
    assert "wol" not in found
    assert "textiel" not in found
    assert "wol" in ids(matcher.rank(Document("q", text, location=("groningen", "groningen"))))
    assert "wol" in ids(matcher.rank(Document("q", text)))  # unknown location: no filter


def test_region_filter_municipality_in_service_area() -> None:
    docs = [Document("s", "zonnepanelen", regions=frozenset({"Assen"}))]
    m = Matcher.fit(docs)
    assert ids(m.rank(Document("q", "zonnepanelen", location=("Assen", "Drenthe")))) == ["s"]
    assert m.rank(Document("q", "zonnepanelen", location=("emmen", "drenthe"))) == []


def test_region_filter_solution_to_questions() -> None:
    questions = [
        Document("emmen", "Wij zoeken zonnepanelen", location=("emmen", "drenthe")),
        Document("sneek", "Zonnepanelen gezocht", location=("súdwest-fryslân", "friesland")),
        Document("overal", "Zonnepanelen voor het dak"),
    ]
    m = Matcher.fit(questions)
    drenthe = Document("s", "Zonnepanelen", regions=frozenset({"drenthe"}))
    assert set(ids(m.rank(drenthe))) == {"emmen", "overal"}
    nationwide = Document("s", "Zonnepanelen", regions=frozenset({"nederland"}))
    assert set(ids(m.rank(nationwide))) == {"emmen", "sneek", "overal"}
    fryslan = Document("s", "Zonnepanelen", regions=frozenset({"Súdwest-Fryslân"}))
    assert set(ids(m.rank(fryslan))) == {"sneek", "overal"}


def test_hard_theme_filter_on_request(matcher: Matcher) -> None:
    query = Document("q", "nieuw textiel en nieuw beton", themes=frozenset({"textiel"}))
    assert "beton" not in ids(matcher.rank(query, theme_filter=True))
    assert "textiel" in ids(matcher.rank(query, theme_filter=True))


def test_soft_themes_keep_an_off_theme_candidate(matcher: Matcher) -> None:
    query = Document("q", "nieuw textiel en nieuw beton", themes=frozenset({"textiel"}))
    assert {"beton", "textiel"} <= set(ids(matcher.rank(query)))


def test_soft_themes_rank_on_theme_above_an_equal_off_theme_document() -> None:
    twins = [
        Document("hout", "Gebruikte bouwmaterialen", "Oude balken en planken.", themes=frozenset({"bouw"})),
        Document(
            "maak", "Gebruikte bouwmaterialen", "Oude balken en planken.", themes=frozenset({"maakindustrie"})
        ),
    ]
    m = Matcher.fit(twins)
    for theme, first in (("bouw", "hout"), ("maakindustrie", "maak")):
        found = m.rank(Document("q", "Oude balken gezocht", themes=frozenset({theme})))
        assert ids(found) == [first, *(i for i in ("hout", "maak") if i != first)]
        assert found[0].score > found[1].score
    plain = m.rank(Document("q", "Oude balken gezocht", themes=frozenset({"bouw"})), theme_boost=0)
    assert plain[0].score == plain[1].score


def test_theme_boost_reaches_documents_beyond_the_top_k() -> None:
    docs = [Document(i, "balken en planken", themes=frozenset({"maakindustrie"})) for i in range(5)]
    docs.append(Document("bouw", "balken en planken", themes=frozenset({"bouw"})))
    found = Matcher.fit(docs).rank(Document("q", "balken", themes=frozenset({"bouw"})), k=1)
    assert ids(found) == ["bouw"]


def _themed_corpus(themes_follow_text: bool) -> list[Document]:
    """Forty documents on two subjects; their themes follow the subject or alternate."""
    subjects = [("bouw", "oude balken planken kozijnen"), ("textiel", "oude kleding stoffen garens")]
    docs = []
    for i in range(40):
        subject = subjects[i % 2][1]
        theme = subjects[i % 2][0] if themes_follow_text else subjects[(i // 2) % 2][0]
        docs.append(Document(i, f"{subject} partij {i}", f"nummer{i}", themes=frozenset({theme})))
    return docs


def test_theme_boost_is_measured_on_the_corpus() -> None:
    following = Matcher.fit(_themed_corpus(themes_follow_text=True))
    unrelated = Matcher.fit(_themed_corpus(themes_follow_text=False))
    # Every text neighbour shares the theme, against 2 * 20 * 19 of the 40 * 39 pairs in general.
    assert following.theme_boost == pytest.approx(40 * 39 / (2 * 20 * 19) - 1)
    # Themes that say nothing about the text earn (almost) nothing.
    assert unrelated.theme_boost < 0.25


def test_too_few_themed_documents_keep_the_default_boost() -> None:
    few = _themed_corpus(themes_follow_text=True)[: THEME_MIN_DOCUMENTS - 1]
    assert Matcher.fit(few).theme_boost == THEME_BOOST


def test_compatible_documents_is_symmetric() -> None:
    q = Document("q", "x", location=("emmen", "drenthe"), themes=frozenset({"bouw"}))
    s = Document("s", "x", regions=frozenset({"groningen"}), themes=frozenset({"bouw"}))
    assert not compatible_documents(q, s)
    assert not compatible_documents(s, q)
    assert compatible_documents(q, Document("t", "x", regions=frozenset({"drenthe"})))


def test_rank_many_equals_rank(matcher: Matcher) -> None:
    queries = [Document(i, t) for i, t in enumerate(["isolatie", "beton granulaat", "kleding"])]
    assert matcher.rank_many(queries, k=3) == [matcher.rank(q, k=3) for q in queries]


def test_many_queries_ranked_in_threads_get_what_each_gets_alone() -> None:
    """Batches of several chunks are ranked two chunks at a time; each thread explains with its
    own scratch (shared, about one query in twenty got another query's words). Filters and theme
    boosts differ per query; the words are rare enough to explain a match."""
    words = [
        "".join(p)
        for p in product(["ka", "lo", "mi", "ne", "ru"], ["dor", "fin", "gul", "pes"], ["ant", "ol"])
    ]
    places = [("emmen", "drenthe"), ("groningen", "groningen"), None]

    def text(i: int, n: int) -> str:
        return " ".join(words[(i * 7 + j * 11) % len(words)] for j in range(n))

    regions = [frozenset({"drenthe"}), frozenset({"groningen"})]
    matcher = Matcher.fit(
        [Document(i, text(i, 3), text(i + 5, 4), regions=regions[i % 2]) for i in range(120)]
    )
    themes = [frozenset({"bouw"}), frozenset({"textiel"})]
    queries = [
        Document(1000 + i, text(3 * i, 2), text(i, 2), location=places[i % 3], themes=themes[i % 2])
        for i in range(600)
    ]
    alone = [matcher.rank(q, 5, min_score=0.05) for q in queries]
    usual = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # the threads take turns all the time, as under load
    try:
        ranked = matcher.rank_many(queries, 5, min_score=0.05)
    finally:
        sys.setswitchinterval(usual)
    assert ranked == alone
    assert sum(bool(result.terms) for results in alone for result in results) > 1000


def test_similarity(matcher: Matcher) -> None:
    a = Document("a", "Isolatie van schapenwol")
    assert matcher.similarity(a, a) == pytest.approx(1.0, abs=1e-5)
    assert matcher.similarity(a, Document("b", "beton granulaat")) == 0.0


def test_batch_and_single_vectors_agree(matcher: Matcher) -> None:
    docs = [
        Document(i, f"Isolatiemateriaal {i}", "houten kozijnen, recycled insulation") for i in range(20)
    ] + list(SOLUTIONS)
    batch = matcher.vectors(docs).toarray()
    single = [matcher.vectors([d]).toarray()[0] for d in docs]
    assert np.allclose(batch, np.array(single), atol=1e-6)
    assert matcher.vectors([docs[-2]]).nnz > 0


def test_explanations_are_words_from_the_texts_never_numbers() -> None:
    matcher = Matcher.fit(
        [
            Document(
                "a",
                "Betonliggers hergebruiken",
                "Voorgespannen betonliggers (beton) uit viaducten, 2024, 12 stuks, 000 km",
            ),
            Document("b", "Tweedehands kleding", "Textiel uit 2024"),
        ]
    )
    result = matcher.rank(Document("q", "Liggers van viaducten hergebruiken in 2024, 12 km"))[0]
    assert result.id == "a"
    assert "liggers" in result.terms  # the document has it only inside a compound
    assert "viaducten" in result.terms
    assert not any(t.isdigit() or len(t) < 3 for t in result.terms)


def test_top_n_product_agrees_with_all_scores() -> None:
    words = ["hout", "beton", "isolatie", "kozijnen", "asfalt", "textiel", "glas", "staal"]
    docs = [
        Document(i, f"{words[i % 8]} {words[i % 5]}", f"{words[i % 3]} {words[i % 7]} {i}") for i in range(60)
    ]
    matcher = Matcher.fit(docs)
    queries = [Document(f"q{i}", words[i % 8], words[(i * 3) % 8]) for i in range(20)]
    scores = (matcher.vectors(queries) @ matcher.vectors(docs).T).toarray()
    for row, results in zip(scores, matcher.rank_many(queries, 5), strict=True):
        best = sorted(row[row > 0], reverse=True)[:5]
        assert [r.score for r in results] == pytest.approx(best, abs=1e-6)
