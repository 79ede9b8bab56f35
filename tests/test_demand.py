from __future__ import annotations

import codecs
import csv
import itertools
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from circular_platform import regions
from circular_platform.demand import figures, services
from circular_platform.errors import DomainError
from circular_platform.models import BundleStatus, DemandBundle

RENOVATION = (
    "Wij renoveren huurwoningen en zoeken biobased isolatie en hergebruikte kozijnen voor de renovatie."
)
ASPHALT = "Groot onderhoud van wegen met asfaltgranulaat: circulair asfalt op lage temperatuur."


@pytest.fixture
def corporations(make_organisation):
    return [
        make_organisation("Woonstichting Hondsrug", municipality="Emmen"),
        make_organisation("Woonconcern Drentse Aa", municipality="Assen"),
        make_organisation("Martinihuis", municipality="Groningen"),
    ]


@pytest.fixture
def demand(make_question, make_organisation, corporations):
    """Three renovation questions of three corporations (two in Drenthe) and one asphalt question."""
    hondsrug, drentse_aa, martini = corporations
    gemeente = make_organisation("Gemeente Groningen", kind="gemeente", municipality="Groningen")
    unit = {"unit": "woning"}
    return {
        "hondsrug": make_question(
            hondsrug,
            "Biobased isolatie en kozijnen voor 180 woningen",
            description=RENOVATION,
            quantity=Decimal(180),
            **unit,
        ),
        "drentse_aa": make_question(
            drentse_aa,
            "Renovatie 240 woningen: biobased isolatie, hergebruikte kozijnen",
            description=RENOVATION,
            municipality="Assen",
            quantity=Decimal(240),
            **unit,
        ),
        "martini": make_question(
            martini,
            "Na-isolatie en kozijnen bij renovatie 400 woningen",
            description=RENOVATION,
            municipality="Groningen",
            quantity=Decimal(400),
            **unit,
        ),
        "asfalt": make_question(
            gemeente,
            "Circulair asfalt voor fietsroutes",
            description=ASPHALT,
            municipality="Groningen",
            sector="GWW",
            quantity=Decimal("24000.5"),
            unit="m2",
        ),
    }


def csv_rows(response) -> list[list[str]]:
    assert response.mimetype == "text/csv"
    assert response.data.startswith(codecs.BOM_UTF8)
    return [line.split(";") for line in response.data.decode("utf-8-sig").splitlines()]


# -- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/coordination/region", "/coordination/procurement", "/coordination/procurement.csv"]
)
def test_only_coordinators_follow_demand(client, auth, make_user, make_organisation, coordinator, path):
    make_user("piet@example.org", organisation=make_organisation())
    assert client.get(path).status_code == 302  # to the login page
    auth.login("piet@example.org")
    assert client.get(path).status_code == 403
    auth.logout()
    auth.login("sanne@nice.example")
    assert client.get(path).status_code == 200


# -- region dashboard ---------------------------------------------------------------------------


def test_dashboard_sums_per_unit_and_counts_organisations(client, auth, coordinator, demand):
    auth.login("sanne@nice.example")
    page = client.get("/coordination/region").get_data(as_text=True)
    assert "820 woningen" in page
    assert "3 organisaties" in page
    assert "24.000,5 m²" in page  # never added to the woningen
    assert "4 open vragen" in page


def test_dashboard_for_a_province_and_theme(client, auth, session, coordinator, demand):
    drenthe = regions.province_by_name(session, "Drenthe")
    auth.login("sanne@nice.example")
    page = client.get(f"/coordination/region?province={drenthe.id}&theme=bouw").get_data(as_text=True)
    assert "Open vraag in Drenthe" in page
    assert "420 woningen" in page
    assert "24.000,5" not in page


def test_questions_without_quantity_are_counted_apart(make_question, corporations):
    question = make_question(corporations[0])
    summary = figures.summarise([question])
    assert summary.quantities == []
    assert summary.without_quantity == 1


def test_closed_questions_are_not_open_demand(session, make_question, corporations):
    make_question(corporations[0], quantity=Decimal(10), unit="woning", status="afgerond")
    make_question(corporations[1], quantity=Decimal(20), unit="woning", status="in_gesprek")
    total = figures.total_demand(session, figures.Scope())
    assert [(q.unit, q.total) for q in total.quantities] == [("woning", Decimal(20))]


