from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from circular_platform.models import Solution
from circular_platform.regions import municipality_by_name, province_by_name
from tests.test_page_costs import counting_statements


@pytest.fixture
def form_data(session, company):
    return {
        "organisation_id": company.id,
        "title": "Hennepvezel isolatiemateriaal",
        "description": "Biobased isolatie van hennep uit de Veenkoloniën voor gevels en daken.",
        "themes": ["bouw", "biomassa_voedsel"],
        "province_ids": [province_by_name(session, "Groningen").id],
        "municipality_ids": [municipality_by_name(session, "Emmen").id],
        "maturity": "marktrijp",
        "capacity": "3.000 m² per maand",
        "certifications": "KOMO",
        "price_indication": "vanaf € 28 per m²",
        "contact_id": company.active_members[0].id,
    }


def test_company_publishes_a_solution(client, auth, session, form_data):
    auth.login("info@hennepbouw.example")
    page = client.post("/solutions/new", data=form_data, follow_redirects=True).text
    assert "Uw aanbod is gepubliceerd." in page
    solution = session.scalar(select(Solution))
    assert sorted(solution.themes) == ["biomassa_voedsel", "bouw"]
    assert [p.name for p in solution.provinces] == ["Groningen"]
    assert "Groningen, Emmen" in page


def test_themes_and_service_area_are_listed_alphabetically_whatever_order_they_were_given(
    make_solution, company
):
    solution = make_solution(
        company, themes=["kunststoffen", "bouw"], area=["Westerkwartier", "Drenthe", "Emmen", "Assen"]
    )
    assert solution.themes == ["bouw", "kunststoffen"]
    assert solution.area_names == ["Drenthe", "Assen", "Emmen", "Westerkwartier"]


def test_service_area_is_required(client, auth, session, form_data):
    auth.login("info@hennepbouw.example")
    response = client.post("/solutions/new", data={**form_data, "province_ids": [], "municipality_ids": []})
    assert response.status_code == 400
    assert "Geef aan waar u levert" in response.text
    assert session.scalar(select(func.count(Solution.id))) == 0


def test_a_region_not_in_the_list_is_refused_and_the_chosen_ones_stay_selected(
    client, auth, session, form_data
):
    auth.login("info@hennepbouw.example")
    emmen = form_data["municipality_ids"][0]
    response = client.post("/solutions/new", data={**form_data, "municipality_ids": [emmen, 99999]})
    assert response.status_code == 400
    assert "Kies uit de lijst." in response.text
    assert re.search(rf'<option selected value="{emmen}">Emmen</option>', response.text)
    assert session.scalar(select(func.count(Solution.id))) == 0


def test_a_posted_solution_reads_only_the_regions_it_names(client, auth, engine, session, form_data):
    """The lists of every province and municipality are read to show the form, not to save it."""
    auth.login("info@hennepbouw.example")

    def region_lists_read(send) -> int:
        with counting_statements(engine) as statements:
            send()
        lists = ("ORDER BY province.name", "FROM municipality JOIN province")
        return sum(any(m in s for m in lists) and "WHERE" not in s for s in statements)

    assert region_lists_read(lambda: client.get("/solutions/new")) == 2
    assert region_lists_read(lambda: client.post("/solutions/new", data=form_data)) == 0
    assert session.scalar(select(func.count(Solution.id))) == 1


def test_housing_corporation_may_not_publish_solutions(client, auth, make_organisation, make_user):
    make_user("lid@corporatie.example", make_organisation("Woonstichting", kind="woningcorporatie"))
    auth.login("lid@corporatie.example")
    assert client.get("/solutions/new").status_code == 403


def test_filter_by_municipality_finds_covering_solutions(client, session, make_solution, company):
    make_solution(company, "Isolatie in Drenthe", area=["Drenthe"])
    make_solution(company, "Landelijk kozijnhergebruik", area=["Nederland"])
    make_solution(company, "Alleen in Leeuwarden", area=["Leeuwarden"])
    emmen = municipality_by_name(session, "Emmen")
    page = client.get(f"/solutions/?municipality={emmen.id}").text
    assert "Isolatie in Drenthe" in page
    assert "Landelijk kozijnhergebruik" in page
    assert "Alleen in Leeuwarden" not in page
    assert "2 oplossingen gevonden" in page


def test_archived_solution_is_hidden_from_others(client, auth, session, make_solution, company):
    solution = make_solution(company, "Oude dienst")
    auth.login("info@hennepbouw.example")
    client.post(f"/solutions/{solution.id}/status", data={"status": "gearchiveerd", "confirmed": "y"})
    session.refresh(solution)
    assert solution.status == "gearchiveerd"
    auth.logout()
    assert client.get(f"/solutions/{solution.id}").status_code == 404
    assert "Oude dienst" not in client.get("/solutions/").text


def test_other_company_cannot_edit(client, auth, make_solution, company, make_organisation, make_user):
    solution = make_solution(company)
    make_user("info@ander.example", make_organisation("Ander BV", kind="bedrijf"))
    auth.login("info@ander.example")
    assert client.get(f"/solutions/{solution.id}/edit").status_code == 403


def test_edit_keeps_service_area(client, auth, session, make_solution, company, form_data):
    solution = make_solution(company)
    auth.login("info@hennepbouw.example")
    page = client.get(f"/solutions/{solution.id}/edit").text
    assert "Hennepvezel isolatie voor woningen" in page
    client.post(f"/solutions/{solution.id}/edit", data={**form_data, "title": "Nieuwe titel isolatie"})
    session.refresh(solution)
    assert solution.title == "Nieuwe titel isolatie"


@pytest.mark.parametrize("filters", ["", "&theme=bouw", "&municipality={emmen}"])
def test_the_list_pages_through_every_solution_once_newest_first(
    filters, client, session, make_solution, company
):
    for n in range(23):
        make_solution(company, f"Partij kozijnen {n:02d}", area=["Drenthe"])
    query = filters.format(emmen=municipality_by_name(session, "Emmen").id)
    titles = [
        re.findall(r"Partij kozijnen \d\d", client.get(f"/solutions/?page={number}{query}").text)
        for number in (1, 2)
    ]
    assert titles == [
        [f"Partij kozijnen {n:02d}" for n in range(22, 2, -1)],
        [f"Partij kozijnen {n:02d}" for n in range(2, -1, -1)],
    ]


def test_the_list_costs_the_same_queries_however_many_solutions_it_shows(
    client, engine, make_solution, company
):
    def statements_for_the_list() -> int:
        executed = []

        def count(*args) -> None:
            executed.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/solutions/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(executed)

    make_solution(company, "Isolatie in Drenthe", area=["Drenthe"])
    client.get("/solutions/")  # reads the region choices, which the app keeps
    few = statements_for_the_list()
    for n in range(6):
        make_solution(
            company, f"Kozijnhergebruik {n}", area=["Groningen", "Emmen"], themes=["bouw", "maakindustrie"]
        )
    assert statements_for_the_list() == few


def test_archiving_is_a_button_that_asks_first(client, auth, session, make_solution, company):
    solution = make_solution(company, "Oude dienst")
    auth.login("info@hennepbouw.example")
    html = client.get(f"/solutions/{solution.id}").text
    assert re.findall(r'name="status" value="([^"]+)"', html) == ["gepauzeerd", "gearchiveerd"]
    assert re.search(r'data-confirm="Gearchiveerd aanbod[^"]*"', html)
    asked = client.post(f"/solutions/{solution.id}/status", data={"status": "gearchiveerd"})
    assert "Weet u het zeker?" in asked.text
    session.refresh(solution)
    assert solution.status == "actief"
