"""Pages cost the same number of SQL statements however many items they list or summarise, and
what they show of an item is what was stored when it was saved."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event, select

from circular_platform import create_app
from circular_platform.db import db
from circular_platform.main import services as main_services
from circular_platform.models import Match, MatchStatus, Organisation, OrganisationKind, Question, Solution
from circular_platform.regions import municipality_by_name, province_by_name
from circular_platform.solutions import services as solution_services
from tests.conftest import app_settings

PLACES = ("Emmen", "Groningen", "Leeuwarden")
AREAS = (["Drenthe"], ["Groningen", "Emmen"], ["Nederland"])


@contextmanager
def counting_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def marketplace(session, corporation, company, make_organisation, make_user, make_question, make_solution):
    """Grows the marketplace by ``n`` questions and solutions of two organisations on each side, in
    three places, each question with a proposal and every third introduced."""
    housing = [corporation, make_organisation("Woonstichting Groningen", municipality="Groningen")]
    companies = [company, make_organisation("Kozijnhandel Noord", kind="bedrijf", municipality="Leeuwarden")]
    made = 0

    def grow(n: int) -> None:
        nonlocal made
        for i in range(made, made + n):
            question = make_question(
                housing[i % 2], f"Hergebruikte kozijnen nummer {i} voor woningen", municipality=PLACES[i % 3]
            )
            solution = make_solution(
                companies[i % 2], f"Kozijnen uit sloop nummer {i}", area=AREAS[i % 3], themes=["bouw"]
            )
            match = session.scalar(
                select(Match).where(Match.question_id == question.id, Match.solution_id == solution.id)
            ) or Match(question=question, solution=solution, score=0.4, terms=["kozijnen"])
            if i % 3 == 1:
                match.status = MatchStatus.INTRODUCED
            session.add(match)
        session.commit()
        made += n

    return grow


PAGES = {
    "question list": (None, lambda ids: "/questions/"),
    "solution list": (None, lambda ids: "/solutions/"),
    "question detail": (None, lambda ids: f"/questions/{ids['question']}"),
    "solution detail": (None, lambda ids: f"/solutions/{ids['solution']}"),
    "organisation profile": (None, lambda ids: f"/organisations/{ids['organisation']}"),
    "my organisation": ("marieke@hondsrug.example", lambda ids: "/mine"),
    "member dashboard": ("info@hennepbouw.example", lambda ids: "/dashboard"),
    "review queue": ("sanne@nice.example", lambda ids: "/coordination/"),
    "region dashboard": ("sanne@nice.example", lambda ids: "/coordination/region"),
}


@pytest.mark.parametrize("page", PAGES)
def test_a_page_costs_the_same_statements_for_5_items_as_for_50(
    page, client, auth, engine, session, corporation, coordinator, marketplace
):
    email, path_of = PAGES[page]
    if email:
        auth.login(email)
    ids = {"organisation": corporation.id}

    def statements_for_the_page() -> int:
        ids["question"] = session.scalar(select(Question.id).order_by(Question.id))
        ids["solution"] = session.scalar(select(Solution.id).order_by(Solution.id))
        client.get(path_of(ids))  # what a running worker keeps (the region choices) is read once
        with counting_statements(engine) as statements:
            response = client.get(path_of(ids))
        assert response.status_code == 200
        return len(statements)

    marketplace(5)
    few = statements_for_the_page()
    marketplace(45)
    assert statements_for_the_page() == few


@pytest.mark.parametrize(
    ("email", "path"),
    [
        (None, "/solutions/"),
        (None, "/solutions/{solution}"),
        (None, "/organisations/{organisation}"),
        ("info@hennepbouw.example", "/mine"),
    ],
)
def test_a_solution_shows_its_themes_and_area_in_order_on_its_card_and_page(
    email, path, client, auth, company, make_solution
):
    solution = make_solution(
        company, area=["Groningen", "Emmen", "Drenthe", "Assen"], themes=["maakindustrie", "bouw"]
    )
    if email:
        auth.login(email)
    page = client.get(path.format(solution=solution.id, organisation=company.id)).text
    assert "Drenthe, Groningen, Assen, Emmen, Groningen" in page  # provinces, then municipalities
    assert "Bouw, Maakindustrie" in page


def test_the_solution_list_reads_its_cards_with_the_page(client, engine, company, make_solution):
    for n in range(3):
        make_solution(company, f"Kozijnen {n}", area=["Groningen", "Emmen"], themes=["bouw", "kunststoffen"])
    client.get("/solutions/")  # reads the region choices, which the app keeps
    with counting_statements(engine) as statements:
        assert client.get("/solutions/").status_code == 200
    reads = [statement for statement in statements if statement.startswith("SELECT")]
    assert len(reads) == 3  # the count, the page's ids and its cards


@pytest.mark.parametrize("path", ["/questions/", "/solutions/", "/organisations/{organisation}"])
def test_a_page_of_cards_leaves_the_long_texts_in_the_database(
    path, client, engine, corporation, company, make_question, make_solution
):
    """Cards show the stored summary: the descriptions (Markdown and plain; the card's organisation's
    too), the circular criteria, capacity and certifications stay unread, however long they are."""
    make_question(corporation, "Hergebruikte kozijnen voor 180 woningen")
    make_solution(company, "Kozijnen uit sloop")
    client.get(path.format(organisation=company.id))  # reads the region choices, which the app keeps
    with counting_statements(engine) as statements:
        page = client.get(path.format(organisation=company.id))
    assert page.status_code == 200
    assert "Kozijnen uit sloop" in page.text or "Hergebruikte kozijnen" in page.text
    long_texts = re.compile(
        r"\b(question|solution|organisation_1)\.(description|description_html|description_text|circular_criteria|capacity|certifications)\b"
    )
    assert [statement for statement in statements if long_texts.search(statement)] == []


def test_the_organisation_profile_pages_its_solutions(client, company, make_solution):
    for n in range(12):
        make_solution(company, f"Hennepisolatie partij {n}")
    first = client.get(f"/organisations/{company.id}").text
    second = client.get(f"/organisations/{company.id}?solutions_page=2").text
    assert "Aanbod (12)" in first
    assert first.count("Hennepisolatie partij") == 10
    assert second.count("Hennepisolatie partij") == 2
    assert "solutions_page=2" in first


def test_the_summary_is_stored_on_save_and_follows_an_edit(client, session, company, make_solution):
    solution = make_solution(company, description="**Hennep** isolatie uit [Drenthe](https://example.org)")
    assert solution.summary == "Hennep isolatie uit Drenthe"
    data = _solution_data(solution, description="Nu *ook* isolatie van vlas uit Groningen")
    solution_services.update_solution(session, solution, None, data)
    session.commit()
    assert solution.summary == "Nu ook isolatie van vlas uit Groningen"
    assert "Nu ook isolatie van vlas uit Groningen" in client.get("/solutions/").text


def test_the_page_shows_the_html_stored_on_save_sanitised_and_an_edit_replaces_it(
    client, session, company, make_solution
):
    solution = make_solution(company, description="**Hennep** isolatie <script>alert(1)</script>")
    assert solution.description_html == "<p><strong>Hennep</strong> isolatie </p>"
    data = _solution_data(solution, description="Nu ook *vlas* uit [Groningen](javascript:alert(1))")
    solution_services.update_solution(session, solution, None, data)
    session.commit()
    page = client.get(f"/solutions/{solution.id}").text
    assert 'Nu ook <em>vlas</em> uit <a rel="nofollow noopener noreferrer">Groningen</a>' in page
    assert "<strong>Hennep" not in page
    assert "javascript" not in page


def test_the_whole_text_is_stored_on_save_and_an_edit_is_what_search_finds(
    app, client, session, company, make_solution
):
    solution = make_solution(
        company, "Isolatiedekens", description="Isolatie uit de werkplaats van **Zwartkop**"
    )
    assert "Isolatiedekens" in client.get("/search/", query_string={"q": "Zwartkop"}).text
    description = "Wij leveren " + "isolatiedekens " * 30 + "van [schapenwol](https://example.org)."
    with app.app_context():  # as in a request: the commit wakes the search indexer
        data = _solution_data(solution, description=description)
        solution_services.update_solution(session, solution, None, data)
        session.commit()
    assert solution.description_text.endswith("isolatiedekens van schapenwol.")
    assert "schapenwol" not in solution.summary  # past the card's length
    assert "Isolatiedekens" in client.get("/search/", query_string={"q": "schapenwol"}).text
    assert "Isolatiedekens" not in client.get("/search/", query_string={"q": "Zwartkop"}).text


def test_a_long_description_is_summarised_at_a_word(make_question, corporation):
    question = make_question(corporation, description="Kozijnen " * 100)
    assert question.summary.endswith("Kozijnen …")
    assert len(question.summary) <= 260


def test_the_home_page_counts_solutions_and_organisations_per_province(
    client, session, company, make_solution, make_organisation
):
    make_solution(company, "Isolatie in Drenthe", area=["Drenthe"])
    make_solution(company, "Isolatie overal", area=["Nederland"])
    make_solution(company, "Isolatie in Groningen", area=["Groningen"])
    make_organisation("Gemeente Assen", kind="gemeente", municipality="Assen")
    drenthe = province_by_name(session, "Drenthe").id
    page = client.get("/").text
    solutions = re.search(rf'href="[^"]*province={drenthe}[^"]*status=actief[^"]*">(\d+)</a>', page)
    organisations = re.search(r'Drenthe</h3>.*?<span class="stat">(\d+)</span> organisaties', page, re.S)
    assert solutions[1] == "2"  # the Drenthe one and the nationwide one
    assert organisations[1] == "2"  # the company and the municipality, both in Assen


def _solution_data(solution: Solution, **changes) -> dict:
    return {
        "title": solution.title,
        "description": solution.description,
        "themes": solution.themes,
        "nationwide": solution.nationwide,
        "provinces": solution.provinces,
        "municipalities": solution.municipalities,
        **changes,
    }


@pytest.mark.parametrize(
    ("email", "path"),
    [
        ("marieke@hondsrug.example", "/questions/new"),
        ("info@hennepbouw.example", "/solutions/new"),
    ],
)
def test_a_form_that_offers_the_members_as_contacts_reads_them_at_once(
    email, path, client, auth, engine, corporation, company, make_user
):
    """An organisation's members are read in one statement, not one each: a corporation with
    twelve users pays for its form what one with two does."""
    auth.login(email)

    def statements_for_the_form() -> int:
        client.get(path)
        with counting_statements(engine) as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    for organisation, domain in ((corporation, "hondsrug"), (company, "hennepbouw")):
        make_user(f"collega1@{domain}.example", organisation)
    two = statements_for_the_form()
    for organisation, domain in ((corporation, "hondsrug"), (company, "hennepbouw")):
        for n in range(2, 12):
            make_user(f"collega{n}@{domain}.example", organisation)
    assert statements_for_the_form() == two


def test_a_visitor_is_shown_the_home_figures_at_once_while_they_are_counted_again(
    own_database, tmp_path, monkeypatch
):
    """Figures older than COUNTS_SECONDS are shown as they are, and a thread counts again for the
    visitors after (at 100,000 solutions one visitor a minute waited 0.35 s for the count)."""
    monkeypatch.setattr(main_services, "COUNTS_SECONDS", 0)
    app = create_app(app_settings(own_database, tmp_path))
    client = app.test_client()

    def publish_in_drenthe(title: str) -> None:
        with app.app_context(), db.sessionmaker() as session:
            company = session.scalar(select(Organisation)) or Organisation(
                name="Hennepbouw Drenthe",
                kind=OrganisationKind("bedrijf"),
                may_publish_solutions=True,
                municipality=municipality_by_name(session, "Assen"),
            )
            data = {"title": title, "description": f"{title}, geleverd in heel Drenthe.", "themes": ["bouw"]}
            drenthe = province_by_name(session, "Drenthe")
            solution_services.publish_solution(session, None, company, {**data, "provinces": [drenthe]})
            session.commit()

    def solutions_in_drenthe() -> str:
        with app.app_context(), db.sessionmaker() as session:
            drenthe = province_by_name(session, "Drenthe").id
        page = client.get("/").text
        return re.search(rf'href="[^"]*province={drenthe}[^"]*status=actief[^"]*">(\d+)</a>', page)[1]

    def count_done() -> None:
        for thread in threading.enumerate():
            if thread.name == "home-counts":
                thread.join(timeout=30)

    publish_in_drenthe("Hennepvezel isolatie")
    assert solutions_in_drenthe() == "1"  # the first visitor waits for the count
    publish_in_drenthe("Vlasvezel isolatie")
    assert solutions_in_drenthe() == "1"  # shown at once, counted again behind it
    count_done()
    assert solutions_in_drenthe() == "2"
    count_done()