def test_quarters_count_what_is_still_open(session, demand):
    demand["hondsrug"].created_at = datetime(2025, 2, 1, tzinfo=UTC)
    demand["drentse_aa"].created_at = datetime(2025, 3, 31, tzinfo=UTC)
    demand["martini"].created_at = datetime(2025, 8, 1, tzinfo=UTC)
    demand["asfalt"].created_at = datetime(2025, 11, 1, tzinfo=UTC)
    session.commit()
    rows = figures.quarters(session, figures.Scope(), date(2026, 1, 5))
    assert [(q.label, q.new.questions, q.open_at_end) for q in rows] == [
        ("2025 K1", 2, 2),
        ("2025 K2", 0, 2),
        ("2025 K3", 1, 3),
        ("2025 K4", 1, 4),
        ("2026 K1", 0, 4),
    ]
    assert [(q.unit, q.total) for q in rows[0].new.quantities] == [("woning", Decimal(420))]


def test_dashboard_csv_has_a_row_per_theme_and_unit(client, auth, coordinator, demand):
    auth.login("sanne@nice.example")
    rows = csv_rows(client.get("/coordination/region/demand.csv"))
    assert rows[0] == ["regio", "thema", "eenheid", "hoeveelheid", "vragen", "organisaties"]
    assert ["Noord-Nederland", "Bouw", "woningen", "820", "3", "3"] in rows
    assert ["Noord-Nederland", "Bouw", "m²", "24000,5", "1", "1"] in rows


def test_quarter_chart_is_svg_without_script(client, auth, coordinator, demand):
    auth.login("sanne@nice.example")
    response = client.get("/coordination/region/quarters.svg")
    assert response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data
    assert b"<script" not in response.data
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"].split("style-src")[0]


# -- procurement monitor ------------------------------------------------------------------------


@pytest.fixture
def procurements(session, make_question, corporations):
    """2020: three procurements in Drenthe, one with circular criteria; 2022: one in Groningen."""
    specs = [
        (corporations[0], "Emmen", 2020, True),
        (corporations[0], "Emmen", 2020, False),
        (corporations[1], "Assen", 2020, False),
        (corporations[2], "Groningen", 2022, True),
    ]
    for organisation, municipality, year, circular in specs:
        question = make_question(
            organisation,
            municipality=municipality,
            is_procurement=True,
            has_circular_criteria=circular,
            circular_criteria="Minimaal 50% hergebruikt materiaal" if circular else "",
        )
        question.created_at = datetime(year, 5, 1, tzinfo=UTC)
    make_question(corporations[0], "Geen aanbesteding", is_procurement=False).created_at = datetime(
        2020, 5, 1, tzinfo=UTC
    )
    session.commit()


def test_procurement_share_per_year_and_province(session, procurements):
    monitor = figures.procurement_monitor(session, date(2023, 6, 1))
    assert monitor.years == [2019, 2020, 2021, 2022, 2023]
    drenthe_2020 = monitor.cell(2020, "Drenthe")
    assert (drenthe_2020.procurements, drenthe_2020.circular) == (3, 1)
    assert drenthe_2020.share == pytest.approx(1 / 3)
    assert drenthe_2020.target == pytest.approx(0.20)
    assert monitor.cell(2022, "Noord-Nederland").share == 1.0
    assert monitor.cell(2021, "Noord-Nederland").share is None  # no procurement: no share, not 0%
    assert monitor.cell(2023, "Groningen").target == 1.0
    assert figures.target(2018) is None


def test_procurement_page_shows_dash_for_years_without_procurement(client, auth, coordinator, procurements):
    auth.login("sanne@nice.example")
    page = client.get("/coordination/procurement").get_data(as_text=True)
    row_2021 = page.split('<th scope="row">2021</th>')[1].split("</tr>")[0]
    assert row_2021.count("—") == 3  # Drenthe, Groningen, Noord-Nederland
    assert ">0%<" not in row_2021
    assert "33%" in page
    assert "1 van 3" in page


def test_procurement_csv_uses_decimal_comma(client, auth, coordinator, procurements):
    auth.login("sanne@nice.example")
    rows = csv_rows(client.get("/coordination/procurement.csv"))
    assert rows[0][:4] == ["jaar", "regio", "aanbestedingen", "met_circulaire_criteria"]
    assert ["2020", "Drenthe", "3", "1", "33,3", "20,0"] in rows
    assert ["2021", "Noord-Nederland", "0", "0", "", "40,0"] in rows


