from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from matching.learning import (
    Judgement,
    LearnedRanker,
    apply_judgements,
    evaluate_by_time,
    fit_if_better,
)
from matching.matcher import Document, Matcher

DOCS = [
    Document("regra", "Regranulaat van polypropyleen", "Wij maken regranulaat uit oude kratten."),
    Document("tuin", "Tuinmeubelen van hout", "Tafels en stoelen voor buiten."),
    Document("speel", "Speeltoestellen", "Speeltoestellen voor schoolpleinen."),
    Document("verf", "Verf en coatings", "Milieuvriendelijke verf voor gevels."),
    Document("dak", "Dakpannen", "Gebruikte dakpannen voor renovatie."),
    Document("isol", "Isolatie van schapenwol", "Isolatie voor zolders en daken."),
    Document("kozijn", "Houten kozijnen", "Kozijnen uit sloopprojecten."),
    Document("beton", "Betongranulaat", "Gebroken beton voor funderingen."),
    Document("kleding", "Werkkleding inzamelen", "Oude werkkleding wordt nieuwe vezel."),
    Document("deur", "Houten deuren", "Deuren uit sloopprojecten."),
]

# Questions people judged: "korrels" never occurs in a solution, yet they found the
# regranulate supplier relevant each time and the product the question also names not.
GAP = {
    "g1": ("Korrels gezocht", "Korrels voor tuinmeubelen", "tuin"),
    "g2": ("Korrels gezocht", "Korrels voor speeltoestellen", "speel"),
    "g3": ("Korrels gezocht", "Korrels voor verf", "verf"),
    "g4": ("Korrels gezocht", "Korrels voor dakpannen", "dak"),
}
PLAIN = {
    "p1": ("Isolatie gezocht", "Isolatie voor zolders", "isol"),
    "p2": ("Kozijnen gezocht", "Houten kozijnen", "kozijn"),
    "p3": ("Betongranulaat gezocht", "Gebroken beton", "beton"),
    "p4": ("Werkkleding", "Inzamelen van werkkleding", "kleding"),
}


def judged_set() -> tuple[list[Document], list[Judgement]]:
    queries, judgements = [], []
    for qid, (title, description, other) in GAP.items():
        queries.append(Document(qid, title, description))
        judgements += [Judgement(qid, "regra", 2), Judgement(qid, other, 0)]
    for qid, (title, description, doc) in PLAIN.items():
        queries.append(Document(qid, title, description))
        judgements.append(Judgement(qid, doc, 2))
    return queries, judgements


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.fit(DOCS)


def test_judgements_bridge_a_vocabulary_gap(matcher: Matcher) -> None:
    queries, judgements = judged_set()
    ranker = LearnedRanker.fit(matcher, queries, judgements)
    new = Document("new", "Korrels gezocht", "Korrels voor schoolpleinen")
    assert "regra" not in [r.id for r in matcher.rank(new)]  # no shared word, no concept
    assert [r.id for r in ranker.rank(new)][0] == "regra"
    assert ranker.coefficients()["assoc_relevant"] > 0


def test_ranker_without_both_kinds_of_judgement_keeps_the_tfidf_order(matcher: Matcher) -> None:
    query = Document("p", "Isolatie gezocht")
    ranker = LearnedRanker.fit(matcher, [query], [Judgement("p", "isol", 2)])
    assert not ranker.fitted
    assert ranker.rank(Document("x", "Houten kozijnen")) == matcher.rank(Document("x", "Houten kozijnen"))


def test_saved_ranker_ranks_the_same(matcher: Matcher, tmp_path: Path) -> None:
    queries, judgements = judged_set()
    ranker = LearnedRanker.fit(matcher, queries, judgements)
    ranker.save(tmp_path / "ranker.pickle")
    loaded = LearnedRanker.load(tmp_path / "ranker.pickle", matcher)
    new = Document("new", "Korrels gezocht", "Korrels voor schoolpleinen")
    assert loaded.rank(new) == ranker.rank(new)
    (tmp_path / "other.pickle").write_bytes(b"\x80\x05N.")
    with pytest.raises(ValueError, match="not a saved LearnedRanker"):
        LearnedRanker.load(tmp_path / "other.pickle", matcher)


