"""Supply bundles: material lines of several owners' buildings that come free together, proposed on
the coordinators' future-supply view, confirmed and followed like demand bundles; and the view's CSV."""

from __future__ import annotations

import csv
import re
from datetime import date

import pytest
from sqlalchemy import select

from circular_platform.api import tokens
from circular_platform.models import (
    AuditAction,
    AuditEntry,
    BundleStatus,
    MaterialLine,
    SupplyBundle,
    TokenScope,
)
from circular_platform.regions import province_by_name

NEXT_YEAR = date.today().year + 1


@pytest.fixture
def buildings(session, corporation, make_organisation, make_user, make_passport):
    """Wood coming free in Drenthe in the first half of next year at two owners (35 t), concrete at one
    owner, and wood in Fryslân. The corporation keeps its passport private."""
    school = make_organisation("Hogeschool Noorderlicht", kind="onderwijs", municipality="Hoogeveen")
    make_user("facilitair@noorderlicht.example", school)
    friesland = make_organisation("Gemeente Leeuwarden", kind="gemeente", municipality="Leeuwarden")
    flat = make_passport(
        corporation,
        "Flat Angelslo",
        release=date(NEXT_YEAR, 3, 1),
        published=False,
        lines=(
            ("Houten kozijnen", "17 02 01", "30", "ton"),
            ("Dakbeschot", "17 02 01", "120", "m2"),
            ("Betonnen vloeren", "17 01 01", "40", "ton"),
        ),
    )
    school_building = make_passport(
        school,
        "Schoolgebouw Hoogeveen",
        "Hoogeveen",
        release=date(NEXT_YEAR, 6, 1),
        lines=(("Houten vloerdelen", "17 02 01", "10", "m3"),),  # 0,5 t/m³: 5 t
    )
    make_passport(
        friesland,
        "Kantoor Leeuwarden",
        "Leeuwarden",
        release=date(NEXT_YEAR, 4, 1),
        lines=(("Balken", "17 02 01", "8", "ton"),),
    )
    session.commit()
    return flat, school_building


def wood_lines(flat, school_building) -> list[MaterialLine]:
    return [
        line
        for line in (*flat.material_lines, *school_building.material_lines)
        if line.eural_code == "17 02 01"
    ]


def confirm(client, lines, label="Hout uit Drenthe", proposal=""):
    data = {"line_ids": [line.id for line in lines], "label": label, "proposal": proposal}
    return client.post("/coordination/supply/bundles", data=data)


def test_a_coordinator_bundles_the_proposed_lines_of_two_owners(
    client, auth, session, coordinator, buildings
):
    flat, school_building = buildings
    auth.login(coordinator.email)
    page = client.get("/coordination/supply").text
    proposals = page.split('id="supply-proposals"')[1]
    assert "17 02 hout, glas en kunststof · Drenthe" in proposals
    assert "35 ton" in proposals
    assert "uit 2 gebouwen" in proposals
    assert "van 2 eigenaren" in proposals
    assert "Balken" not in proposals  # Fryslân: another province, one owner
    assert "Betonnen vloeren" not in proposals  # concrete comes free at one owner only

    response = confirm(client, wood_lines(flat, school_building))
    bundle = session.scalars(select(SupplyBundle)).one()
    assert response.status_code == 302
    assert response.location.endswith(f"/coordination/supply/bundles/{bundle.id}")
    assert (bundle.material_group, bundle.province.name, bundle.status) == (
        "17 02",
        "Drenthe",
        BundleStatus.EXPLORING,
    )

    page = client.get(response.location).text
    table = page.split("supply-bundle-lines")[1].split("</table>")[0]
    for material in ("Houten kozijnen", "Dakbeschot", "Houten vloerdelen"):
        assert material in table
    assert "Woonstichting Hondsrug" in table
    assert "Hogeschool Noorderlicht" in table
    assert re.search(r"Houten vloerdelen.*?>5</td>", table, re.S)
    assert re.search(r"Totaal</th><td[^>]*>35</td>", table)
    assert f"vrij van maart {NEXT_YEAR} tot juni {NEXT_YEAR}" in page

    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.BUNDLE_CREATED)).one()
    assert (entry.target_type, entry.target_id, entry.actor_email) == (
        "supply_bundle",
        bundle.id,
        coordinator.email,
    )
    later = client.get("/coordination/supply").text
    assert "Hout uit Drenthe" in later.split('id="supply-bundles"')[1]
    assert "Houten vloerdelen" not in later.split('id="supply-proposals"')[1]  # taken by the bundle


