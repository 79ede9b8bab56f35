"""Material lines on questions and solutions: the sub-form, the suggested Eural code, the matching text."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from circular_platform.matches.documents import question_body, solution_body
from circular_platform.models import MaterialLine, Question
from circular_platform.regions import municipality_by_name


@pytest.fixture
def form_data(session, corporation):
    return {
        "organisation_id": corporation.id,
        "title": "Secundair beton voor een fietspad",
        "description": "Wij zoeken betongranulaat als fundering voor een fietspad.",
        "theme": "bouw",
        "sector": "GWW",
        "municipality_id": municipality_by_name(session, "Emmen").id,
        "visibility": "public",
        "contact_id": corporation.active_members[0].id,
        "publish": "1",
    }


def _with_line(data: dict, **line) -> dict:
    return {**data, **{f"material_lines-0-{name}": value for name, value in line.items()}}


def test_a_question_carries_a_material_line_with_a_suggested_eural_code(client, auth, session, form_data):
    auth.login("marieke@hondsrug.example")
    data = _with_line(form_data, material="betongranulaat", quantity="1.200", unit="ton", from_date="2028-03")
    response = client.post("/questions/new", data=data, follow_redirects=True)
    assert "Uw vraag is opgeslagen." in response.text
    line = session.scalars(select(MaterialLine)).one()
    assert (line.material, line.eural_code, line.quantity, line.unit) == (
        "betongranulaat",
        "17 01 01",
        Decimal("1200"),
        "ton",
    )
    assert "17 01 01" in response.text
    assert "1.200 t" in response.text
    assert "03-2028" in response.text


def test_the_question_page_lists_its_lines_in_the_order_they_were_entered(client, auth, form_data):
    auth.login("marieke@hondsrug.example")
    materials = ["zand", "betongranulaat", "asfaltgranulaat"]
    data = form_data | {
        f"material_lines-{n}-{name}": value
        for n, material in enumerate(materials)
        for name, value in {"material": material, "quantity": "10", "unit": "ton"}.items()
    }
    page = client.post("/questions/new", data=data, follow_redirects=True).text
    table = page.split("Materialen</h2>", 1)[1].split("</table>", 1)[0]
    assert [table.index(material) for material in materials] == sorted(table.index(m) for m in materials)


def test_a_code_the_user_chose_is_kept_in_the_lists_spelling(client, auth, session, form_data):
    auth.login("marieke@hondsrug.example")
    client.post("/questions/new", data=_with_line(form_data, material="puin", eural_code="170107"))
    assert session.scalars(select(MaterialLine.eural_code)).one() == "17 01 07"


def test_an_unknown_code_brings_the_form_back_with_the_row_named(client, auth, session, form_data):
    auth.login("marieke@hondsrug.example")
    response = client.post(
        "/questions/new", data=_with_line(form_data, material="puin", eural_code="99 99 99")
    )
    assert response.status_code == 400
    assert "Regel 1: 99 99 99 is geen Euralcode." in response.text
    assert 'value="puin"' in response.text
    assert 'name="material_lines-3-material"' in response.text  # and three empty rows to type into
    assert session.scalar(select(func.count()).select_from(Question)) == 0


def test_a_quantity_without_unit_is_refused(client, auth, session, form_data):
    auth.login("marieke@hondsrug.example")
    response = client.post("/questions/new", data=_with_line(form_data, material="glas", quantity="5"))
    assert "Regel 1: vul een hoeveelheid én een eenheid in." in response.text
    assert session.scalar(select(func.count()).select_from(MaterialLine)) == 0


def test_a_row_named_in_a_message_is_the_row_shown_with_that_number(client, auth, session, form_data):
    """A browser sends back the empty rows too; the rows are counted without them, as shown again."""
    auth.login("marieke@hondsrug.example")
    empty_row = {f"material_lines-0-{name}": "" for name in ("material", "eural_code", "quantity", "unit")}
    typed = {
        "material_lines-1-material": "glas",
        "material_lines-1-quantity": "5",
        "material_lines-1-unit": "",
    }
    response = client.post("/questions/new", data=form_data | empty_row | typed)
    assert "Regel 1: vul een hoeveelheid én een eenheid in." in response.text
    fields = dict(re.findall(r'aria-label="([^"]+)"[^>]*value="([^"]*)"', response.text))
    assert fields["Materiaal regel 1"] == "glas"
    assert fields["Hoeveelheid regel 1"] == "5"
    assert 'name="material_lines-3-material"' in response.text  # and three empty rows after it
    assert session.scalar(select(func.count()).select_from(Question)) == 0


def test_add_line_shows_one_more_row_and_saves_nothing(client, auth, session, form_data):
    auth.login("marieke@hondsrug.example")
    empty = client.get("/questions/new").text
    assert 'name="material_lines-2-material"' in empty  # three empty rows
    assert 'name="material_lines-3-material"' not in empty
    data = {**_with_line(form_data, material="glas"), "add_line": "1"}
    data.pop("publish")
    response = client.post("/questions/new", data=data)
    assert response.status_code == 200
    assert 'name="material_lines-3-material"' in response.text  # the typed row and three empty ones
    assert 'name="material_lines-4-material"' in response.text  # and the one more that was asked for
    assert 'name="material_lines-5-material"' not in response.text
    assert 'value="glas"' in response.text
    assert session.scalar(select(func.count()).select_from(Question)) == 0


def test_each_row_of_the_sub_form_is_labelled_with_its_own_number(client, auth, corporation):
    """A screen reader names every field of row 2 "... regel 2", whatever its column."""
    auth.login("marieke@hondsrug.example")
    page = client.get("/questions/new").text
    fields = re.findall(r'aria-label="([^"]+)"[^>]*name="(material_lines-[^"]+)"', page)
    labels = {name: label for label, name in fields}
    assert labels["material_lines-0-eural_code"] == "Euralcode regel 1"
    assert labels["material_lines-1-material"] == "Materiaal regel 2"
    assert labels["material_lines-2-unit"] == "Eenheid regel 3"
    assert labels["material_lines-2-from_date"] == "Nodig vanaf regel 3"  # as its column is headed
    assert 'placeholder="17 01 01"' not in page  # read as a code already filled in on every row


def test_the_edit_form_shows_the_lines_and_three_empty_rows(
    client, auth, session, corporation, make_question
):
    question = make_question(corporation, material_lines=[{"material": "glas"}, {"material": "asfalt"}])
    assert [line.eural_code for line in question.material_lines] == ["17 02 02", "17 03 02"]
    auth.login("marieke@hondsrug.example")
    page = client.get(f"/questions/{question.id}/edit").text
    assert 'value="glas"' in page
    assert 'value="asfalt"' in page
    assert 'name="material_lines-4-material"' in page  # two lines and three empty rows


def test_material_lines_feed_the_matching_text(session, corporation, company, make_question, make_solution):
    question = make_question(corporation, material_lines=[{"material": "houten kozijnen"}])
    solution = make_solution(company, material_lines=[{"material": "gipsplaten"}])
    assert "houten kozijnen (hout)" in question_body(question)
    assert "gipsplaten (niet onder 17 08 01 vallend gipshoudend bouwmateriaal)" in solution_body(solution)
