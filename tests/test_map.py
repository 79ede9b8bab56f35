from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlalchemy import delete, select

from circular_platform.map.drawing import outlines, shades
from circular_platform.models import Municipality, SolutionStatus

# A municipality on the map: <a href="..."><title>...</title><path class="level-N" data-code="GM...">
AREA = re.compile(r'<a href="([^"]*)"><title>([^<]*)</title><path class="level-(-?\d)" data-code="(GM\d{4})"')


def areas(page: str) -> dict[str, tuple[str, str, int]]:
    """CBS code -> (link, title, level) of every linked municipality on the map."""
    return {code: (html.unescape(link), title, int(level)) for link, title, level, code in AREA.findall(page)}


def table_figure(page: str, code: str) -> str:
    row = re.search(rf'<tr data-code="{code}">(.*?)</tr>', page, re.S)
    assert row, code
    return re.findall(r'<td class="text-end">([^<]*)</td>', row.group(1))[0]


def test_the_map_shows_the_forty_municipalities_each_a_link(client):
    page = client.get("/map/").text
    found = areas(page)
    assert len(found) == 40
    assert all(link.startswith("/questions/?") for link, _, _ in found.values())
    assert len(re.findall(r'<tr data-code="GM\d{4}">', page)) == 40
    assert "<script" not in page.split('<svg class="north-map"')[1].split("</svg>")[0]


def test_the_boundaries_are_the_municipalities_of_the_platform(session):
    codes = {area.cbs_code for area in outlines().municipalities}
    known = set(session.scalars(select(Municipality.cbs_code)))
    assert codes == known
    assert {area.name for area in outlines().provinces} == {"Drenthe", "Groningen", "Fryslân"}


def test_the_north_lies_the_right_way_round():
    """Fryslân west, Groningen north-east, Drenthe south-east, Vlieland in the north-west."""
    centre = {area.name: _centre(area.path) for area in outlines().municipalities}
    assert centre["Leeuwarden"][0] < centre["Groningen"][0]
    assert centre["Emmen"][1] > centre["Groningen"][1]  # SVG's y grows southwards
    assert centre["Vlieland"][0] < centre["Leeuwarden"][0]
    assert centre["Vlieland"][1] < centre["Leeuwarden"][1]


def _centre(path: str) -> tuple[float, float]:
    points = [tuple(map(float, p.split(","))) for p in re.findall(r"[\d.]+,[\d.]+", path)]
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def test_a_municipality_with_open_questions_is_darker_and_shows_its_figure(
    client, corporation, make_question
):
    for n in range(3):
        make_question(corporation, f"Hergebruikte kozijnen, partij {n + 1}", municipality="Emmen")
    page = client.get("/map/").text
    emmen, assen = areas(page)["GM0114"], areas(page)["GM0106"]
    assert emmen[1] == "Emmen – open vragen: 3"
    assert assen[1] == "Assen – open vragen: 0"
    assert emmen[2] > assen[2] == 0
    assert table_figure(page, "GM0114") == "3"
    assert table_figure(page, "GM0106") == "0"


def test_switching_the_measure_changes_the_figures(
    client, corporation, company, make_question, make_solution
):
    make_question(corporation, municipality="Emmen")
    make_solution(company, area=["Assen"])
    questions = client.get("/map/?measure=questions").text
    solutions = client.get("/map/?measure=solutions").text
    assert (table_figure(questions, "GM0114"), table_figure(questions, "GM0106")) == ("1", "0")
    assert (table_figure(solutions, "GM0114"), table_figure(solutions, "GM0106")) == ("0", "1")
    assert areas(solutions)["GM0106"][1] == "Assen – actief aanbod: 1"
    assert areas(solutions)["GM0106"][0].startswith("/solutions/?")


def test_a_solution_for_a_province_counts_in_each_of_its_municipalities(client, company, make_solution):
    make_solution(company, area=["Drenthe"])
    page = client.get("/map/?measure=solutions").text
    drenthe = [area.cbs_code for area in outlines().municipalities if area.province == "Drenthe"]
    assert {table_figure(page, code) for code in drenthe} == {"1"}
    assert table_figure(page, "GM0014") == "0"  # Groningen


def test_each_figure_is_what_the_linked_list_shows(client, session, company, make_solution):
    """The map counts service areas in one query and the list asks per municipality: they must agree."""
    make_solution(company, "Landelijke inzameling van dakpannen", area=["Nederland"])
    make_solution(company, "Hennepisolatie voor Drenthe en Emmen", area=["Drenthe", "Emmen"])
    make_solution(company, "Houtbouw in de stad Groningen", area=["Groningen", "Leeuwarden"])
    make_solution(company, "Gepauzeerd aanbod in Emmen", area=["Emmen"]).status = SolutionStatus.PAUSED
    session.commit()
    page = client.get("/map/?measure=solutions").text
    # Emmen is in Drenthe and named too, yet counts the solution once; the paused one not at all.
    expected = {"GM0114": "2", "GM0106": "2", "GM0014": "2", "GM1952": "2", "GM0080": "2", "GM0093": "1"}
    for code, figure in expected.items():
        assert table_figure(page, code) == figure, code
        listing = client.get(areas(page)[code][0]).text
        found = re.search(r"(\d+) oplossing(?:en)? gevonden", listing)
        assert found, code
        assert found.group(1) == figure, code