def test_the_bundle_page_shows_open_questions_its_materials_fit(
    client, auth, session, coordinator, company, make_question, buildings
):
    question = make_question(
        company,
        "Hergebruikte houten kozijnen en vloerdelen voor nieuwbouw",
        description="Wij zoeken tweedehands houten kozijnen en houten vloerdelen.",
        desired_start=date(NEXT_YEAR, 9, 1),
    )
    too_late = make_question(  # more than a year after the last line comes free
        company,
        "Houten kozijnen en vloerdelen gezocht over twee jaar",
        description="Wij zoeken tweedehands houten kozijnen en vloerdelen.",
        desired_start=date(NEXT_YEAR + 1, 9, 1),
    )
    auth.login(coordinator.email)
    response = confirm(client, wood_lines(*buildings))
    questions = client.get(response.location).text.split('id="questions"')[1]
    assert question.title in questions
    assert too_late.title not in questions


def test_another_regions_coordinator_and_a_member_are_refused(
    client, auth, session, coordinator, make_user, buildings
):
    auth.login(coordinator.email)
    bundle_url = confirm(client, wood_lines(*buildings)).location
    auth.logout()
    frisian = make_user("coordinator@fryslan.example", is_coordinator=True)
    frisian.coordinated_province_id = province_by_name(session, "Fryslân").id
    session.commit()

    auth.login(frisian.email)
    assert client.get(bundle_url).status_code == 404
    assert client.post(f"{bundle_url}/name", data={"label": "Van mij"}).status_code == 404
    page = client.get("/coordination/supply").text
    assert "Hout uit Drenthe" not in page
    assert "Houten kozijnen" not in page.split('id="supply-proposals"')[1]
    auth.logout()

    auth.login("marieke@hondsrug.example")  # owns one of the buildings in the bundle
    assert client.get(bundle_url).status_code == 404
    assert client.get("/coordination/supply.csv").status_code == 403
    assert confirm(client, wood_lines(*buildings)).status_code == 403


def test_a_coordinator_of_another_province_may_not_confirm_drenthe_lines(
    client, auth, session, make_user, buildings
):
    frisian = make_user("coordinator@fryslan.example", is_coordinator=True)
    frisian.coordinated_province_id = province_by_name(session, "Fryslân").id
    session.commit()
    auth.login(frisian.email)
    assert confirm(client, wood_lines(*buildings)).status_code == 403
    assert session.scalars(select(SupplyBundle)).all() == []


def test_lines_are_added_removed_and_the_status_followed(client, auth, session, coordinator, buildings):
    flat, school_building = buildings
    auth.login(coordinator.email)
    lines = wood_lines(flat, school_building)
    bundle_url = confirm(client, lines).location
    roof = next(line for line in lines if line.material == "Dakbeschot")

    assert client.post(f"{bundle_url}/lines/{roof.id}/remove").status_code == 302
    page = client.get(bundle_url).text
    assert "Dakbeschot" not in page.split("supply-bundle-lines")[1].split("</table>")[0]
    kept = next(line for line in lines if line.material == "Houten kozijnen")
    client.post(f"{bundle_url}/lines/{kept.id}/remove")
    assert "Een bundel houdt minstens twee materialen" in client.get(bundle_url).text

    assert client.post(f"{bundle_url}/lines", data={"line_id": roof.id}).status_code == 302
    assert client.post(f"{bundle_url}/status", data={"status": "gegund"}).status_code == 302
    bundle = session.scalars(select(SupplyBundle)).one()
    session.refresh(bundle)
    assert bundle.status == BundleStatus.AWARDED
    assert {line.material for line in bundle.lines} == {"Houten kozijnen", "Dakbeschot", "Houten vloerdelen"}
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.target_type == "supply_bundle")
    ).all()
    assert actions == [
        AuditAction.BUNDLE_CREATED,
        AuditAction.BUNDLE_LINE_REMOVED,
        AuditAction.BUNDLE_LINE_ADDED,
        AuditAction.BUNDLE_STATUS_CHANGED,
    ]


