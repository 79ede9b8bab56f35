from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from circular_platform.errors import DomainError
from circular_platform.models import Question, Solution
from circular_platform.transfer import services

QUESTION_HEADER = [
    "organisatie",
    "titel",
    "omschrijving",
    "thema",
    "sector",
    "transitiepaden",
    "gemeente",
    "hoeveelheid",
    "eenheid",
    "budget_min",
    "budget_max",
    "start",
    "aanbesteding",
    "circulaire_criteria",
    "zichtbaarheid",
    "status",
]
KOZIJNEN = [
    "Woonstichting Hondsrug",
    "Hergebruikte kozijnen voor 180 woningen",
    "Wij renoveren 180 woningen in Emmen;\nwe zoeken hergebruikte kozijnen.",
    "bouw",
    "WU",
    "3|4",
    "Emmen",
    "2.500,5",
    "m2",
    "250.000",
    "400000",
    "2027-03",
    "ja",
    "Minimaal 50% hergebruikt materiaal",
    "public",
    "open",
]
# Dutch labels and what Excel makes of a month and a boolean.
BERMGRAS = [
    "woonstichting hondsrug",
    "Bermgras als grondstof",
    "Wij zoeken een afnemer voor 400 ton bermgras per jaar.",
    "Biomassa en voedsel",
    "",
    "5",
    "Assen",
    "400",
    "ton per jaar",
    "",
    "",
    "1-9-2026",
    "ONWAAR",
    "",
    "Alleen ingelogde deelnemers",
    "In gesprek",
]


def csv_bytes(
    rows: list[list[str]], delimiter: str = ";", bom: bool = True, encoding: str = "utf-8"
) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" if bom else "").encode(encoding) + out.getvalue().encode(encoding)


@pytest.fixture
def as_coordinator(auth, coordinator):
    auth.login(coordinator.email)


def upload(client, data: bytes, kind: str = "questions", dry_run: bool = False):
    form = {"kind": kind, "file": (io.BytesIO(data), "bestand.csv")}
    if dry_run:
        form["dry_run"] = "y"
    return client.post("/admin/import", data=form, content_type="multipart/form-data")


def count(session, model) -> int:
    return session.scalar(select(func.count(model.id)))


def question_by_title(session, title: str) -> Question:
    return session.scalar(select(Question).where(Question.title == title))


@pytest.mark.parametrize(("delimiter", "bom"), [(";", True), (",", False), (",", True)])
def test_import_good_file(client, session, as_coordinator, corporation, delimiter, bom):
    data = csv_bytes([QUESTION_HEADER, KOZIJNEN, BERMGRAS], delimiter, bom)
    response = upload(client, data)
    assert response.headers["Location"].endswith("/questions/")
    assert "2 rijen geïmporteerd." in client.get(response.headers["Location"]).text
    kozijnen = question_by_title(session, "Hergebruikte kozijnen voor 180 woningen")
    assert kozijnen.organisation == corporation
    assert kozijnen.municipality.name == "Emmen"
    assert kozijnen.quantity == Decimal("2500.5")
    assert kozijnen.unit == "m2"
    assert (kozijnen.budget_min, kozijnen.budget_max) == (250000, 400000)
    assert kozijnen.desired_start == date(2027, 3, 1)
    assert kozijnen.transition_paths == [3, 4]
    assert kozijnen.is_procurement
    assert kozijnen.has_circular_criteria
    assert kozijnen.status == "open"
    assert kozijnen.description == "Wij renoveren 180 woningen in Emmen;\nwe zoeken hergebruikte kozijnen."
    bermgras = question_by_title(session, "Bermgras als grondstof")
    assert (bermgras.theme, bermgras.unit, bermgras.status) == (
        "biomassa_voedsel",
        "ton_per_jaar",
        "in_gesprek",
    )
    assert bermgras.visibility == "members"
    assert bermgras.desired_start == date(2026, 9, 1)
    assert not bermgras.is_procurement