def test_procurement_chart_draws_the_target(client, auth, coordinator, procurements):
    auth.login("sanne@nice.example")
    response = client.get("/coordination/procurement.svg")
    assert response.mimetype == "image/svg+xml"
    assert b"Streefwaarde" in response.data
    assert b"<script" not in response.data


# -- bundles ------------------------------------------------------------------------------------


def test_proposals_group_similar_questions_of_different_organisations(client, auth, coordinator, demand):
    auth.login("sanne@nice.example")
    page = client.get("/coordination/bundles?threshold=0.2").get_data(as_text=True)
    proposal = page.split("Voorstellen")[1].split('id="pairs"')[0]  # the pairs below have forms too
    assert proposal.count('name="question_ids"') == 3
    for key in ("hondsrug", "drentse_aa", "martini"):
        assert f'name="question_ids" value="{demand[key].id}"' in proposal
    assert f'name="question_ids" value="{demand["asfalt"].id}"' not in proposal
    assert "820 woningen" in proposal


def test_with_many_open_questions_the_newest_are_compared_and_the_page_says_so(
    client, auth, monkeypatch, coordinator, demand
):
    """The comparison grows with the square of the questions: past COMPARED_AT_MOST, only the
    newest are compared, and the coordinator is told how to reach the older ones."""
    monkeypatch.setattr(services, "COMPARED_AT_MOST", 3)  # the three newest: two renovations, asphalt
    auth.login("sanne@nice.example")
    page = client.get("/coordination/bundles?threshold=0.2").get_data(as_text=True)
    proposal = page.split("Voorstellen")[1].split('id="pairs"')[0]
    assert "komen uit de 3 nieuwste" in proposal
    assert f'name="question_ids" value="{demand["hondsrug"].id}"' not in proposal  # the oldest
    for key in ("drentse_aa", "martini"):
        assert f'name="question_ids" value="{demand[key].id}"' in proposal

    monkeypatch.setattr(services, "COMPARED_AT_MOST", 4)
    page = client.get("/coordination/bundles?threshold=0.2").get_data(as_text=True)
    assert "nieuwste" not in page
    assert page.split("Voorstellen")[1].split('id="pairs"')[0].count('name="question_ids"') == 3


def test_threshold_is_clamped():
    assert services.clamp_threshold("0,3") == pytest.approx(0.3)
    assert services.clamp_threshold("7") == services.MAX_THRESHOLD
    assert services.clamp_threshold("niets") == services.DEFAULT_THRESHOLD


def confirm(client, demand, *keys, label="Renovatie huurwoningen"):
    ids = [demand[key].id for key in keys]
    return client.post("/coordination/bundles", data={"question_ids": ids, "label": label})


def test_confirming_a_proposal_saves_the_bundle(client, auth, session, coordinator, demand):
    auth.login("sanne@nice.example")
    response = confirm(client, demand, "hondsrug", "drentse_aa")
    bundle = session.scalars(select(DemandBundle)).one()
    assert response.headers["Location"].endswith(f"/coordination/bundles/{bundle.id}")
    assert bundle.label == "Renovatie huurwoningen"
    assert bundle.status == BundleStatus.EXPLORING
    assert bundle.theme == "bouw"
    assert bundle.province.name == "Drenthe"
    page = client.get(f"/coordination/bundles/{bundle.id}").get_data(as_text=True)
    assert "420 woningen" in page
    assert "2 organisaties" in page
    # Bundled questions are no longer proposed.
    listing = client.get("/coordination/bundles").get_data(as_text=True)
    assert f'name="question_ids" value="{demand["hondsrug"].id}"' not in listing


def test_a_question_is_in_one_active_bundle(client, auth, session, coordinator, demand):
    auth.login("sanne@nice.example")
    confirm(client, demand, "hondsrug", "drentse_aa")
    confirm(client, demand, "hondsrug", "martini", label="Nog een")
    assert session.scalars(select(DemandBundle)).all()[-1].label == "Renovatie huurwoningen"
    assert "zit al in een andere lopende bundel" in client.get("/coordination/bundles").get_data(as_text=True)


