"""The Whoosh search index on plain documents, without an app."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from matching.search import IndexLocked, SearchDocument, SearchQuery
from matching.search.whoosh_index import SearchIndex


def document(n: int, title: str = "Hennepisolatie", **fields) -> SearchDocument:
    return SearchDocument(key=f"solution:{n}", kind="solution", title=title, body=f"nummer {n}", **fields)


def keys(index: SearchIndex, text: str, **query) -> set[str]:
    return {hit.key for hit in index.search(SearchQuery(text, per_page=1000, **query)).hits}


def _write_many(directory: str, start: int) -> None:
    index = SearchIndex(directory)
    for n in range(start, start + 20):
        index.write([document(n)], timeout=30)


def test_two_writer_processes_lose_nothing(tmp_path):
    SearchIndex(tmp_path).write([document(0)])
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_write_many, args=(str(tmp_path), s)) for s in (100, 200)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
    assert [w.exitcode for w in writers] == [0, 0]
    assert len(keys(SearchIndex(tmp_path), "hennepisolatie")) == 41


def test_two_writer_threads_lose_nothing(tmp_path):
    SearchIndex(tmp_path).write([document(0)])
    threads = [threading.Thread(target=_write_many, args=(str(tmp_path), s)) for s in (100, 200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys(SearchIndex(tmp_path), "hennep")) == 41


def test_a_held_lock_times_out_with_index_locked(tmp_path):
    index = SearchIndex(tmp_path)
    with index.writing(), pytest.raises(IndexLocked):
        SearchIndex(tmp_path).write([document(1)], timeout=0.1)


def test_a_corrupt_index_is_recreated_empty(tmp_path):
    SearchIndex(tmp_path).write([document(1)])
    for path in tmp_path.iterdir():
        path.write_bytes(b"garbage")
    index = SearchIndex(tmp_path)
    assert keys(index, "hennep") == set()
    assert index.recreated


def test_audiences_and_facets_filter(tmp_path):
    index = SearchIndex(tmp_path)
    index.write(
        [
            document(1, audiences=("public",), themes=("bouw",)),
            document(2, audiences=("organisation-7",), themes=("bouw", "kunststoffen")),
        ]
    )
    assert keys(index, "hennep", audiences=frozenset({"public"})) == {"solution:1"}
    assert keys(index, "hennep", audiences=frozenset({"public", "organisation-7"})) == {
        "solution:1",
        "solution:2",
    }
    assert keys(index, "hennep", filters={"theme": "kunststoffen"}) == {"solution:2"}
    assert index.search(SearchQuery("hennep")).facets["theme"] == {"bouw": 2, "kunststoffen": 1}


@pytest.mark.parametrize("text", ['"', "AND", "(((", "-", "*:*", "\x00", "NOT -"])
def test_odd_queries_never_raise(tmp_path, text):
    index = SearchIndex(tmp_path)
    index.write([document(1)])
    results = index.search(SearchQuery(text))
    assert results.empty_query or results.total >= 0


def test_warm_loads_common_words_and_changes_no_result(tmp_path):
    index = SearchIndex(tmp_path)
    index.write([document(n, "Hennepisolatie voor woningen") for n in range(20)] + [document(99, "Kozijnen")])
    before = keys(index, "hennepisolatie")
    assert index.warm(fraction=0.5) >= 1  # the words of twenty titles, not the one-off "kozijnen"
    assert keys(index, "hennepisolatie") == before
    assert len(before) == 20