def test_a_municipality_leads_to_the_list_of_what_it_counts(client, corporation, make_question):
    make_question(corporation, "Hergebruikte kozijnen voor Emmen", municipality="Emmen")
    make_question(corporation, "Tweedehands dakpannen voor Emmen", municipality="Emmen")
    make_question(corporation, "Gebruikte bakstenen voor Assen", municipality="Assen")
    link = areas(client.get("/map/").text)["GM0114"][0]
    listing = client.get(link).text
    assert "2 vragen gevonden" in listing
    assert "Hergebruikte kozijnen voor Emmen" in listing
    assert "Tweedehands dakpannen voor Emmen" in listing
    assert "Gebruikte bakstenen voor Assen" not in listing


def test_hidden_items_of_another_organisation_count_only_for_those_who_may_see_them(
    client, auth, corporation, make_organisation, make_user, make_question
):
    make_question(corporation, "Openbare vraag naar kozijnen", municipality="Emmen")
    make_question(corporation, "Vraag alleen voor deelnemers", municipality="Emmen", visibility="members")
    make_question(corporation, "Vraag die nog concept is", municipality="Emmen", status="concept")
    assert table_figure(client.get("/map/").text, "GM0114") == "1"
    other = make_organisation("Gemeente Assen", kind="gemeente", municipality="Assen")
    make_user("jan@assen.example", other)
    auth.login("jan@assen.example")
    assert table_figure(client.get("/map/").text, "GM0114") == "2"  # members-only, not the draft


def test_a_municipality_unknown_to_the_platform_is_grey_without_a_link(client, session):
    session.execute(delete(Municipality).where(Municipality.cbs_code == "GM0096"))  # Vlieland
    session.commit()
    page = client.get("/map/").text
    assert "GM0096" not in areas(page)
    assert 'class="level--1" data-code="GM0096"' in page
    assert table_figure(page, "GM0096") == "—"
    assert "geen cijfer: gemeente niet in het platform opgenomen" in page


def test_an_unknown_measure_shows_the_default(client):
    page = client.get("/map/?measure=nonsense").text
    assert "Open vragen per gemeente" in page


def test_the_boundaries_are_credited(client):
    page = client.get("/map/").text
    assert "Grenzen: Kadaster / CBS, 2025 (PDOK, vereenvoudigd door cartomap/nl)." in page
    assert "https://creativecommons.org/licenses/by/4.0/" in page


def test_the_map_in_english(client):
    page = client.get("/map/", headers={"Accept-Language": "en"}).text
    assert ">Map</a>" in page
    assert "Boundaries: Kadaster / CBS, 2025" in page
    assert "Assen – open questions: 0" in page


def test_the_map_is_linked_from_the_navigation_and_the_region_dashboard(client, auth, coordinator):
    assert 'href="/map/"' in client.get("/").text
    auth.login(coordinator.email)
    assert 'href="/map/"' in client.get("/coordination/region").text


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        ([1, 2, 3], [(1, 1, 1), (3, 2, 2), (5, 3, 3)]),
        ([0, 1, 12, None], [(1, 1, 3), (2, 4, 5), (3, 6, 8), (4, 9, 10), (5, 11, 12)]),
        ([90, 100], [(1, 90, 92), (2, 93, 94), (3, 95, 96), (4, 97, 98), (5, 99, 100)]),
        ([0, None], []),
    ],
)
def test_five_classes_of_equal_width_with_the_largest_figure_darkest(figures, expected):
    assert [(s.level, s.low, s.high) for s in shades(figures)] == expected


def test_materials_coming_free_counts_buildings_with_a_coming_intervention(
    client, auth, session, corporation, make_organisation, make_passport
):
    make_passport(corporation, "Rijtjeswoningen Emmerhout", "Emmen", release=date(2030, 3, 1))
    make_passport(corporation, "Flat Angelslo", "Emmen", release=date(2031, 6, 1))
    make_passport(corporation, "Sporthal Bargeres", "Emmen", release=date(2020, 1, 1))  # past
    make_passport(corporation, "Kantoor zonder plan", "Emmen", release=None)
    make_passport(corporation, "Lege school", "Emmen", release=date(2030, 1, 1), lines=())
    make_passport(corporation, "Nog niet gedeeld", "Emmen", release=date(2030, 1, 1), published=False)
    make_passport(corporation, "Gemeentehuis Assen", "Assen", release=date(2029, 9, 1))
    page = client.get("/map/?measure=materials").text
    assert "Gebouwen met vrijkomend materiaal per gemeente" in page
    assert (table_figure(page, "GM0114"), table_figure(page, "GM0106")) == ("2", "1")
    assert areas(page)["GM0114"][1] == "Emmen – gebouwen met vrijkomend materiaal: 2"

    listing = client.get(areas(page)["GM0114"][0]).text
    assert "2 gebouwen gevonden" in listing
    assert "Rijtjeswoningen Emmerhout" in listing
    assert "Flat Angelslo" in listing
    for other in (
        "Sporthal Bargeres",
        "Kantoor zonder plan",
        "Lege school",
        "Nog niet gedeeld",
        "Gemeentehuis",
    ):
        assert other not in listing

    auth.login("marieke@hondsrug.example")  # her own unpublished passport counts for her
    assert table_figure(client.get("/map/?measure=materials").text, "GM0114") == "3"
