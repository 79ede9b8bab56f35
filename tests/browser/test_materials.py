"""Building passports, material lines, future supply, impact and the map, clicked through in Chromium."""

from __future__ import annotations

import re
import urllib.request
from datetime import date

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from circular_platform.db import db
from circular_platform.models import BuildingPassport, Match
from tests.browser.conftest import COORDINATOR, CORPORATION_MEMBER, log_in

# The shape of a Madaster or inventory export as people save it from Excel: semicolons, capitals,
# decimal commas.
MADASTER_CSV = (
    "Materiaal;Euralcode;Hoeveelheid;Eenheid;Locatie\n"
    "Kalkzandsteen binnenwanden;17 01 02;42,5;ton;dragende wanden\n"
    "Steenwol isolatie;;180;m2;spouw\n"
)
LEAD = r"([\d.,]+) ton hergebruikt en ([\d.,]+) ton CO2 vermeden in (\d+) afgeronde deal"
BAD_CSV = "Materiaal;Hoeveelheid;Kleur\nDakpannen;veel;rood\n"


def material_row(page: Page, number: int, **values: str) -> None:
    """Fill row ``number`` of the material-line sub-form; ``unit`` is chosen by its label."""
    labels = {
        "material": "Materiaal",
        "eural_code": "Euralcode",
        "quantity": "Hoeveelheid",
        "condition": "Staat",
        "from_month": "Beschikbaar vanaf",
        "location": "Plaats in het gebouw",
    }
    for key, value in values.items():
        if key == "unit":
            page.get_by_label(f"Eenheid regel {number}", exact=True).select_option(label=value)
        else:
            page.get_by_label(f"{labels[key]} regel {number}", exact=True).fill(value)


def group_row(page: Page, group: str):
    return page.locator("table").first.locator("tbody tr").filter(has_text=group)


