"""Future supply: materials a planned renovation releases, matched to open questions with their dates."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import text

from circular_platform.formats import display_month_name
from circular_platform.matches import future
from circular_platform.matches.future import fits
from circular_platform.models import Intervention
from circular_platform.models._types import utcnow
from circular_platform.passports import services
from circular_platform.questions.services import add_months
from circular_platform.regions import municipality_by_name, province_by_name


def months_from_now(months: int) -> date:
    return add_months(utcnow().date().replace(day=1), months)


@pytest.fixture
def passport(session, make_organisation, make_user):
    municipality = make_organisation("Gemeente Emmen", kind="gemeente")
    make_user("bouw@emmen.example", municipality)
    data = {
        "name": "Rijtjeswoningen Emmerhout",
        "municipality": municipality_by_name(session, "Emmen"),
        "intervention": Intervention.RENOVATION,
        "intervention_date": months_from_now(14),
        "published": True,
        "material_lines": [
            {"material": "houten kozijnen", "quantity": 180, "unit": "stuk"},
            {"material": "bakstenen", "quantity": 240, "unit": "ton"},
        ],
    }
    passport = services.register_passport(session, municipality, data)
    session.commit()
    return passport


def _question(make_question, corporation, start_in_months: int):
    return make_question(
        corporation,
        "Hergebruikte houten kozijnen voor nieuwbouw",
        description="Wij zoeken tweedehands houten kozijnen voor 40 nieuwe woningen.",
        desired_start=months_from_now(start_in_months),
    )


def test_the_passport_page_shows_questions_the_release_fits(
    client, auth, passport, corporation, make_question
):
    question = _question(make_question, corporation, 18)
    auth.login("bouw@emmen.example")
    page = client.get(f"/passports/{passport.id}").text
    assert question.title in page
    month = display_month_name(passport.intervention_date, locale="nl")  # "maart 2028"
    assert f"Komt vrij in {month} in Emmen" in page


def test_the_question_page_shows_materials_that_come_free(client, auth, passport, corporation, make_question):
    question = _question(make_question, corporation, 18)
    auth.login("marieke@hondsrug.example")
    page = client.get(f"/questions/{question.id}").text
    assert "Materialen die vrijkomen" in page
    assert "Rijtjeswoningen Emmerhout" in page


def _roof_tiles_question(make_question, corporation):
    """A need the passport's frames and bricks do not meet: its roof tiles are not listed yet."""
    return make_question(
        corporation,
        "Dakpannen gezocht",
        description="Wij zoeken gebruikte keramische dakpannen voor 40 woningen.",
        desired_start=months_from_now(18),
    )


def test_a_changed_passport_shows_on_the_question_page_at_once(
    client, auth, session, passport, corporation, make_question
):
    """Each process keeps its matcher over the coming releases until one of them changes."""
    question = _roof_tiles_question(make_question, corporation)
    auth.login("marieke@hondsrug.example")
    assert "Rijtjeswoningen Emmerhout" not in client.get(f"/questions/{question.id}").text

    lines = [{"material": "houten kozijnen", "quantity": 180, "unit": "stuk"}]
    lines.append({"material": "keramische dakpannen", "quantity": 30, "unit": "ton"})
    services.update_passport(session, passport, {"material_lines": lines})
    session.commit()
    assert "Rijtjeswoningen Emmerhout" in client.get(f"/questions/{question.id}").text

    later = {"intervention": Intervention.RENOVATION, "intervention_date": months_from_now(40)}
    services.update_passport(session, passport, later)
    session.commit()  # now too late for the need
    assert "Rijtjeswoningen Emmerhout" not in client.get(f"/questions/{question.id}").text


def test_materials_another_server_adds_show_on_the_question_page_once_this_one_looks_again(
    client, auth, session, passport, corporation, make_question, monkeypatch
):
    """A question page asks whether the coming releases changed at most every few seconds; what
    another server added shows after that (this process's own writes show at once, above)."""
    question = _roof_tiles_question(make_question, corporation)
    auth.login("marieke@hondsrug.example")
    assert "Rijtjeswoningen Emmerhout" not in client.get(f"/questions/{question.id}").text

    # Another server adds roof tiles to the passport, without this process's ORM seeing it.
    session.execute(
        text(
            "INSERT INTO material_line (passport_id, position, material, quantity, unit, condition, location)"
            " VALUES (:id, 3, 'keramische dakpannen', 30, 't', '', '')"
        ),
        {"id": passport.id},
    )
    session.commit()
    assert "Rijtjeswoningen Emmerhout" not in client.get(f"/questions/{question.id}").text  # looked just now

    monkeypatch.setattr(future, "RELEASES_CHECK_SECONDS", 0.0)  # the seconds have passed
    assert "Rijtjeswoningen Emmerhout" in client.get(f"/questions/{question.id}").text


