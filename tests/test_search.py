"""Search as a visitor sees it: results, highlights, facets, suggestions, visibility, freshness.

Runs on the backend of ``SEARCH_BACKEND`` (CI runs it with ``whoosh`` and ``postgres``).
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from circular_platform import regions
from circular_platform.db import db
from circular_platform.models import (
    Organisation,
    Question,
    QuestionStatus,
    SearchPending,
    Solution,
    SolutionStatus,
    Visibility,
)
from circular_platform.search import services
from circular_platform.search.backends import WhooshBackend
from circular_platform.search.postgres import PostgresBackend, reader
from matching import analysis
from matching.search import SearchQuery
from matching.search.whoosh_index import SearchIndex

whoosh_only = pytest.mark.skipif(
    os.environ.get("SEARCH_BACKEND", "whoosh") != "whoosh", reason="about the Whoosh index files"
)


@pytest.fixture
def add_question(session: Session, corporation: Organisation) -> Callable[..., Question]:
    """A question stored as given, without the services: search must find exactly these rows."""

    def make(title: str, description: str = "", **fields) -> Question:
        question = Question(
            organisation=fields.pop("organisation", corporation),
            title=title,
            description=description or title,
            theme=fields.pop("theme", "bouw"),
            municipality=regions.municipality_by_name(session, fields.pop("municipality", "Emmen")),
            status=fields.pop("status", QuestionStatus.OPEN),
            **fields,
        )
        session.add(question)
        session.commit()
        return question

    return make


@pytest.fixture
def add_solution(session: Session, company: Organisation) -> Callable[..., Solution]:
    """A solution stored as given, without the services."""

    def make(title: str, description: str = "", themes=("bouw",), **fields) -> Solution:
        solution = Solution(
            organisation=fields.pop("organisation", company),
            title=title,
            description=description or title,
            **fields,
        )
        solution.themes = list(themes)
        session.add(solution)
        session.commit()
        return solution

    return make


@pytest.fixture
def index(app: Flask) -> Callable[[], int]:
    """Apply the queued index updates now, as the indexer thread would after a commit."""
    return app.extensions["search_indexer"].drain_now


def titles(client: FlaskClient, query: str, **args) -> list[str]:
    response = client.get("/search/", query_string={"q": query, **args})
    assert response.status_code == 200
    found = re.findall(r'<h3 class="h5 card-title">(.*?)</h3>', response.text, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", t)).strip() for t in found]


def cards(client: FlaskClient, query: str, **args) -> list[tuple[str, list[str]]]:
    """(title, missing words struck through) per result card, in order."""
    response = client.get("/search/", query_string={"q": query, **args})
    assert response.status_code == 200
    found = []
    for card in re.findall(r"<article.*?</article>", response.text, re.S):
        title = re.search(r'<h3 class="h5 card-title">(.*?)</h3>', card, re.S).group(1)
        missing = [html.unescape(w) for w in re.findall(r"<s>(.*?)</s>", card)]
        found.append((html.unescape(re.sub(r"<[^>]+>", "", title)).strip(), missing))
    return found


def complete(client: FlaskClient, query: str, **args) -> list[str]:
    """Titles of the results with every query word; they come before the others."""
    found = cards(client, query, **args)
    with_all = [title for title, missing in found if not missing]
    assert [title for title, _ in found[: len(with_all)]] == with_all
    return with_all


@pytest.fixture
def catalogue(session, add_question, add_solution, index) -> None:
    add_solution(
        "Hennepisolatie voor woningen",
        "Wij leveren isolatiemateriaal van hennep, gemaakt in Assen.",
        provinces=[regions.province_by_name(session, "Drenthe")],
    )
    add_solution("Hemp insulation panels", "We produce insulation panels from hemp fibres for houses.")
    add_solution(
        "Circulaire kozijnen", "Houten kozijnen uit hergebruikt hout.", themes=("bouw", "maakindustrie")
    )
    add_question("Isolatie van 200 huurwoningen", "Wij zoeken circulaire isolatie voor onze woningen.")
    add_question("Verwerking van gft-afval", "Wie verwerkt ons gft tot compost?", theme="biomassa_voedsel")
    index()


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hennep isolatie Assen", {"Hennepisolatie voor woningen"}),
        # part of a compound, and in English through the glossary
        (
            "isolatie",
            {"Hennepisolatie voor woningen", "Isolatie van 200 huurwoningen", "Hemp insulation panels"},
        ),
        ("hennepisolatie", {"Hennepisolatie voor woningen"}),
        # stem of woningen, and "houses" through the glossary
        (
            "woning",
            {"Hennepisolatie voor woningen", "Isolatie van 200 huurwoningen", "Hemp insulation panels"},
        ),
        ("insulating hemp", {"Hemp insulation panels", "Hennepisolatie voor woningen"}),  # via the glossary
        ("kozijn", {"Circulaire kozijnen"}),
        ("Hondsrug", {"Isolatie van 200 huurwoningen", "Verwerking van gft-afval", "Woonstichting Hondsrug"}),
        ('"gft afval"', {"Verwerking van gft-afval"}),
        ("isolatie -hennep", {"Isolatie van 200 huurwoningen", "Hemp insulation panels"}),
    ],
)
def test_stemmed_and_compound_queries_find_their_documents(client, query, expected):
    assert set(complete(client, query)) == expected


def test_a_known_compound_is_not_split_into_its_parts(client, add_solution, index):
    add_solution("Hennepisolatie voor daken")
    add_solution("Isolatie met hennep", "Losse hennep als isolatie in de spouw.")
    index()
    assert titles(client, "hennepisolatie") == ["Hennepisolatie voor daken"]


@pytest.mark.usefixtures("catalogue")
def test_matching_words_are_highlighted_and_user_text_escaped(client, add_solution, index):
    add_solution("Isolatie <script>alert(1)</script>", "Isolatie & meer")
    index()
    page = client.get("/search/", query_string={"q": "hennep isolatie"}).text
    assert "<mark>Hennepisolatie</mark>" in page
    assert "<mark>hennep</mark>" in page
    page = client.get("/search/", query_string={"q": "isolatie"}).text
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.usefixtures("catalogue")
def test_facets_count_and_narrow_the_results(client):
    page = client.get("/search/", query_string={"q": "isolatie"}).text
    assert re.search(r"Oplossing</a>\s*<span[^>]*>\(2\)", page)  # one of them in English
    assert re.search(r"Vraag</a>\s*<span[^>]*>\(1\)", page)
    assert re.search(r"Bouw</a>\s*<span[^>]*>\(3\)", page)
    assert titles(client, "isolatie", kind="question") == ["Isolatie van 200 huurwoningen"]
    assert titles(client, "hout", theme="maakindustrie") == ["Circulaire kozijnen"]
    assert set(titles(client, "isolatie", status="actief")) == {
        "Hennepisolatie voor woningen",
        "Hemp insulation panels",
    }
    assert "3 resultaten" in page


@pytest.mark.usefixtures("catalogue")
def test_misspelled_word_gets_a_suggestion(client):
    page = client.get("/search/", query_string={"q": "hennep isolatei"}).text
    assert "Bedoelde u:" in page
    assert "hennep isolatie</a>?" in page


@pytest.mark.parametrize(
    "query", ['"hennep', "hennep AND OR", "((isolatie", "*", '"', "- -", "isolatie:*", "a" * 600]
)
@pytest.mark.usefixtures("catalogue")
def test_bad_query_syntax_gives_results_or_a_message(client, query):
    response = client.get("/search/", query_string={"q": query})
    assert response.status_code == 200
    assert "resultat" in response.text or "geen woorden" in response.text


def test_members_only_and_concept_items_stay_hidden(
    client, auth, add_question, add_solution, make_user, corporation, index
):
    add_question("Asbestdak vervangen", visibility=Visibility.MEMBERS)
    add_question("Asbestdak concept", status=QuestionStatus.DRAFT)
    add_solution("Asbestdak saneren archief", status=SolutionStatus.ARCHIVED)
    index()
    assert titles(client, "asbestdak") == []
    make_user("piet@example.org")
    auth.login("piet@example.org")
    assert titles(client, "asbestdak") == ["Asbestdak vervangen"]
    auth.logout()
    make_user("marieke@example.org", organisation=corporation)
    auth.login("marieke@example.org")
    assert set(titles(client, "asbestdak")) == {"Asbestdak vervangen", "Asbestdak concept"}


def test_a_suggestion_comes_only_from_words_the_reader_may_see(
    client, auth, add_question, add_solution, make_user, index
):
    add_question("Asbestdak vervangen", visibility=Visibility.MEMBERS)
    add_solution("Chroomvrij coaten", status=SolutionStatus.ARCHIVED)
    add_solution("Kozijnen van hergebruikt hout")
    index()
    for query in ("asbesdak", "chroomvrei"):
        page = client.get("/search/", query_string={"q": query}).text
        assert "Bedoelde u:" not in page
        assert "asbestdak" not in page.lower()
        assert "chroomvrij" not in page.lower()
    assert "kozijnen</a>?" in client.get("/search/", query_string={"q": "kozijnan"}).text
    make_user("piet@example.org")
    auth.login("piet@example.org")
    assert "asbestdak</a>?" in client.get("/search/", query_string={"q": "asbesdak"}).text


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(
    "query",
    [
        "".join(chr(97 + (i * i * 7 + i * 3) % 26) for i in range(500)),  # 500 letters, no repeats
        " ".join(f"isolatiehennep{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(30)),
    ],
)
def test_long_words_and_long_queries_are_searched_with_bounded_work(client, monkeypatch, query):
    stemmed = []
    stem = analysis.stem
    monkeypatch.setattr(analysis, "stem", lambda word, lang: stemmed.append(word) or stem(word, lang))
    response = client.get("/search/", query_string={"q": query})
    assert response.status_code == 200
    assert len(stemmed) < 5000  # a 500-letter word had every one of its 125,000 substrings stemmed


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_search_is_rate_limited_per_client(client):
    statuses = [client.get("/search/", query_string={"q": f"hout {i}"}).status_code for i in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


def test_edits_status_changes_and_deletes_reach_the_index(client, session, add_question, index):
    question = add_question("Zonnepanelen hergebruiken", "Een tweede leven voor oude installaties.")
    index()
    question.title = "Windturbinebladen hergebruiken"
    session.commit()
    index()
    assert titles(client, "zonnepanelen") == []
    assert titles(client, "windturbinebladen") == ["Windturbinebladen hergebruiken"]
    question.status = QuestionStatus.WITHDRAWN
    session.commit()
    index()
    assert titles(client, "windturbinebladen") == []
    question.status = QuestionStatus.OPEN
    session.commit()
    index()
    session.delete(question)
    session.commit()
    index()
    assert titles(client, "windturbinebladen") == []
    assert session.scalar(select(func.count()).select_from(SearchPending)) == 0


def test_a_rolled_back_change_queues_nothing(session, add_question):
    existing = add_question("Betonpuin")
    before = session.scalar(select(func.count()).select_from(SearchPending))
    session.add(
        Question(
            title="nooit",
            description="x",
            theme="bouw",
            organisation_id=existing.organisation_id,
            municipality_id=existing.municipality_id,
        )
    )
    session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(SearchPending)) == before


@pytest.mark.usefixtures("catalogue")
def test_rebuild_from_scratch_gives_the_same_results(app, client, session):
    queries = ["isolatie", "hennep", "kozijn", "hout", "gft"]
    before = {q: titles(client, q) for q in queries}
    with app.app_context():
        assert services.rebuild(session) == 7  # 5 items, 2 organisations
    # As sets: equal ranks may come in another order once the rows have new ids.
    assert {q: set(titles(client, q)) for q in queries} == {q: set(t) for q, t in before.items()}


@pytest.mark.usefixtures("catalogue")
def test_results_sort_by_date_and_paginate(client, add_question, index):
    # A minute apart, all after the catalogue: the index keeps dates to the second.
    later = datetime.now(UTC) + timedelta(minutes=1)
    for n in range(25):
        add_question(f"Compost partij {n}", created_at=later + timedelta(minutes=n))
    index()
    page = client.get("/search/", query_string={"q": "compost", "sort": "date"}).text
    assert "26 resultaten" in page
    assert "Pagina 1 van 2" in page
    assert titles(client, "compost", sort="date")[0] == "Compost partij 24"
    assert len(titles(client, "compost", page=2)) == 6


@pytest.fixture
def concrete(add_question, add_solution, index) -> None:
    add_solution("Circulair beton uit sloopafval", "Betonpuin wordt weer beton.")
    add_question("Betonnen vloerplaten gezocht", "Wij zoeken gebruikte vloerplaten.")
    add_solution("Beton storten", "Wij storten beton voor funderingen.")
    add_question("Circulaire kantoorinrichting", "Meubels uit hergebruikt hout.")
    add_solution("Hennep isolatie", "Isolatie van hennepvezel.")
    index()


@pytest.mark.usefixtures("concrete")
def test_results_with_every_word_come_first_then_those_with_some(client):
    found = cards(client, "circulair beton")
    assert found[0] == ("Circulair beton uit sloopafval", [])
    assert {title for title, _ in found[1:]} == {
        "Betonnen vloerplaten gezocht",
        "Beton storten",
        "Circulaire kantoorinrichting",
    }
    assert {title for title, missing in found if missing == ["circulair"]} == {
        "Betonnen vloerplaten gezocht",
        "Beton storten",
    }


def test_every_word_then_most_words_first_however_many_items_match(
    app, client, add_solution, index, monkeypatch
):
    """PostgreSQL counts the first matches it reads (here 3) and ranks beyond them too: an
    item with every word, or with most, is never left out for one with fewer."""
    backend = app.extensions["search_backend"]
    if isinstance(backend, PostgresBackend):
        monkeypatch.setattr(backend, "counted_matches", 3)
        monkeypatch.setattr(reader, "NEWEST_WINDOW", 1)
    written = [
        *(f"Beton storten {n}" for n in range(4)),
        "Circulair beton voor de gevel",
        "Gevel van beton",
        *(f"Beton storten {n}" for n in range(4, 6)),
    ]
    for title in written:  # one at a time: PostgreSQL reads its rows in the order they were written
        add_solution(title)
        index()
    found = cards(client, "circulair beton gevel")
    assert found[:2] == [("Circulair beton voor de gevel", []), ("Gevel van beton", ["circulair"])]
    assert all(missing == ["circulair", "gevel"] for _, missing in found[2:])


@pytest.mark.usefixtures("concrete")
def test_a_compound_is_found_for_the_fifth_query_word_too(client):
    """Each query word looks up the compounds it is part of, however many words come before it."""
    found = dict(cards(client, "beton gevel kozijn compost vezel"))
    assert "vezel" not in found["Hennep isolatie"]  # its hennepvezel


@pytest.mark.usefixtures("concrete")
def test_a_card_shows_the_words_it_lacks_struck_through(client):
    page = client.get("/search/", query_string={"q": "circulair beton"}).text
    assert "Ontbreekt:" in page
    assert "<s>beton</s>" in page  # Circulaire kantoorinrichting
    assert page.count("<s>circulair</s>") == 2


@pytest.mark.usefixtures("concrete")
@pytest.mark.parametrize(
    ("query", "first"),
    [("circular concrete", "Circulair beton uit sloopafval"), ("hemp insulation", "Hennep isolatie")],
)
def test_english_words_find_dutch_items_through_the_glossary(client, query, first):
    found = cards(client, query)
    assert found[0] == (first, [])


@pytest.mark.usefixtures("concrete")
def test_an_excluded_word_still_excludes_and_a_phrase_counts_as_one_word(client):
    assert "Circulaire kantoorinrichting" not in titles(client, "circulair beton -hout")
    found = cards(client, 'beton "hergebruikt hout"')
    assert ("Circulaire kantoorinrichting", ["beton"]) in found
    assert ("Beton storten", ['"hergebruikt hout"']) in found


@pytest.mark.usefixtures("concrete")
def test_a_suggestion_still_appears_when_one_word_is_found_nowhere(client):
    page = client.get("/search/", query_string={"q": "circulair betn"}).text
    assert "Bedoelde u:" in page
    assert "circulair beton</a>?" in page
    assert "Bedoelde u:" not in client.get("/search/", query_string={"q": "circulair beton"}).text


def test_search_box_is_on_every_page(client):
    page = client.get("/").text
    assert 'action="/search/"' in page
    assert '<label for="site-search"' in page


@whoosh_only
@pytest.mark.usefixtures("catalogue")
def test_a_corrupt_index_is_rebuilt_instead_of_an_error_page(app, client):
    directory = app.config["SEARCH_INDEX_DIR"]
    for path in os.scandir(directory):
        with open(path.path, "wb") as file:
            file.write(b"not an index")
    app.extensions["search_backend"] = WhooshBackend(directory)  # as a freshly started process
    app.extensions["search_indexer"].backend = app.extensions["search_backend"]
    assert set(titles(client, "isolatie")) == {
        "Hennepisolatie voor woningen",
        "Isolatie van 200 huurwoningen",
        "Hemp insulation panels",
    }


@whoosh_only
@pytest.mark.app_config(SEARCH_LOCK_TIMEOUT=0.1)
def test_a_locked_index_fails_no_change_and_loses_none(app, client, corporation, index):
    other_process = SearchIndex(app.config["SEARCH_INDEX_DIR"])
    with other_process.writing(), app.app_context():
        organisation = db.session.get(Organisation, corporation.id)
        organisation.description = "Wij renoveren met strobouw."
        db.session.commit()  # the inline indexer finds the index locked: logged, queued
    assert titles(client, "strobouw") == []
    index()
    assert titles(client, "strobouw") == ["Woonstichting Hondsrug"]


def test_a_place_name_narrows_to_its_province(client, session, add_solution, index):
    add_solution(
        "Hennepvezel isolatiemateriaal voor daken", provinces=[regions.province_by_name(session, "Drenthe")]
    )
    add_solution(
        "Hennep isolatie voor Friese woningen", provinces=[regions.province_by_name(session, "Friesland")]
    )
    index()
    assert complete(client, "hennep isolatie Assen") == ["Hennepvezel isolatiemateriaal voor daken"]
    assert "in de provincie Drenthe" in client.get("/search/?q=hennep+isolatie+Assen").text
    # As a plain word, Assen matches where it is written: here the company's own address.
    assert len(complete(client, "hennep isolatie Assen", place="no")) == 2


def test_snippets_show_text_not_markdown(client, add_solution, index):
    add_solution("Hennepvezel isolatie", "**Biobased** isolatie van hennepvezel & meer:\n- daken\n- gevels")
    index()
    page = client.get("/search/?q=hennepvezel").text
    assert "**Biobased**" not in page
    assert "&amp;amp;" not in page
    assert "- daken" not in page


postgres_only = pytest.mark.skipif(
    os.environ.get("SEARCH_BACKEND") != "postgres", reason="about the PostgreSQL backend"
)


@postgres_only
@pytest.mark.usefixtures("catalogue")
def test_postgres_counts_exactly_up_to_the_cap_and_says_more_beyond(app, session, monkeypatch):
    backend = app.extensions["search_backend"]
    monkeypatch.setattr(backend, "counted_matches", 2)
    exact = backend.search(session, SearchQuery("gft kozijn"))
    assert exact.total == 2
    assert exact.facets["kind"] == {"question": 1, "solution": 1}
    beyond = backend.search(session, SearchQuery("Hondsrug"))  # 3 matches
    assert beyond.total == 3  # counted_matches + 1: "more than 2"
    assert beyond.counted_up_to == 2
    assert sum(beyond.facets["kind"].values()) == 3


@postgres_only
def test_postgres_beyond_the_cap_still_shows_the_newest_matches(
    app, session, add_question, index, monkeypatch
):
    for n in range(6):
        add_question(f"Compost partij {n}")
    index()
    backend = app.extensions["search_backend"]
    monkeypatch.setattr(backend, "counted_matches", 2)
    by_date = backend.search(session, SearchQuery("compost", sort="date", per_page=3))
    assert [hit.title for hit in by_date.hits] == ["Compost partij 5", "Compost partij 4", "Compost partij 3"]
    by_relevance = backend.search(session, SearchQuery("compost"))
    assert "Compost partij 5" in {hit.title for hit in by_relevance.hits}


@postgres_only
@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(
    "query", ["isolatie", "hennep isolatie", "woning", '"gft afval"', "isolatie -hennep"]
)
def test_postgres_finds_the_same_through_the_table_or_the_index(app, session, monkeypatch, query):
    """The backend reads the table for common words and the GIN index for rarer ones: the
    results must not depend on which."""
    from circular_platform.search.postgres import planner

    backend = app.extensions["search_backend"]
    found = []
    for settings in (planner.SEQUENTIAL, planner.THROUGH_GIN):
        monkeypatch.setattr(planner, "scan_settings", lambda *args, settings=settings: settings)
        results = backend.search(session, SearchQuery(query))
        found.append(([hit.title for hit in results.hits], results.total, results.facets))
    assert found[0] == found[1]
    assert found[0][1] > 0


@postgres_only
def test_postgres_gives_the_same_results_whichever_tier_it_reads_first(
    app, session, add_solution, index, monkeypatch
):
    """A tier within the counted matches holds the narrower ones, so the backend reads the widest
    that probably is first; when the guess is wrong it reads them all from every word down."""
    from circular_platform.search.postgres import planner

    # One at a time: PostgreSQL reads its rows in the order they were written, so the items with
    # every word come after the counted matches of the whole query.
    for title in [
        *(f"Beton storten {n}" for n in range(4)),
        "Circulair beton voor de gevel",
        "Gevel van beton",
    ]:
        add_solution(title, "Circulaire gevel van beton." if title.startswith("Gevel") else title)
        index()
    backend = app.extensions["search_backend"]
    monkeypatch.setattr(backend, "counted_matches", 3)
    monkeypatch.setattr(reader, "NEWEST_WINDOW", 1)
    found = []
    # 0: from every word down; 1: the items with two of the words (within the count) first;
    # 2: the whole query first, beyond the count: then from every word down after all.
    for first in range(3):
        monkeypatch.setattr(planner, "widest_within", lambda *args, first=first: first)
        results = backend.search(session, SearchQuery("circulair beton gevel", per_page=2))
        found.append(([(hit.title, hit.missing) for hit in results.hits], results.total, results.facets))
    assert found[0][:2] == ([("Circulair beton voor de gevel", ()), ("Gevel van beton", ())], 4)
    assert found[1] == found[0]
    assert found[2] == found[0]


def test_postgres_reads_the_table_only_for_words_in_many_documents():
    from circular_platform.search.postgres.planner import SEQUENTIAL, THROUGH_GIN, Statistics, scan_settings
    from circular_platform.search.postgres.tsquery import Tier

    statistics = Statistics({("vector", "isolatie"): 0.9, ("vector", "hennep"): 0.02}, documents=100_000)
    common = Tier("'isolatie'", share=0.9, postings=0.9)
    rare = Tier("'hennep'", share=0.02, postings=0.02)
    unknown = Tier("'zeldzaam'", share=0.0, postings=0.0)
    assert scan_settings(statistics, common, SearchQuery("isolatie")) == SEQUENTIAL
    assert scan_settings(statistics, rare, SearchQuery("hennep")) == THROUGH_GIN
    assert scan_settings(statistics, unknown, SearchQuery("zeldzaam")) == THROUGH_GIN
    # A filter on a value no statistics count makes the matches rare: through the index.
    assert scan_settings(statistics, common, SearchQuery("isolatie", {"theme": "bouw"})) == THROUGH_GIN


def test_the_postgres_backend_loads_no_whoosh_index_code():
    """Only Whoosh's stemmers and stop words (through :mod:`matching.analysis`) may load; the
    Whoosh backend imports its index when it is created."""
    code = (
        "import sys, circular_platform.search, circular_platform.search.postgres, "
        "circular_platform.search.views; "
        "print([m for m in sys.modules if m.startswith('whoosh.') and not m.startswith('whoosh.lang')])"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