def test_form_errors_keep_what_was_typed(client, auth, session, coordinator, buildings):
    flat, school_building = buildings
    auth.login(coordinator.email)
    first_line = wood_lines(flat, school_building)[:1]
    page = client.get("/coordination/supply").text
    key = re.search(r'name="proposal" value="([^"]+)"', page).group(1)
    response = confirm(client, first_line, label="Mijn eigen naam", proposal=key)
    assert response.status_code == 400
    assert 'value="Mijn eigen naam"' in response.text
    assert "Kies minstens twee materialen." in response.text
    ticked = re.findall(r'name="line_ids" value="(\d+)"[^>]*?(checked)?>', response.text)
    assert [int(value) for value, checked in ticked if checked] == [first_line[0].id]

    bundle_url = confirm(client, wood_lines(flat, school_building)).location
    response = client.post(f"{bundle_url}/name", data={"label": "ab"})
    assert response.status_code == 400
    assert 'value="ab"' in response.text
    assert session.scalars(select(SupplyBundle.label)).one() == "Hout uit Drenthe"


def test_the_supply_csv_has_the_tables_figures(client, auth, session, coordinator, buildings):
    auth.login(coordinator.email)
    drenthe = province_by_name(session, "Drenthe")
    page = client.get(f"/coordination/supply?province={drenthe.id}").text
    assert f'href="/coordination/supply.csv?province={drenthe.id}"' in page
    response = client.get(f"/coordination/supply.csv?province={drenthe.id}")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(response.data.decode("utf-8-sig").splitlines(), delimiter=";"))
    by_group = {row["materiaalgroep"]: row for row in rows}
    wood = by_group["17 02"]
    assert (wood["regio"], wood[f"{NEXT_YEAR}-K1"], wood[f"{NEXT_YEAR}-K2"]) == ("Drenthe", "30,0", "5,0")
    assert (wood["totaal_ton"], wood["regels_zonder_gewicht"]) == ("35,0", "1")
    assert by_group["17 01"][f"{NEXT_YEAR}-K1"] == "40,0"
    total = next(row for row in rows if row["omschrijving"] == "Totaal")
    assert total["totaal_ton"] == "75,0"  # without the 8 t in Fryslân
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.DATA_EXPORTED)).one()


def test_the_supply_bundles_csv_lists_the_bundles_the_coordinator_follows(
    client, auth, session, coordinator, make_user, buildings
):
    auth.login(coordinator.email)
    confirm(client, wood_lines(*buildings))
    assert 'href="/coordination/supply/bundles.csv"' in client.get("/coordination/supply").text
    rows = list(
        csv.DictReader(
            client.get("/coordination/supply/bundles.csv").data.decode("utf-8-sig").splitlines(),
            delimiter=";",
        )
    )
    assert [(row["bundel"], row["status"], row["materiaalgroep"], row["regio"]) for row in rows] == [
        ("Hout uit Drenthe", "Verkenning", "17 02", "Drenthe")
    ]
    assert (rows[0]["ton"], rows[0]["regels_zonder_gewicht"], rows[0]["gebouwen"]) == ("35,0", "1", "2")
    assert rows[0]["eigenaren"] == "Woonstichting Hondsrug, Hogeschool Noorderlicht"
    assert (rows[0]["eerste_vrijkomst"], rows[0]["laatste_vrijkomst"]) == (
        f"{NEXT_YEAR}-03",
        f"{NEXT_YEAR}-06",
    )
    auth.logout()

    frisian = make_user("coordinator@fryslan.example", is_coordinator=True)
    frisian.coordinated_province_id = province_by_name(session, "Fryslân").id
    session.commit()
    auth.login(frisian.email)
    assert "Hout uit Drenthe" not in client.get("/coordination/supply/bundles.csv").data.decode("utf-8-sig")
    auth.logout()
    auth.login("marieke@hondsrug.example")
    assert client.get("/coordination/supply/bundles.csv").status_code == 403


def test_an_administrator_limits_a_coordinator_to_a_province(
    client, auth, session, coordinator, make_user, buildings
):
    auth.login(coordinator.email)
    bundle_url = confirm(client, wood_lines(*buildings)).location
    auth.logout()
    make_user("beheer@example.org", is_admin=True)
    auth.login("beheer@example.org")
    groningen = province_by_name(session, "Groningen")
    response = client.post(f"/admin/users/{coordinator.id}/province", data={"province_id": groningen.id})
    assert response.status_code == 302
    assert "coördinator Groningen" in client.get("/admin/users").text
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.COORDINATOR_PROVINCE_CHANGED)
    ).one()
    assert (entry.target_id, entry.detail["new"]) == (coordinator.id, "Groningen")
    auth.logout()

    auth.login(coordinator.email)
    assert client.get(bundle_url).status_code == 404  # a Drenthe bundle
    assert client.get("/coordination/supply").status_code == 200  # the table stays theirs to read