def test_register_a_building_with_materials_change_a_suggested_code_and_import_an_inventory(page: Page):
    log_in(page, CORPORATION_MEMBER)
    page.goto("/passports/")
    page.get_by_role("link", name="Gebouw registreren").click()
    page.get_by_label("Naam van het gebouw").fill("Flat Angelsloërdijk 1-40")
    page.get_by_label("Adres").fill("Angelsloërdijk 1-40")
    page.get_by_label("Gemeente").select_option(label="Emmen")
    page.get_by_label("Bouwjaar").fill("1968")
    page.get_by_label("Bruto vloeroppervlak (m²)").fill("3200")
    page.get_by_label("Geplande ingreep").select_option(label="Sloop")
    page.get_by_label("Datum van de ingreep").fill("2028-03-15")
    material_row(page, 1, material="Betonpuin", quantity="120", unit="t", condition="schoon, zonder wapening")
    material_row(page, 2, material="Houten kozijnen", quantity="40", unit="stuks", from_month="2028-03")
    material_row(page, 3, material="Gipsplaten", quantity="8,5", unit="t", location="binnenwanden")
    # A fourth material needs a fourth row: the form brings one back with what was typed.
    page.get_by_role("button", name="Regel toevoegen").click()
    expect(page.get_by_label("Materiaal regel 1", exact=True)).to_have_value("Betonpuin")
    material_row(page, 4, material="Dakgrind", quantity="30", unit="t")
    page.get_by_label("Openbaar: iedereen mag dit gebouw en zijn materialen zien").check()
    page.get_by_role("button", name="Opslaan").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Flat Angelsloërdijk 1-40")
    expect(page.locator(".alert-success")).to_contain_text("Het gebouw is geregistreerd.")
    expect(page.get_by_role("main")).to_contain_text(re.compile(r"Sloop, 03-2028"))
    # The Eural codes left empty were suggested from the material.
    materials = page.locator("table").nth(1)
    expect(materials.locator("tr", has_text="Betonpuin")).to_contain_text("17 01 01")
    expect(materials.locator("tr", has_text="Houten kozijnen")).to_contain_text("17 02 01")
    expect(materials.locator("tr", has_text="Gipsplaten")).to_contain_text("17 08 02")
    # Per material group, in tonnes; stuks are listed, not counted.
    expect(group_row(page, "17 01 beton")).to_contain_text("120")
    expect(group_row(page, "17 02 hout")).to_contain_text("Houten kozijnen: 40 stuks")
    expect(group_row(page, "17 08 gips")).to_contain_text("8,5")
    expect(page.locator("tfoot")).to_contain_text("158,5")

    # The suggestion is changed: the rubble is a mix of concrete and bricks.
    page.get_by_role("link", name="Gebouw bewerken").click()
    expect(page.get_by_label("Euralcode regel 1", exact=True)).to_have_value("17 01 01")
    page.get_by_label("Euralcode regel 1", exact=True).fill("17 01 07")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator(".alert-success")).to_contain_text("De wijzigingen zijn opgeslagen.")
    expect(page.locator("table").nth(1).locator("tr", has_text="Betonpuin")).to_contain_text("17 01 07")
    expect(page.locator("tfoot")).to_contain_text("158,5")

    # An inventory from another tool is added to the lines.
    page.get_by_label("CSV-bestand").set_input_files(
        files=[{"name": "inventarisatie.csv", "mimeType": "text/csv", "buffer": MADASTER_CSV.encode()}]
    )
    page.get_by_role("button", name="Importeren").click()
    expect(page.locator(".alert-success")).to_contain_text("De inventarisatie is toegevoegd.")
    materials = page.locator("table").nth(1)
    expect(materials.locator("tr", has_text="Kalkzandsteen binnenwanden")).to_contain_text("17 01 02")
    expect(materials.locator("tr", has_text="Steenwol isolatie")).to_contain_text("17 06 04")
    expect(page.locator("tfoot")).to_contain_text("201")  # 158,5 + 42,5 t; m² is not counted

    # A file with an unknown column adds nothing and says what is wrong, on the same page.
    page.get_by_label("CSV-bestand").set_input_files(
        files=[{"name": "fout.csv", "mimeType": "text/csv", "buffer": BAD_CSV.encode()}]
    )
    page.get_by_role("button", name="Importeren").click()
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("Er is niets toegevoegd")
    expect(problem).to_contain_text("Onbekende kolommen: kleur")
    expect(page.get_by_role("heading", level=1)).to_have_text("Flat Angelsloërdijk 1-40")
    expect(page.locator("tfoot")).to_contain_text("201")


def upcoming_demolition(app: Flask) -> tuple[str, date]:
    """The demo's office in Leeuwarden due for demolition: its name and planned date."""
    with app.app_context():
        passport = db.session.scalars(
            select(BuildingPassport).where(BuildingPassport.name.contains("gemeentekantoor"))
        ).one()
        assert passport.intervention_date is not None
        return passport.name, passport.intervention_date


def test_a_question_with_material_lines_shows_a_building_whose_materials_come_free_then(
    page: Page, live_app: Flask
):
    building, demolition = upcoming_demolition(live_app)
    log_in(page, CORPORATION_MEMBER)
    page.goto("/questions/new")
    page.get_by_label("Titel").fill("Stalen liggers en kolommen voor een nieuwe werkplaats")
    page.get_by_label("Omschrijving").fill(
        "Wij bouwen een werkplaats voor onze onderhoudsploeg en zoeken hergebruikte stalen liggers "
        "en kolommen uit sloop."
    )
    page.get_by_label("Thema").select_option(label="Bouw")
    page.get_by_label("Sector (bij Bouw)").select_option(index=1)
    page.get_by_label("Gemeente").select_option(label="Emmen")
    page.get_by_label("Materiaal regel 1", exact=True).fill("Stalen liggers en kolommen")
    page.get_by_label("Hoeveelheid regel 1", exact=True).fill("60")
    page.get_by_label("Eenheid regel 1", exact=True).select_option(label="t")
    page.get_by_label("Nodig vanaf regel 1", exact=True).fill(demolition.strftime("%Y-%m"))
    page.get_by_role("button", name="Publiceren").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Stalen liggers en kolommen voor een nieuwe werkplaats"
    )
    supply = page.locator("#vrijkomend")
    card = supply.locator(".card").filter(has=page.get_by_role("link", name=building))
    expect(card).to_contain_text(re.compile(rf"Komt vrij in \w+ {demolition.year} in Leeuwarden"))
    expect(card).to_contain_text("(sloop)")
    card.get_by_role("link", name=building).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(building)


