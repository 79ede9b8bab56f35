"""The Whoosh search index on plain documents, without an app."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, datetime, timedelta

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


def test_a_table_of_contents_gone_when_opened_does_not_wipe_the_index(tmp_path):
    """Another process's commit deletes the older table of contents between this process listing
    the folder and opening it: a dangling link stands for the listed, deleted file."""
    SearchIndex(tmp_path).write([document(1)])
    gone = tmp_path / "_MAIN_99.toc"
    gone.symlink_to(tmp_path / "deleted.toc")
    threading.Timer(0.1, gone.unlink).start()
    index = SearchIndex(tmp_path)
    assert keys(index, "hennep") == {"solution:1"}
    assert not index.recreated


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


JANUARY = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_rebuild_by_several_processes_replaces_every_document(tmp_path):
    index = SearchIndex(tmp_path)
    index.write([document(n, "Kozijnen van hout") for n in range(5)])
    with index.rebuilding() as batch:  # 500 documents: work for each writing process
        batch.write(document(n, f"Hennepisolatie {n}", date=JANUARY + timedelta(days=n)) for n in range(500))
    assert keys(index, "kozijnen") == set()
    assert keys(index, "hennepisolatie") == {f"solution:{n}" for n in range(500)}
    newest = index.search(SearchQuery("hennepisolatie", sort="date", per_page=2)).hits
    assert [hit.key for hit in newest] == ["solution:499", "solution:498"]


def test_a_failed_rebuild_keeps_the_index_and_leaves_no_process_behind(tmp_path):
    index = SearchIndex(tmp_path)
    index.write([document(1, "Kozijnen van hout")])

    def rebuild_failing_halfway() -> None:
        with index.rebuilding() as batch:
            batch.write([document(n) for n in range(500)])
            raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        rebuild_failing_halfway()
    assert keys(index, "kozijnen") == {"solution:1"}
    assert multiprocessing.active_children() == []
