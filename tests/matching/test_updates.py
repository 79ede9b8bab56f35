from __future__ import annotations

from pathlib import Path

import pytest

from matching.matcher import Document, Matcher

DOCS = [
    Document(1, "Isolatie van schapenwol", "natuurlijke isolatie voor woningen"),
    Document(2, "Circulaire kozijnen", "kozijnen van hergebruikt hout"),
    Document(3, "Betonrecycling", "oud beton wordt granulaat"),
]


def ids(results) -> list:
    return [r.id for r in results]


def test_upsert_adds_a_rankable_document_without_refit() -> None:
    m = Matcher.fit(DOCS)
    m.upsert(Document(4, "Houten kozijnen", "kozijnen en hout", regions=frozenset({"drenthe"})))
    assert m.changed_since_fit == 1
    assert set(ids(m.rank(Document("q", "kozijnen")))) == {2, 4}
    assert ids(m.rank(Document("q", "kozijnen", location=("emmen", "friesland")))) == [2]


def test_upsert_replaces_and_remove_deletes() -> None:
    m = Matcher.fit(DOCS)
    m.upsert(Document(2, "Beton", "beton granulaat"))
    assert 2 not in ids(m.rank(Document("q", "kozijnen")))
    assert 2 in ids(m.rank(Document("q", "beton")))
    m.remove(3)
    assert ids(m.rank(Document("q", "beton"))) == [2]
    m.remove(2)
    assert m.rank(Document("q", "beton")) == []
    assert m.changed_since_fit == 3
    with pytest.raises(KeyError):
        m.remove(2)


def test_upsert_scores_like_a_refit_with_same_vocabulary() -> None:
    m = Matcher.fit(DOCS)
    doc = Document(9, "Kozijnen van beton", "hout isolatie")
    m.upsert(doc)
    score = next(r.score for r in m.rank(Document("q", "kozijnen beton")) if r.id == 9)
    assert score == pytest.approx(m.similarity(Document("q", "kozijnen beton"), doc), abs=1e-6)


def test_many_upserts_merge_into_the_main_index() -> None:
    m = Matcher.fit(DOCS)
    for i in range(1100):
        m.upsert(Document(f"n{i}", "kozijnen", "hout"))
    for i in range(0, 1100, 2):
        m.remove(f"n{i}")
    found = m.rank(Document("q", "kozijnen"), k=2000)
    assert len(found) == 551
    assert 2 in ids(found)
    assert "n1" in ids(found)
    assert m.size == 553


def test_save_load_round_trip(tmp_path: Path) -> None:
    m = Matcher.fit(DOCS)
    m.upsert(Document(4, "Houten kozijnen", "kozijnen"))
    path = tmp_path / "model.pkl"
    m.save(path)
    loaded = Matcher.load(path)
    query = Document("q", "houten kozijnen isolatie")
    assert loaded.rank(query) == m.rank(query)
    assert loaded.changed_since_fit == 1


def test_load_rejects_other_pickles(tmp_path: Path) -> None:
    import pickle

    path = tmp_path / "other.pkl"
    path.write_bytes(pickle.dumps(("something", 1)))
    with pytest.raises(ValueError, match="not a saved Matcher"):
        Matcher.load(path)


def test_empty_corpus_fits_and_ranks_nothing() -> None:
    m = Matcher.fit([])
    assert m.rank(Document("q", "beton")) == []
    m.upsert(Document(1, "beton"))
    assert m.size == 1
    assert m.changed_since_fit == 1


def test_models_saved_before_soft_themes_and_bridges_still_load(tmp_path: Path) -> None:
    import pickle

    m = Matcher.fit(DOCS)
    for name in ("_generic", "_concepts"):  # what a /1 model lacks
        m.__dict__.pop(name)
    for seg in m._segments:
        seg.filters.__dict__.pop("_agree")
    path = tmp_path / "old.pkl"
    path.write_bytes(pickle.dumps(("circulair-noord-matcher/1", m)))
    old = Matcher.load(path)
    query = Document("q", "houten kozijnen isolatie", themes=frozenset({"bouw"}))
    assert old.rank(query) == Matcher.fit(DOCS).rank(query)


def test_a_text_vectorised_before_ranks_with_its_own_filters_and_id() -> None:
    """The matcher remembers vectors by text: the same text under another id or place must still
    be filtered and indexed as itself."""
    m = Matcher.fit(DOCS)
    assert set(ids(m.rank(Document("q", "kozijnen")))) == {2}
    m.upsert(Document(4, "kozijnen", regions=frozenset({"drenthe"})))
    assert set(ids(m.rank(Document("q", "kozijnen")))) == {2, 4}
    assert ids(m.rank(Document("other", "kozijnen", location=("emmen", "friesland")))) == [2]
    first, again = m.rank(Document("q", "kozijnen")), m.rank(Document("q", "kozijnen"))
    assert again == first
    assert first[0].terms


def test_upserted_documents_keep_their_own_rows_and_words() -> None:
    """The delta segment stacks one row per upsert: each keeps its score and explaining words."""
    m = Matcher.fit(DOCS)
    m.upsert(Document(7, "Houten kozijnen", "hout"))
    m.upsert(Document(8, "Empty", ""))
    m.upsert(Document(9, "Betongranulaat", "beton granulaat"))
    by_id = {r.id: r for r in m.rank(Document("q", "granulaat van beton en houten kozijnen"), k=10)}
    assert "beton" in by_id[9].terms
    assert "kozijnen" in by_id[7].terms
    assert "beton" not in by_id[7].terms
    assert 8 not in by_id


def test_ranking_after_every_update_equals_ranking_once_after_all() -> None:
    """Ranking between updates restacks the delta from its live rows plus the new ones; it must
    end as one restack of all the updates does: same documents, order, scores and words."""
    every, once = Matcher.fit(DOCS), Matcher.fit(DOCS)
    query = Document("q", "houten kozijnen van beton", "isolatie")
    for step in range(30):
        for m in (every, once):
            m.upsert(
                Document(f"n{step}", "Kozijnen" if step % 2 else "Beton", "hout" if step % 3 else "isolatie")
            )
            if step % 5 == 4:
                m.upsert(Document(f"n{step - 2}", "Houten kozijnen", "beton"))  # replaced: its old row goes
            if step % 7 == 6:
                m.remove(f"n{step - 1}")
        every.rank(query)
    assert every.rank(query, k=50) == once.rank(query, k=50)
    assert len(every.rank(query, k=50)) > 20