def lead_figures(page: Page) -> tuple[float, float, int]:
    """Tonnes reused, tonnes of CO2 avoided and completed deals from the region dashboard's lead."""
    page.goto("/coordination/region")
    lead = page.locator("#impact-h").locator("xpath=ancestor::section").locator("p.lead")
    expect(lead).to_be_visible()
    text = lead.inner_text()
    found = re.search(LEAD, text)
    assert found, text
    tonnes, co2 = (float(n.replace(".", "").replace(",", ".")) for n in found.groups()[:2])
    return tonnes, co2, int(found.group(3))


def a_pilot(app: Flask) -> int:
    with app.app_context():
        return db.session.scalars(select(Match.id).where(Match.status == "pilot_opdracht")).first()


def test_complete_a_match_record_what_was_exchanged_and_see_it_on_the_region_dashboard(
    page: Page, live_app: Flask
):
    match_id = a_pilot(live_app)
    log_in(page, COORDINATOR)
    tonnes_before, _, deals_before = lead_figures(page)

    page.goto(f"/coordination/matches/{match_id}")
    page.get_by_label("Nieuwe fase").select_option(label="Afgerond")
    page.get_by_label("Notitie (optioneel)").fill("Dakpannen geleverd en gelegd.")
    page.get_by_role("button", name="Fase opslaan").click()
    expect(page.get_by_text("Deze match is afgerond.")).to_be_visible()

    exchange = page.locator("#impact")
    expect(exchange.get_by_role("heading", name="Wat is uitgewisseld?")).to_be_visible()
    exchange.get_by_label("Materiaalgroep, regel 1").select_option(index=1)
    exchange.get_by_label("Ton, regel 1").fill("25")
    exchange.get_by_label("Materiaalgroep, regel 2").select_option(index=1)
    exchange.get_by_label("Aantal producten, regel 2").fill("400")
    exchange.get_by_label("kg per product, regel 2").fill("50")
    exchange.get_by_role("button", name="Uitwisseling opslaan").click()
    expect(page.locator(".alert-success")).to_contain_text("Vastgelegd wat is uitgewisseld")
    recorded = page.locator("#impact table").first
    expect(recorded).to_contain_text("25")
    expect(recorded).to_contain_text("400 producten")

    tonnes_after, co2_after, deals_after = lead_figures(page)
    assert deals_after == deals_before + 1
    assert tonnes_after == tonnes_before + 45  # 25 t and 400 x 50 kg
    assert co2_after > 0  # the factors are being revised: only that CO2 avoided is counted
    expect(page.get_by_role("img", name=re.compile("Staafgrafiek per jaar"))).to_be_visible()


def fills(page: Page) -> dict[str, str]:
    return page.eval_on_selector_all(
        "svg.north-map path[data-code]",
        "paths => Object.fromEntries(paths.map(p => [p.dataset.code, p.getAttribute('fill')]))",
    )


def table_figure(page: Page, municipality: str) -> str:
    return page.locator("table tbody tr").filter(has_text=municipality).locator("td").last.inner_text()


