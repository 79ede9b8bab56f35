"""Building passports: registering, the inventory per material group in tonnes, CSV import, privacy."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from circular_platform.models import BuildingPassport, Intervention, MaterialLine
from circular_platform.passports import services
from circular_platform.regions import municipality_by_name

INVENTORY = (
    "Materiaal;Euralcode;Hoeveelheid;Eenheid;Locatie\n"
    "Betonnen vloeren;17 01 01;120;m3;begane grond\n"
    "Bakstenen gevel;;85,5;t;gevels\n"
    "Houten kozijnen;17 02 01;64;stuks;gevels\n"
    "Koperen leidingen;17 04 01;350;kg;installaties\n"
)


@pytest.fixture
def passport(session, corporation):
    data = {
        "name": "Rijtjeswoningen Emmerhout",
        "address": "Houtweg 1-24",
        "municipality": municipality_by_name(session, "Emmen"),
        "construction_year": 1964,
        "floor_area": 2100,
        "intervention": Intervention.RENOVATION,
        "intervention_date": date(2028, 3, 1),
        "published": False,
        "material_lines": [],
    }
    passport = services.register_passport(session, corporation, data)
    services.import_inventory(session, passport, INVENTORY.encode())
    session.commit()
    return passport


def test_a_member_registers_a_building_by_hand(client, auth, session, corporation):
    auth.login("marieke@hondsrug.example")
    response = client.post(
        "/passports/new",
        data={
            "organisation_id": corporation.id,
            "name": "Basisschool De Wegwijzer",
            "municipality_id": municipality_by_name(session, "Emmen").id,
            "construction_year": "1972",
            "intervention": "sloop",
            "intervention_date": "2028-06-01",
            "material_lines-0-material": "gipsplaten",
            "material_lines-0-quantity": "12",
            "material_lines-0-unit": "ton",
            "material_lines-0-location": "binnenwanden",
        },
        follow_redirects=True,
    )
    assert "Het gebouw is geregistreerd." in response.text
    line = session.scalars(select(MaterialLine)).one()
    assert (line.eural_code, line.location) == ("17 08 02", "binnenwanden")
    assert "Sloop, 06-2028" in response.text


def test_an_intervention_needs_its_date(client, auth, session, corporation):
    auth.login("marieke@hondsrug.example")
    response = client.post(
        "/passports/new",
        data={
            "organisation_id": corporation.id,
            "name": "Kantoor",
            "municipality_id": municipality_by_name(session, "Emmen").id,
            "intervention": "sloop",
        },
    )
    assert response.status_code == 400
    assert "Vul ook de datum van de ingreep in." in response.text
    assert session.scalar(select(func.count()).select_from(BuildingPassport)) == 0


def test_the_inventory_is_totalled_in_tonnes_per_material_group(client, auth, passport):
    auth.login("marieke@hondsrug.example")
    page = client.get(f"/passports/{passport.id}").text
    # 120 m³ concrete at 2.4 t/m³ = 288 t; 85.5 t bricks; 350 kg copper = 0.35 t; frames in stuks: left out
    assert "17 01 beton, stenen, tegels en keramische producten" in page
    assert ">373,5<" in page  # group 17 01: 288 + 85.5
    assert "Totaal: 373,85 ton." in page
    assert "Houten kozijnen: 64 stuks" in page  # shown in its own unit, outside the total


def test_an_english_reader_sees_the_material_groups_and_codes_in_english(client, auth, passport):
    auth.login("marieke@hondsrug.example")
    client.post("/language", data={"language": "en"})
    page = client.get(f"/passports/{passport.id}").text
    assert "17 01 Concrete, bricks, tiles and ceramics" in page
    assert "17 04 Metals (including their alloys)" in page
    assert ">Copper, bronze, brass<" in page  # the description next to 17 04 01
    assert "beton, stenen, tegels" not in page


def test_the_import_reads_a_madaster_style_file_and_suggests_missing_codes(passport):
    lines = {line.material: line for line in passport.material_lines}
    assert lines["Bakstenen gevel"].eural_code == "17 01 02"
    assert lines["Bakstenen gevel"].quantity == Decimal("85.5")
    assert lines["Koperen leidingen"].location == "installaties"


def test_an_import_with_bad_rows_names_them_and_adds_nothing(client, auth, session, passport):
    auth.login("marieke@hondsrug.example")
    bad = "materiaal;euralcode;hoeveelheid;eenheid\nglas;17 02 02;3;t\n;;4;t\n"
    bad += "staal;17 04 05;5;vaten\nhout;99 99 99;;\n"
    response = client.post(
        f"/passports/{passport.id}/import",
        data={"file": (io.BytesIO(bad.encode()), "inventaris.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Regel 3: vul het materiaal in." in response.text
    assert "Regel 4: onbekende eenheid vaten" in response.text
    assert "Regel 5: 99 99 99 is geen Euralcode." in response.text
    assert session.scalar(select(func.count()).select_from(MaterialLine)) == 4


def test_a_passport_is_private_until_published(client, auth, session, passport, company):
    assert client.get(f"/passports/{passport.id}").status_code == 404
    auth.login("info@hennepbouw.example")
    assert client.get(f"/passports/{passport.id}").status_code == 404
    assert "Rijtjeswoningen Emmerhout" not in client.get("/passports/").text
    passport.published = True
    session.commit()
    assert client.get(f"/passports/{passport.id}").status_code == 200
    assert "Rijtjeswoningen Emmerhout" in client.get("/passports/").text


def test_a_company_cannot_register_buildings_nor_edit_others(client, auth, session, passport, company):
    auth.login("info@hennepbouw.example")
    assert client.get("/passports/new").status_code == 403
    passport.published = True
    session.commit()
    assert client.get(f"/passports/{passport.id}/edit").status_code == 403


def test_members_see_the_navigation_link(client, auth, corporation):
    assert "Gebouwen" not in client.get("/").text
    auth.login("marieke@hondsrug.example")
    assert 'href="/passports/"' in client.get("/").text


def test_the_export_has_a_row_per_material_line_and_its_rows_import_again(
    client, auth, session, passport, make_passport, company
):
    make_passport(passport.organisation, "Stadhuis Assen", "Assen", published=True)
    auth.login("marieke@hondsrug.example")
    emmen = municipality_by_name(session, "Emmen").id
    listing = client.get(f"/passports/?municipality={emmen}").text
    assert f'href="/passports/export.csv?municipality={emmen}"' in listing
    exported = client.get(f"/passports/export.csv?municipality={emmen}")
    assert exported.mimetype == "text/csv"
    lines = exported.data.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "gebouw;eigenaar;adres;gemeente;bouwjaar;vloeroppervlak;ingreep;datum_ingreep;"
        "materiaal;euralcode;hoeveelheid;eenheid;locatie;staat;beschikbaar_vanaf"
    )
    assert len(lines) == 5  # the four lines of Emmerhout, not the town hall in Assen
    assert lines[2] == (
        "Rijtjeswoningen Emmerhout;Woonstichting Hondsrug;Houtweg 1-24;Emmen;1964;2100;renovatie;2028-03-01;"
        "Bakstenen gevel;17 01 02;85,5;ton;gevels;;"
    )

    copy = make_passport(passport.organisation, "Kopie", lines=())
    assert services.import_inventory(session, copy, exported.data) == []
    assert [(line.material, line.quantity, line.unit) for line in copy.material_lines] == [
        (line.material, line.quantity, line.unit) for line in passport.material_lines
    ]

    auth.logout()  # the passport is not published: others export without it
    anonymous = client.get("/passports/export.csv").data.decode("utf-8-sig")
    assert "Emmerhout" not in anonymous
    assert "Stadhuis Assen" in anonymous


def test_an_import_reads_the_available_from_date(session, passport):
    bad = "materiaal;beschikbaar_vanaf\nglas;2029-04-01\nstaal;april\n"
    assert services.import_inventory(session, passport, bad.encode()) == [
        "Regel 3: beschikbaar vanaf is geen datum als jjjj-mm-dd."
    ]
    session.rollback()
    assert (
        services.import_inventory(session, passport, b"materiaal;beschikbaar_vanaf\nglas;2029-04-01\n") == []
    )
    assert passport.material_lines[-1].from_date == date(2029, 4, 1)