def test_ranker_saved_when_learning_was_one_module_still_loads(matcher: Matcher, tmp_path: Path) -> None:
    import pickle

    from matching.learning.ranker import FORMAT

    queries, judgements = judged_set()
    ranker = LearnedRanker.fit(matcher, queries, judgements)
    state = (FORMAT, ranker.model, ranker.queries, ranker.documents, ranker.judgements, ranker.variant)
    data = pickle.dumps(state, protocol=2)  # names classes as text, so the old path can be written
    new_path, old_path = b"matching.learning.types\nJudgement", b"matching.learning\nJudgement"
    assert new_path in data
    (tmp_path / "old.pickle").write_bytes(data.replace(new_path, old_path))
    loaded = LearnedRanker.load(tmp_path / "old.pickle", matcher)
    assert loaded.judgements == judgements
    new = Document("new", "Korrels gezocht", "Korrels voor schoolpleinen")
    assert loaded.rank(new) == ranker.rank(new)


def test_time_check_refuses_too_few_judgements(matcher: Matcher) -> None:
    queries, judgements = judged_set()
    check = evaluate_by_time(matcher, queries, judgements)
    assert len(judgements) < 30
    assert not check.use
    assert "too few judgements" in check.reason
    assert fit_if_better(matcher, queries, judgements)[0] is None


def test_time_check_refuses_a_ranker_that_does_not_beat_the_baseline(matcher: Matcher) -> None:
    # Every question names its solution: the unlearned ranking is already perfect.
    start = datetime(2026, 1, 1)
    queries, judgements = [], []
    for n in range(40):
        doc = DOCS[n % len(DOCS)]
        queries.append(Document(f"q{n}", doc.title, doc.description))
        judgements.append(Judgement(f"q{n}", doc.id, 2, start + timedelta(days=n)))
        other = DOCS[(n + 1) % len(DOCS)]
        judgements.append(Judgement(f"q{n}", other.id, 0, start + timedelta(days=n)))
    check = evaluate_by_time(matcher, queries, judgements)
    assert check.judgements == 80
    assert check.newer == 24
    assert check.queries == 12
    assert check.baseline == pytest.approx(1.0)
    assert not check.use
    assert "does not beat" in check.reason
    assert fit_if_better(matcher, queries, judgements)[0] is None


def test_time_check_accepts_a_ranker_that_wins_on_newer_judgements(matcher: Matcher) -> None:
    start = datetime(2026, 1, 1)
    queries, judgements = [], []
    for n in range(12):
        _, description, other = list(GAP.values())[n % len(GAP)]
        queries.append(Document(f"g{n}", "Korrels gezocht", description))
        at = start + timedelta(days=n)
        judgements += [Judgement(f"g{n}", "regra", 2, at), Judgement(f"g{n}", other, 0, at)]
    for n in range(8):
        title, description, doc = list(PLAIN.values())[n % len(PLAIN)]
        queries.append(Document(f"p{n}", title, description))
        judgements.append(Judgement(f"p{n}", doc, 2, start + timedelta(days=n, hours=1)))
    ranker, check = fit_if_better(matcher, queries, judgements, min_judgements=20)
    assert check.use, check
    assert check.learned > check.baseline
    assert ranker is not None
    assert ranker.fitted


def test_not_relevant_removes_and_interesting_brings_more_like_it(matcher: Matcher) -> None:
    query = Document("q", "Isolatie voor renovatie", "Isolatie, dakpannen, kozijnen en deuren")
    before = {r.id: r.score for r in matcher.rank(query)}
    assert {"isol", "dak", "kozijn", "deur"} <= set(before)
    after = {r.id: r.score for r in apply_judgements(matcher, matcher.rank(query), {"dak": 0, "kozijn": 2})}
    assert "dak" not in after
    # Interested in the wooden frames: the wooden doors from demolition gain, insulation not.
    assert after["deur"] > before["deur"]
    assert after["isol"] == before["isol"]
    assert after["kozijn"] == before["kozijn"]