def test_dry_run_reports_and_writes_nothing(client, session, as_coordinator, corporation):
    response = upload(client, csv_bytes([QUESTION_HEADER, KOZIJNEN, BERMGRAS]), dry_run=True)
    assert response.status_code == 200
    assert "Proefimport: alle 2 rijen zijn in orde." in response.text
    assert count(session, Question) == 0


def test_broken_rows_are_reported_by_row_and_nothing_is_written(client, session, as_coordinator, corporation):
    rows = [
        QUESTION_HEADER,
        KOZIJNEN,
        [],  # an empty line still counts as a row in Excel
        [*KOZIJNEN[:6], "Atlantis", "veel", *KOZIJNEN[8:]],
        [*KOZIJNEN[:9], "500.000", *KOZIJNEN[10:]],
        ["Onbekende BV", "", *KOZIJNEN[2:]],
    ]
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 400
    assert "Er is niets geïmporteerd: 3 rijen hebben een fout." in response.text
    table = response.text.split("<tbody>")[1]
    assert "<td>4</td><td><code>gemeente</code></td><td>Onbekende gemeente “Atlantis”.</td>" in table
    assert "<td>4</td><td><code>hoeveelheid</code></td><td>Vul een getal in" in table
    assert "<td>5</td><td><code>budget_min</code></td><td>Het minimumbudget is hoger" in table
    assert "<td>6</td><td><code>organisatie</code></td><td>Er staat geen organisatie" in table
    assert "<td>6</td><td><code>titel</code></td><td>Vul dit veld in.</td>" in table
    assert "<td>2</td>" not in table
    assert count(session, Question) == 0


def test_business_rules_of_the_form_apply(client, session, as_coordinator, corporation):
    no_sector = [*KOZIJNEN[:4], "", *KOZIJNEN[5:]]
    response = upload(client, csv_bytes([QUESTION_HEADER, no_sector]))
    assert "Kies bij het thema Bouw de sector: WU of GWW." in response.text
    assert count(session, Question) == 0


def test_old_excel_encoding_is_refused(client, session, as_coordinator, corporation):
    data = csv_bytes(
        [QUESTION_HEADER, [*KOZIJNEN[:2], "Coöperatie zoekt één partij", *KOZIJNEN[3:]]], bom=False
    )
    response = upload(client, data.decode("utf-8").encode("cp1252"))
    assert response.status_code == 400
    assert "Sla het bestand op als CSV UTF-8" in response.text
    assert count(session, Question) == 0


def test_wrong_columns_are_named(client, session, as_coordinator, corporation):
    header = ["organisatie", "titel", "beschrijving", "thema", "gemeente"]
    response = upload(
        client, csv_bytes([header, ["Woonstichting Hondsrug", "Kozijnen", "Tekst", "bouw", "Emmen"]])
    )
    assert response.status_code == 400
    assert "Ontbrekende kolommen: omschrijving." in response.text
    assert "Onbekende kolommen: beschrijving." in response.text
    assert count(session, Question) == 0


def test_solutions_file_with_service_area(client, session, as_coordinator, company, corporation):
    header = ["organisatie", "titel", "omschrijving", "themas", "werkgebied", "volwassenheid", "status"]
    rows = [
        header,
        [
            company.name,
            "Hennepvezel isolatie",
            "Isolatie van hennep.",
            "bouw|Kunststoffen",
            "Friesland|gemeente Groningen",
            "pilot",
            "gepauzeerd",
        ],
        [
            corporation.name,
            "Kozijnen uit sloop",
            "Kozijnen uit onze sloopwoningen.",
            "bouw",
            "Nederland",
            "",
            "",
        ],
    ]
    response = upload(client, csv_bytes(rows), kind="solutions")
    assert "mag (nog) geen aanbod plaatsen" in response.text
    assert count(session, Solution) == 0
    response = upload(client, csv_bytes(rows[:2]), kind="solutions")
    assert response.headers["Location"].endswith("/solutions/")
    solution = session.scalar(select(Solution))
    assert solution.themes == ["bouw", "kunststoffen"]
    assert solution.maturity == "pilot"
    assert [p.name for p in solution.provinces] == ["Fryslân"]
    assert [(m.name, m.province.name) for m in solution.municipalities] == [("Groningen", "Groningen")]
    assert solution.status == "gepauzeerd"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/admin/import"), ("post", "/admin/import"), ("get", "/admin/import/example-questions.csv")],
)
def test_only_coordinators_import(client, auth, session, make_user, corporation, method, path):
    make_user("beheer@hondsrug.example", corporation, role="admin")
    auth.login("beheer@hondsrug.example")
    assert getattr(client, method)(path).status_code == 403