def test_a_need_long_after_the_release_is_not_matched(client, auth, passport, corporation, make_question):
    question = _question(make_question, corporation, 36)
    auth.login("marieke@hondsrug.example")
    assert "Rijtjeswoningen Emmerhout" not in client.get(f"/questions/{question.id}").text


def test_a_private_passport_stays_out_of_others_pages(
    client, auth, session, passport, corporation, make_question
):
    passport.published = False
    session.commit()
    question = _question(make_question, corporation, 18)
    auth.login("marieke@hondsrug.example")
    assert "Rijtjeswoningen Emmerhout" not in client.get(f"/questions/{question.id}").text


@pytest.mark.parametrize(
    ("need_in", "fitting"),
    [(None, True), (11, True), (12, True), (24, True), (26, True), (10, False), (27, False)],
)
def test_a_release_in_14_months_fits_a_need_from_11_to_26_months(need_in, fitting):
    release = months_from_now(14)
    need = months_from_now(need_in) if need_in is not None else None
    assert fits(release, need) is fitting


# -- the coordinators' region view ---------------------------------------------------------------


def supply_table(page: str) -> dict[str, dict[str, str]]:
    """Material group code -> {column heading: figure} of the future supply table."""
    table = page.split('class="table table-sm small align-top future-supply"')[1].split("</table>")[0]
    headings = [
        re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", table)
    ]
    rows = {}
    for code, cells in re.findall(r'<tr data-group="([^"]*)">(.*?)</tr>', table, re.S):
        figures = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
        rows[code] = dict(zip(headings[1:], figures, strict=True))
    return rows


def test_coordinators_see_what_comes_free_per_quarter_and_material_group(
    client, auth, session, coordinator, corporation, make_passport
):
    """The corporation has not published its passport: coordinators see every passport all the same."""
    next_year = date.today().year + 1
    make_passport(
        corporation,
        "Flat Angelslo",
        release=date(next_year, 5, 1),
        published=False,
        lines=(("Betonnen vloeren", "17 01 01", "40", "ton"), ("Dakbeschot", "17 02 01", "120", "m2")),
    )
    make_passport(
        corporation,
        "Kantoor Leeuwarden",
        "Leeuwarden",
        release=date(next_year, 5, 20),
        lines=(("Betonnen gevelplaten", "17 01 01", "5", "m3"),),
    )
    make_passport(corporation, "Later gesloopt", release=date(next_year + 4, 1, 1))
    auth.login(coordinator.email)
    page = client.get("/coordination/supply").text
    quarter = f"2e kw. {next_year}"
    table = supply_table(page)
    assert table["17 01"][quarter] == "52"  # 40 t + 5 m³ concrete × 2,4 t/m³
    assert table["17 01"]["Totaal"] == "52"
    assert table["17 02"][quarter] == "–"  # only m²: no weight
    assert table["17 02"]["Zonder gewicht"] == "1 regel"
    assert f"1e kw. {next_year + 4}" not in page

    drenthe = province_by_name(session, "Drenthe")
    filtered = supply_table(client.get(f"/coordination/supply?province={drenthe.id}").text)
    assert filtered["17 01"][quarter] == "40"


def test_the_chart_has_the_groups_and_no_script(
    client, auth, session, coordinator, corporation, make_passport
):
    make_passport(corporation, release=date(date.today().year + 1, 5, 1))
    coordinator.language = "en"
    session.commit()
    auth.login(coordinator.email)
    chart = client.get("/coordination/supply.svg")
    assert chart.mimetype == "image/svg+xml"
    assert "17 01 " in chart.text
    assert "<script" not in chart.text
    page = client.get("/coordination/supply").text
    assert f"Q2 {date.today().year + 1}" in page


def test_only_coordinators_see_the_region_view(client, auth, corporation):
    auth.login("marieke@hondsrug.example")
    assert client.get("/coordination/supply").status_code == 403
    assert client.get("/coordination/supply.svg").status_code == 403


def test_the_region_dashboard_links_to_the_view(client, auth, coordinator):
    auth.login(coordinator.email)
    assert 'href="/coordination/supply"' in client.get("/coordination/region").text
