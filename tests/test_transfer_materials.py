"""Material lines in the CSV import and export of questions and solutions: a row per line."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from circular_platform.models import MaterialLine, Question, Solution
from tests.test_transfer import KOZIJNEN, QUESTION_HEADER, csv_bytes, question_by_title, upload

MATERIAL_HEADER = [
    "materiaal",
    "euralcode",
    "materiaal_hoeveelheid",
    "materiaal_eenheid",
    "materiaal_staat",
    "materiaal_vanaf",
]
HEADER = [*QUESTION_HEADER, *MATERIAL_HEADER]
EMPTY_ITEM = [""] * len(QUESTION_HEADER)


@pytest.fixture
def as_coordinator(auth, coordinator):
    auth.login(coordinator.email)


def lines_of(item: Question | Solution) -> list[tuple]:
    return [
        (line.material, line.eural_code, line.quantity, line.unit, line.condition, line.from_date)
        for line in item.material_lines
    ]


def line_count(session) -> int:
    return session.scalar(select(func.count(MaterialLine.id)))


def test_rows_below_an_item_add_its_material_lines(client, session, as_coordinator, corporation):
    data = csv_bytes(
        [
            HEADER,
            [*KOZIJNEN, "houten kozijnen", "170201", "180", "stuks", "gebruikt, goed", "2027-03"],
            [*EMPTY_ITEM, "betongranulaat", "17 01 01*", "40,5", "t", "", "2027-06-15"],
            [*EMPTY_ITEM, "gipsplaten", "", "", "", "", ""],
        ]
    )
    response = upload(client, data)
    assert response.status_code == 302
    assert "3 rijen geïmporteerd." in client.get(response.headers["Location"]).text
    question = question_by_title(session, KOZIJNEN[1])
    assert lines_of(question) == [
        ("houten kozijnen", "17 02 01", Decimal("180"), "stuk", "gebruikt, goed", date(2027, 3, 1)),
        ("betongranulaat", "17 01 01", Decimal("40.5"), "ton", "", date(2027, 6, 15)),
        ("gipsplaten", "17 08 02", None, None, "", None),  # the code suggested, as in the web form
    ]


def test_bad_material_rows_are_reported_per_row_and_nothing_is_written(
    client, session, as_coordinator, corporation
):
    data = csv_bytes(
        [
            HEADER,
            [*KOZIJNEN, "houten kozijnen", "99 99 99", "veel", "stuks", "", ""],
            [*EMPTY_ITEM, "betongranulaat", "", "40", "", "", "maart"],
            [*EMPTY_ITEM, "", "17 01 01", "", "kuub", "", ""],
        ]
    )
    response = upload(client, data)
    assert response.status_code == 400
    page = response.text
    assert "Er is niets geïmporteerd: 3 rijen hebben een fout." in page
    assert "“99 99 99” staat niet in de Euralijst." in page
    assert "Vul een getal in, bijvoorbeeld 2.500 of 40,5." in page
    assert "Vul een maand in als jjjj-mm of een datum als jjjj-mm-dd." in page
    assert "Onbekende waarde “kuub”." in page
    assert "<td>4</td><td><code>materiaal</code></td><td>Vul dit veld in.</td>" in page
    assert session.scalar(select(func.count(Question.id))) == 0
    assert line_count(session) == 0


def test_a_quantity_without_its_unit_is_refused_in_english(
    client, session, as_coordinator, coordinator, corporation
):
    coordinator.language = "en"
    session.commit()
    data = csv_bytes([HEADER, [*KOZIJNEN, "houten kozijnen", "", "180", "", "", ""]])
    response = upload(client, data)
    assert response.status_code == 400
    assert "Line 2: fill in both a quantity and a unit." in response.text
    assert line_count(session) == 0


def test_a_file_without_material_columns_still_imports(client, session, as_coordinator, corporation):
    assert upload(client, csv_bytes([QUESTION_HEADER, KOZIJNEN])).status_code == 302
    assert question_by_title(session, KOZIJNEN[1]).material_lines == []


def test_question_lines_round_trip_through_the_export(
    client, session, as_coordinator, corporation, make_question
):
    lines = [
        {"material": "houten kozijnen", "eural_code": "17 02 01", "quantity": Decimal("180"), "unit": "stuk"},
        {
            "material": "=betongranulaat",
            "quantity": Decimal("40.25"),
            "unit": "ton",
            "from_date": date(2027, 6, 15),
        },
        {"material": "glas", "condition": "dubbel glas", "from_date": date(2027, 3, 1)},
    ]
    original = make_question(corporation, material_lines=lines)
    make_question(corporation, title="Zonder materialen")

    exported = client.get("/questions/export.csv")
    records = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig")), delimiter=";"))
    assert len(records) == 1 + 1 + 3  # the header, the newest question, three rows of the first
    assert [r[: len(QUESTION_HEADER)] == EMPTY_ITEM for r in records[1:]] == [False, False, True, True]
    assert upload(client, exported.data).status_code == 302

    copy = session.scalar(
        select(Question).where(Question.title == original.title, Question.id != original.id)
    )
    assert lines_of(copy) == lines_of(original)
    assert lines_of(original)[1][0] == "=betongranulaat"
    empty = session.scalars(select(Question).where(Question.title == "Zonder materialen")).all()
    assert [q.material_lines for q in empty] == [[], []]


def test_solution_lines_round_trip_through_the_export(
    client, session, as_coordinator, company, make_solution
):
    lines = [{"material": "hennepvezel", "quantity": Decimal("20000"), "unit": "m2", "condition": "nieuw"}]
    original = make_solution(company, material_lines=lines)
    exported = client.get("/solutions/export.csv")
    assert ";hennepvezel;" in exported.text
    assert upload(client, exported.data, kind="solutions").status_code == 302
    copy = session.scalar(select(Solution).where(Solution.id != original.id))
    assert lines_of(copy) == lines_of(original)


def test_import_page_documents_material_columns_and_the_example_imports(
    client, session, as_coordinator, corporation
):
    page = client.get("/admin/import")
    assert "<code>materiaal_hoeveelheid</code>" in page.text
    assert "Zet elk volgend materiaal op een eigen rij direct onder de vraag of het aanbod" in page.text
    example = client.get("/admin/import/example-questions.csv")
    assert upload(client, example.data).status_code == 302
    question = question_by_title(session, "Hergebruikte kozijnen voor 180 woningen")
    assert [line.material for line in question.material_lines] == ["houten kozijnen", "betongranulaat"]


def test_a_material_row_without_an_item_above_is_an_item_missing_its_fields(
    client, session, as_coordinator, corporation
):
    data = csv_bytes([HEADER, [*EMPTY_ITEM, "betongranulaat", "", "", "", "", ""], [*KOZIJNEN, *[""] * 6]])
    response = upload(client, data)
    assert response.status_code == 400
    assert "<td>2</td><td><code>titel</code></td><td>Vul dit veld in.</td>" in response.text
    assert session.scalar(select(func.count(Question.id))) == 0