def test_anonymous_import_goes_to_login(client):
    assert client.get("/admin/import").headers["Location"].startswith("/login")


def test_import_page_documents_columns_with_example_file(client, as_coordinator):
    page = client.get("/admin/import")
    assert '<a class="nav-link active" aria-current="page" href="/admin/import">Importeren</a>' in page.text
    assert "<code>circulaire_criteria</code>" in page.text
    assert "<code>werkgebied</code>" in page.text
    example = client.get("/admin/import/example-questions.csv")
    assert example.data.startswith(b"\xef\xbb\xbforganisatie;titel;omschrijving;thema;")


def question_fields(question: Question) -> tuple:
    return (
        question.organisation_id, question.title, question.description, question.theme, question.sector,
        question.transition_paths, question.municipality_id, question.quantity, question.unit,
        question.budget_min, question.budget_max, question.desired_start, question.is_procurement,
        question.has_circular_criteria, question.circular_criteria, question.visibility, question.status,
    )  # fmt: skip


def solution_fields(solution: Solution) -> tuple:
    return (
        solution.organisation_id, solution.title, solution.description, sorted(solution.themes),
        solution.nationwide, solution.provinces, solution.municipalities, solution.maturity,
        solution.capacity, solution.certifications, solution.price_indication, solution.status,
    )  # fmt: skip


def test_question_export_imports_as_equal_questions(
    client, session, as_coordinator, corporation, make_question
):
    make_question(
        corporation,
        title="=Kozijnen, deuren en glas",
        description="- kozijnen\n- deuren\n- glas en beslag",
        transition_paths=[3, 4],
        quantity=Decimal("1250.75"),
        unit="m2",
        budget_min=1000,
        desired_start=date(2027, 3, 1),
        is_procurement=True,
        has_circular_criteria=True,
        circular_criteria="MPG onder 0,5",
        visibility="members",
    )
    make_question(
        corporation, title="Bermgras", theme="biomassa_voedsel", municipality="Groningen", status="concept"
    )
    originals = sorted(session.scalars(select(Question)), key=lambda q: q.title)

    exported = client.get("/questions/export.csv")
    assert exported.mimetype == "text/csv"
    assert exported.data.startswith(b"\xef\xbb\xbforganisatie;titel;")
    assert ";1250,75;m2;" in exported.text
    assert ";'=Kozijnen, deuren en glas;" in exported.text
    assert upload(client, exported.data).status_code == 302

    copies = sorted(
        session.scalars(select(Question).where(Question.id > max(q.id for q in originals))),
        key=lambda q: q.title,
    )
    assert [question_fields(q) for q in copies] == [question_fields(q) for q in originals]


def test_solution_export_imports_as_equal_solutions(client, session, as_coordinator, company, make_solution):
    make_solution(company, area=["Groningen", "Emmen"], themes=["bouw", "kunststoffen"], capacity="+20%")
    make_solution(company, title="Landelijk aanbod", area=["Nederland"], maturity="idee")
    make_solution(company, title="Hout uit Drenthe", area=["Drenthe"], price_indication="€ 12,50 per m²")
    originals = sorted(session.scalars(select(Solution)), key=lambda s: s.title)

    exported = client.get("/solutions/export.csv")
    assert ";Groningen|Emmen|gemeente Groningen;" in exported.text
    assert ";Nederland;" in exported.text
    assert upload(client, exported.data, kind="solutions").status_code == 302

    newest = max(s.id for s in originals)
    copies = sorted(session.scalars(select(Solution).where(Solution.id > newest)), key=lambda s: s.title)
    assert [solution_fields(s) for s in copies] == [solution_fields(s) for s in originals]