def test_the_map_switches_measure_and_leads_to_the_filtered_list(page: Page):
    page.goto("/map/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kaart van het noorden")
    measures = page.get_by_role("navigation", name="Wat de kaart toont")
    expect(measures.get_by_role("link", name="Open vragen")).to_have_attribute("aria-current", "page")
    expect(page.locator("table thead")).to_contain_text("Open vragen")
    questions_shading, questions_leeuwarden = fills(page), table_figure(page, "Leeuwarden")

    measures.get_by_role("link", name="Gebouwen met vrijkomend materiaal").click()
    expect(page.get_by_role("heading", name="Gebouwen met vrijkomend materiaal per gemeente")).to_be_visible()
    expect(page.locator("table thead")).to_contain_text("Gebouwen met vrijkomend materiaal")
    assert fills(page) != questions_shading
    assert int(table_figure(page, "Leeuwarden")) >= 1  # the demo's office due for demolition
    assert table_figure(page, "Leeuwarden") != questions_leeuwarden or fills(page) != questions_shading

    page.locator("svg.north-map a").filter(has=page.locator("path[data-code='GM0080']")).click()
    expect(page).to_have_url(re.compile(r"/passports/\?.*municipality="))
    expect(page.locator("[data-filter]")).to_contain_text(
        "Gebouwen in Leeuwarden waarvan materialen vrijkomen"
    )
    expect(page.get_by_role("link", name=re.compile("gemeentekantoor"))).to_be_visible()

    page.goto("/map/?measure=solutions")
    page.locator("table").get_by_role("link", name="Emmen", exact=True).click()
    expect(page).to_have_url(re.compile(r"/solutions/\?.*municipality="))


def test_the_map_reads_without_javascript_and_credits_cbs(new_page, base_url: str):
    with urllib.request.urlopen(f"{base_url}/map/?measure=questions") as response:  # noqa: S310 (the test's own server)
        html = response.read().decode()
    assert '<svg class="north-map"' in html
    assert html.count("<path class=") >= 40
    assert html.count('<tr data-code="GM') == 40
    assert "CBS" in html

    page = new_page(java_script_enabled=False)
    page.goto("/map/")
    expect(page.locator("svg.north-map")).to_be_visible()
    expect(page.locator("table tbody tr")).to_have_count(40)
    expect(page.get_by_text(re.compile("Kadaster / CBS, 2025"))).to_be_visible()
    expect(page.get_by_role("link", name="CC BY 4.0")).to_be_visible()
    page.get_by_role("link", name="Actief aanbod").click()
    expect(page.locator("table thead")).to_contain_text("Actief aanbod")


WIDE_PAGES = ["/map/", "/passports/", "/coordination/region", "/questions/", "/dashboard", "/open-data/"]


def choose_language(page: Page, language: str) -> None:
    """The language button in the menu (folded behind its button on a phone); it is remembered
    for the account."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        # Bootstrap marks the menu "show" once it has slid open; a click while it slides submits
        # nothing (it failed CI; 10 of 75 tries on a loaded machine, none of 75 after waiting).
        expect(page.locator(".navbar-collapse")).to_have_class(re.compile(r"\bshow\b"))
    page.get_by_role("button", name=language).click()
    # The map page it comes back to is the heaviest page here: slow on a loaded CI machine.
    lang = "en" if language == "English" else "nl"
    expect(page.locator("html")).to_have_attribute("lang", lang, timeout=15_000)


def assert_fits(page: Page, width: int) -> None:
    for path in WIDE_PAGES:
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow} px wider than the {width} px screen"


@pytest.mark.parametrize("width", [1280, 390])
def test_a_coordinators_pages_fit_the_screen_in_dutch_and_english(new_page, width: int):
    """Nothing sticks out sideways: the menu folds or fits, tables scroll inside their own box."""
    page = new_page(viewport={"width": width, "height": 800})
    log_in(page, COORDINATOR)
    assert_fits(page, width)
    page.goto("/map/")
    choose_language(page, "English")
    try:
        assert_fits(page, width)
    finally:
        page.goto("/map/")
        choose_language(page, "Nederlands")  # the other tests read the coordinator's pages in Dutch


def test_a_phone_reads_a_buildings_materials_as_stacked_rows_with_every_column(new_page):
    """On a 390 px screen each material line is a block of labelled cells: its last columns (the
    condition, the place in the building) are on the screen, not behind a sideways scroll."""
    page = new_page(viewport={"width": 390, "height": 800})
    log_in(page, CORPORATION_MEMBER)
    page.goto("/passports/")
    page.get_by_role("link", name=re.compile("Rijtjeswoningen Houtweg")).click()
    table = page.locator("table.table-stacked")
    assert table.evaluate("t => t.parentElement.scrollWidth - t.parentElement.clientWidth") <= 0
    place = table.locator("td[data-label='Plaats in het gebouw']").filter(has_text="kozijnen")
    box = place.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390