def test_lines_more_than_a_year_apart_are_not_proposed_together(
    client, auth, session, coordinator, corporation, make_organisation, make_passport
):
    school = make_organisation("Hogeschool Noorderlicht", kind="onderwijs", municipality="Hoogeveen")
    wood = (("Houten kozijnen", "17 02 01", "30", "ton"),)
    make_passport(corporation, "Flat Angelslo", release=date(NEXT_YEAR, 3, 1), lines=wood)
    make_passport(school, "School Hoogeveen", "Hoogeveen", release=date(NEXT_YEAR + 1, 4, 1), lines=wood)
    session.commit()
    auth.login(coordinator.email)
    proposals = client.get("/coordination/supply").text.split('id="supply-proposals"')[1]
    assert "Geen voorstellen" in proposals


def test_an_owner_editing_the_building_keeps_its_lines_in_the_bundle(
    client, auth, session, coordinator, buildings
):
    flat, school_building = buildings
    auth.login(coordinator.email)
    bundle_page = confirm(client, wood_lines(flat, school_building)).location
    auth.logout()

    auth.login("marieke@hondsrug.example")
    kept = {"Houten kozijnen": ("17 02 01", "36", "ton"), "Dakbeschot": ("17 02 01", "120", "m2")}
    data = {
        "organisation_id": flat.organisation_id,
        "name": flat.name,
        "municipality_id": flat.municipality_id,
        "intervention": "sloop",
        "intervention_date": flat.intervention_date.isoformat(),
    }
    for number, (material, (code, quantity, unit)) in enumerate(kept.items()):
        data |= {
            f"material_lines-{number}-material": material,
            f"material_lines-{number}-eural_code": code,
            f"material_lines-{number}-quantity": quantity,
            f"material_lines-{number}-unit": unit,
        }
    response = client.post(f"/passports/{flat.id}/edit", data=data)
    assert response.status_code == 302
    auth.logout()

    auth.login(coordinator.email)
    table = client.get(bundle_page).text.split("supply-bundle-lines")[1].split("</table>")[0]
    assert "Houten kozijnen" in table
    assert "Dakbeschot" in table
    assert re.search(r"Totaal</th><td[^>]*>41</td>", table)  # 36 t of frames + 5 t of floorboards


def test_the_api_gives_a_bundle_to_its_provinces_coordinators_only(
    client, auth, session, coordinator, make_user, buildings
):
    auth.login(coordinator.email)
    bundle_id = int(confirm(client, wood_lines(*buildings)).location.rsplit("/", 1)[1])
    auth.logout()
    frisian = make_user("coordinator@fryslan.example", is_coordinator=True)
    frisian.coordinated_province_id = province_by_name(session, "Fryslân").id
    session.commit()

    def token(user) -> dict:
        _token, secret = tokens.create_token(session, user, "inkoop", TokenScope.READ)
        session.commit()
        return {"Authorization": f"Bearer {secret}"}

    listed = client.get("/api/v1/supply-bundles", headers=token(coordinator)).get_json()
    assert [b["id"] for b in listed["items"]] == [bundle_id]
    bundle = client.get(f"/api/v1/supply-bundles/{bundle_id}", headers=token(coordinator)).get_json()
    assert (bundle["label"], bundle["material_group"], bundle["province"]["name"]) == (
        "Hout uit Drenthe",
        "17 02",
        "Drenthe",
    )
    assert bundle["tonnes"] == 35.0  # 30 t of window frames and 10 m³ of floorboards (5 t); m² not counted
    assert {line["passport"]["name"] for line in bundle["lines"]} == {
        "Flat Angelslo",
        "Schoolgebouw Hoogeveen",
    }
    assert {line["available_from"] for line in bundle["lines"]} == {
        f"{NEXT_YEAR}-03-01",
        f"{NEXT_YEAR}-06-01",
    }

    marieke = make_user("inkoop2@hondsrug.example")  # not a coordinator
    for headers in (token(frisian), token(marieke), {}):
        assert client.get("/api/v1/supply-bundles", headers=headers).get_json()["total"] == 0
        assert client.get(f"/api/v1/supply-bundles/{bundle_id}", headers=headers).status_code == 404