def test_export_shows_what_the_list_shows(client, auth, make_user, corporation, make_question):
    make_question(corporation, title="Openbare vraag over kozijnen")
    make_question(corporation, title="Vraag alleen voor leden", visibility="members")
    make_question(corporation, title="Vraag over bermgras", theme="biomassa_voedsel")

    anonymous = client.get("/questions/export.csv").text
    assert "Openbare vraag over kozijnen" in anonymous
    assert "Vraag alleen voor leden" not in anonymous

    make_user("lezer@example.org")
    auth.login("lezer@example.org")
    assert "Vraag alleen voor leden" in client.get("/questions/export.csv").text
    filtered = client.get("/questions/export.csv?theme=biomassa_voedsel").text
    assert "Vraag over bermgras" in filtered
    assert "Openbare vraag over kozijnen" not in filtered


def test_list_page_links_to_export_with_its_filters(client):
    page = client.get("/questions/?theme=bouw&page=2")
    assert 'href="/questions/export.csv?theme=bouw"' in page.text
    assert "Exporteer naar CSV" in client.get("/solutions/").text


def test_cli_imports_with_progress_and_dry_run(app, session, corporation, tmp_path):
    path = tmp_path / "vragen.csv"
    path.write_bytes(csv_bytes([QUESTION_HEADER, KOZIJNEN, BERMGRAS]))
    runner = app.test_cli_runner()

    result = runner.invoke(args=["import", "questions", str(path), "--dry-run"])
    assert result.exit_code == 0
    assert "All 2 rows are valid" in result.output
    assert count(session, Question) == 0

    result = runner.invoke(args=["import", "questions", str(path)])
    assert result.exit_code == 0
    assert "2 questions imported (2 rows)." in result.output
    assert count(session, Question) == 2


def test_cli_reports_broken_rows(app, session, corporation, tmp_path):
    path = tmp_path / "vragen.csv"
    path.write_bytes(csv_bytes([QUESTION_HEADER, KOZIJNEN, [*KOZIJNEN[:6], "Atlantis", *KOZIJNEN[7:]]]))
    result = app.test_cli_runner().invoke(args=["import", "questions", str(path)])
    assert result.exit_code == 1
    assert "row 3, gemeente: Onbekende gemeente “Atlantis”." in result.output
    assert count(session, Question) == 0


def test_service_rolls_back_its_own_savepoint(session, corporation):
    data = csv_bytes([QUESTION_HEADER, KOZIJNEN, BERMGRAS])
    report = services.import_csv(session, None, "questions", data, dry_run=True)
    assert (report.rows, report.errors) == (2, [])
    assert count(session, Question) == 0
    report = services.import_csv(session, None, "questions", data, dry_run=False)
    assert report.written
    assert count(session, Question) == 2


def test_excel_leftovers_are_tolerated_or_explained(session, corporation):
    rows = [[*QUESTION_HEADER, "", ""], [*KOZIJNEN, "", ""], ["", "", ""], [*KOZIJNEN, "", "losse tekst"]]
    report = services.import_csv(session, None, "questions", csv_bytes(rows), dry_run=True)
    assert [(error.row, error.column) for error in report.errors] == [(4, "")]
    assert "tekst in een cel zonder kolomnaam" in report.errors[0].message