def test_one_organisation_is_no_bundle(session, coordinator, make_question, corporations):
    first = make_question(corporations[0], "Kozijnen A")
    second = make_question(corporations[0], "Kozijnen B")
    with pytest.raises(DomainError):
        services.confirm_bundle(session, coordinator, [first.id, second.id], "", figures.Scope())


def test_bundle_edits(client, auth, session, coordinator, demand):
    auth.login("sanne@nice.example")
    confirm(client, demand, "hondsrug", "drentse_aa")
    bundle = session.scalars(select(DemandBundle)).one()
    url = f"/coordination/bundles/{bundle.id}"
    client.post(f"{url}/name", data={"label": "Gezamenlijke renovatie Drenthe"})
    client.post(f"{url}/status", data={"status": "gezamenlijke_uitvraag"})
    client.post(f"{url}/questions", data={"question_id": demand["martini"].id})
    session.refresh(bundle)
    assert bundle.label == "Gezamenlijke renovatie Drenthe"
    assert bundle.status == BundleStatus.JOINT_TENDER
    assert {q.id for q in bundle.questions} == {demand[k].id for k in ("hondsrug", "drentse_aa", "martini")}
    assert "820 woningen" in client.get(url).get_data(as_text=True)
    client.post(f"{url}/questions/{demand['martini'].id}/remove")
    client.post(f"{url}/questions/{demand['drentse_aa'].id}/remove")  # refused: two questions left
    session.refresh(bundle)
    assert {q.id for q in bundle.questions} == {demand["hondsrug"].id, demand["drentse_aa"].id}
    assert "minstens twee vragen" in client.get(url).get_data(as_text=True)


def test_the_add_form_offers_the_open_questions_most_like_the_bundle_first(
    client, auth, session, monkeypatch, coordinator, demand, make_question, corporations
):
    auth.login("sanne@nice.example")
    confirm(client, demand, "hondsrug", "drentse_aa")
    bundle = session.scalars(select(DemandBundle)).one()
    unrelated = make_question(corporations[2], "Zand voor de zandbak van het schoolplein", sector="GWW")
    monkeypatch.setattr(services, "ADDABLE_SHOWN", 1)
    page = client.get(f"/coordination/bundles/{bundle.id}").get_data(as_text=True)
    add_form = page.split('name="question_id"')[1].split("</select>")[0]
    assert f'value="{demand["martini"].id}"' in add_form  # the third renovation of 180-400 homes
    assert f'value="{unrelated.id}"' not in add_form
    assert f'value="{demand["asfalt"].id}"' not in add_form


def test_finished_bundle_frees_its_questions(session, coordinator, demand):
    ids = [demand["hondsrug"].id, demand["drentse_aa"].id]
    first = services.confirm_bundle(session, coordinator, ids, "Eerste", figures.Scope())
    services.change_status(session, first, BundleStatus.COMPLETED)
    services.confirm_bundle(session, coordinator, ids, "Tweede", figures.Scope())
    with pytest.raises(DomainError):
        services.change_status(session, first, BundleStatus.EXPLORING)


def test_members_see_their_bundles_read_only(
    client, auth, session, make_user, coordinator, demand, corporations
):
    bundle = services.confirm_bundle(
        session, coordinator, [demand["hondsrug"].id, demand["drentse_aa"].id], "Renovatie", figures.Scope()
    )
    session.commit()
    make_user("inkoop@hondsrug.example", organisation=corporations[0])
    make_user("inkoop@martini.example", organisation=corporations[2])
    auth.login("inkoop@hondsrug.example")
    page = client.get(f"/coordination/bundles/{bundle.id}").get_data(as_text=True)
    assert "Renovatie" in page
    assert "Naam opslaan" not in page
    assert "Renovatie" in client.get("/coordination/bundles").get_data(as_text=True)
    assert client.post(f"/coordination/bundles/{bundle.id}/name", data={"label": "Anders"}).status_code == 403
    auth.logout()
    auth.login("inkoop@martini.example")
    assert client.get(f"/coordination/bundles/{bundle.id}").status_code == 404
    assert "Renovatie" not in client.get("/coordination/bundles").get_data(as_text=True)


def test_bundles_csv(client, auth, session, coordinator, demand):
    auth.login("sanne@nice.example")
    confirm(client, demand, "hondsrug", "drentse_aa", "martini")
    rows = csv_rows(client.get("/coordination/bundles.csv"))
    assert rows[1] == ["Renovatie huurwoningen", "Verkenning", "Bouw", "3", "3", "820 woningen"]


def test_candidate_solutions_serve_every_municipality(
    client, auth, session, coordinator, demand, make_organisation, make_solution
):
    company = make_organisation("Hennepbouw", kind="bedrijf", municipality="Emmen")
    make_solution(company, "Biobased isolatie en kozijnen voor renovatie van woningen", area=["Drenthe"])
    make_solution(company, "Biobased isolatie voor woningrenovatie in heel Nederland", area=["Nederland"])
    auth.login("sanne@nice.example")
    confirm(client, demand, "hondsrug", "martini")  # Emmen (Drenthe) and Groningen
    bundle = session.scalars(select(DemandBundle)).one()
    page = client.get(f"/coordination/bundles/{bundle.id}").get_data(as_text=True)
    offers = page.split("Aanbod voor de hele bundel")[1]
    assert "in heel Nederland" in offers
    assert "kozijnen voor renovatie van woningen" not in offers
    assert re.search(r"(Sterke|Goede|Mogelijke) match", offers)  # as on the match cards
    assert "overeenkomst" not in offers
    assert not re.search(r"\d+%", offers)


def test_bundles_csv_runs_no_formula_from_a_label(client, auth, session, coordinator, demand):
    auth.login("sanne@nice.example")
    label = '=HYPERLINK("https://example.org/x","Klik")'
    confirm(client, demand, "hondsrug", "drentse_aa", label=label)
    response = client.get("/coordination/bundles.csv")
    rows = list(csv.reader(response.data.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows[1][0] == "'" + label  # Excel shows the text instead of running it


SVG = {"svg": "http://www.w3.org/2000/svg"}


def line_stretches(svg: bytes, series: str) -> list[list[float]]:
    """The x positions of each uninterrupted stretch of ``series``'s line in a pygal line chart."""
    tree = ElementTree.fromstring(svg)
    legends = tree.iterfind(".//svg:g[@id]", SVG)
    index = {g.findtext("svg:text", namespaces=SVG): g.get("id") for g in legends}[series].split("-")[-1]
    stretches = []
    for path in tree.iterfind(f".//svg:g[@class='series serie-{index} color-{index}']/svg:path", SVG):
        for stretch in path.get("d").split("M")[1:]:
            numbers = stretch.replace("L", " ").split()
            stretches.append([float(x) for x in numbers[0::2]])
    return stretches


def test_procurement_chart_leaves_a_gap_for_a_year_without_procurement(
    client, auth, session, coordinator, procurements, make_question, corporations
):
    for year in (2019, 2022, 2023):  # Drenthe: 2019, 2020, nothing in 2021, 2022, 2023
        question = make_question(corporations[0], municipality="Emmen", is_procurement=True)
        question.created_at = datetime(year, 5, 1, tzinfo=UTC)
    session.commit()
    auth.login("sanne@nice.example")
    svg = client.get("/coordination/procurement.svg").data
    axis = ElementTree.fromstring(svg).iterfind(".//svg:g[@class='axis x']//svg:text", SVG)
    year_x = {text.text: float(text.get("x")) for text in axis}
    for region in ("Drenthe", "Noord-Nederland"):
        stretches = line_stretches(svg, region)
        assert len(stretches) >= 2, region
        for xs in stretches:
            assert not any(a < year_x["2021"] < b for a, b in itertools.pairwise(xs)), region


def test_hidden_labels_in_a_scrolling_table_stay_inside_it(app, client, auth, coordinator, procurements):
    """The procurement table marks shares below target with a visually hidden text, which is absolutely
    positioned: only a positioned .table-responsive keeps it from widening the page on a phone."""
    auth.login("sanne@nice.example")
    page = client.get("/coordination/procurement").text
    assert re.search(r'<div class="table-responsive">\s*<table', page)
    css = (Path(app.static_folder) / "app.css").read_text()
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.S))
    assert any(
        ".table-responsive" in selector.split(",") and "position: relative" in body
        for selector, body in ((s.strip(), b) for s, b in rules)
    )