def test_a_workbook_is_not_a_csv(session):
    with pytest.raises(services.FileError, match="Excel-werkmap"):
        services.import_csv(session, None, "questions", b"PK\x03\x04rest of a zip", dry_run=True)


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("1" * 40, "Vul een hoeveelheid in van 0 tot en met 999.999.999.999,99"),
        ("-5", "Vul een hoeveelheid in van 0 tot en met"),
    ],
)
def test_a_quantity_the_column_cannot_hold_is_a_row_error(
    client, session, as_coordinator, corporation, quantity, message
):
    row = [*KOZIJNEN[:7], quantity, *KOZIJNEN[8:]]
    response = upload(client, csv_bytes([QUESTION_HEADER, KOZIJNEN, row]))
    assert response.status_code == 400
    table = response.text.split("<tbody>")[1]
    assert f"<td>3</td><td><code>hoeveelheid</code></td><td>{message}" in table
    assert count(session, Question) == 0


def numbered_rows(n: int) -> list[list[str]]:
    return [[KOZIJNEN[0], f"{KOZIJNEN[1]}, nummer {i}", *KOZIJNEN[2:]] for i in range(1, n + 1)]


@pytest.fixture
def commits(monkeypatch):
    """The outermost commits of every session, counted; batches of two rows."""
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    counted = []

    def count_commit(session):
        if not session.in_nested_transaction():
            counted.append(session)

    event.listen(Session, "after_commit", count_commit)
    yield counted
    event.remove(Session, "after_commit", count_commit)


def test_a_large_import_commits_batch_by_batch(client, session, as_coordinator, corporation, commits):
    response = upload(client, csv_bytes([QUESTION_HEADER, *numbered_rows(5)]))
    assert response.status_code == 302
    assert count(session, Question) == 5
    # The request's session: three batches checked, then three written, the lock free in between
    # (the search indexer and the matcher commit in sessions of their own).
    assert max(Counter(map(id, commits)).values()) == 6


def test_a_batched_dry_run_writes_nothing(client, session, as_coordinator, corporation, commits):
    response = upload(client, csv_bytes([QUESTION_HEADER, *numbered_rows(5)]), dry_run=True)
    assert "Proefimport: alle 5 rijen zijn in orde." in response.text
    assert count(session, Question) == 0


def test_a_row_failing_after_the_check_leaves_the_first_rows_and_says_so(
    client, session, as_coordinator, corporation, commits, monkeypatch
):
    create = services.KINDS["questions"].create
    calls = []

    def create_until_the_data_changed(session, user, organisation, data, status):
        calls.append(data["title"])
        if len(calls) == 5 + 3:  # the third row, when written
            raise DomainError("Deze organisatie is intussen opgeheven.")
        return create(session, user, organisation, data, status)

    spec = services.KINDS["questions"]
    monkeypatch.setitem(services.KINDS, "questions", replace(spec, create=create_until_the_data_changed))
    response = upload(client, csv_bytes([QUESTION_HEADER, *numbered_rows(5)]))
    assert response.status_code == 400
    assert "De eerste 2 rijen zijn geïmporteerd" in response.text
    assert "Deze organisatie is intussen opgeheven." in response.text
    assert count(session, Question) == 2


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("Kort", "Gebruik 5 tot en met 160 tekens."),  # the form refuses it too
        ("Kozijnen\x00 voor woningen", "onzichtbare stuurtekens"),  # PostgreSQL cannot store it
        ("Kozijnen\nvoor woningen", "Dit veld is één regel"),
        ("K" * 161, "Gebruik 5 tot en met 160 tekens."),
    ],
)
def test_the_import_applies_the_text_rules_of_the_form(session, corporation, title, message):
    data = csv_bytes([QUESTION_HEADER, [KOZIJNEN[0], title, *KOZIJNEN[2:]]])
    report = services.import_csv(session, None, "questions", data, dry_run=False)
    assert [(error.row, error.column) for error in report.errors] == [(2, "titel")]
    assert message in str(report.errors[0].message)
    assert count(session, Question) == 0


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_list_exports_are_rate_limited_per_client(client):
    """An export reads the whole list: one address cannot keep the web workers busy with them."""
    statuses = [client.get("/solutions/export.csv").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
