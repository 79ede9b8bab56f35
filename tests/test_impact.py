"""Recording what a completed deal exchanged, the CO2 it avoided, and the impact on the dashboard."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from sqlalchemy import delete

from circular_platform.accounts import privacy
from circular_platform.demand.figures import Scope
from circular_platform.impact import factors, figures, services
from circular_platform.impact.services import LineInput
from circular_platform.models import ExchangeLine, Match, MatchStatus


@pytest.fixture
def deal(session, make_organisation, make_user, make_question, make_solution):
    """A completed match between a housing corporation in Emmen and a demolition company."""
    corporation = make_organisation("Woonstichting Hondsrug", municipality="Emmen")
    make_user("marieke@hondsrug.example", corporation)
    company = make_organisation("Sloop en Hergebruik Noord", kind="bedrijf", municipality="Assen")
    make_user("pieter@sloop.example", company)
    question = make_question(corporation, "Betongranulaat voor 40 woningen")
    solution = make_solution(company, "Betongranulaat uit sloop")
    session.execute(delete(Match))
    match = Match(question=question, solution=solution, score=0.6, status=MatchStatus.COMPLETED)
    session.add(match)
    session.commit()
    return match


def line(prefix: int, group: str, tonnes: str = "", products: str = "", kg: str = "", new: bool = False):
    fields = {
        f"lines-{prefix}-material_group": group,
        f"lines-{prefix}-tonnes": tonnes,
        f"lines-{prefix}-products": products,
        f"lines-{prefix}-kg_per_product": kg,
    }
    return fields | ({f"lines-{prefix}-new_material": "y"} if new else {})


def record(client, match, *lines):
    data = {k: v for fields in lines for k, v in fields.items()}
    return client.post(f"/coordination/matches/{match.id}/impact", data=data, follow_redirects=True)


def test_a_party_records_tonnes_and_products_on_a_completed_match(client, auth, session, deal):
    auth.login("pieter@sloop.example")
    page = record(client, deal, line(0, "concrete", tonnes="12,5"), line(1, "wood", products="20", kg="50"))
    assert "Vastgelegd wat is uitgewisseld" in page.text
    rows = session.query(ExchangeLine).filter_by(match_id=deal.id).order_by(ExchangeLine.id).all()
    assert [(r.material_group, r.weight_tonnes) for r in rows] == [("concrete", 12.5), ("wood", 1.0)]
    assert "Beton" in page.text
    assert "20 producten" in page.text


def test_recording_again_replaces_the_lines(client, auth, session, deal):
    auth.login("marieke@hondsrug.example")
    record(client, deal, line(0, "concrete", tonnes="10"))
    record(client, deal, line(0, "bricks", tonnes="3"))
    assert [r.material_group for r in session.query(ExchangeLine).filter_by(match_id=deal.id)] == ["bricks"]


def test_a_line_without_quantity_is_refused(client, auth, session, deal):
    auth.login("marieke@hondsrug.example")
    page = record(client, deal, line(0, "concrete"))
    assert "aantal ton of het aantal producten" in page.text
    assert session.query(ExchangeLine).count() == 0


def test_a_negative_weight_is_refused_naming_the_row_in_plain_words(client, auth, session, deal):
    auth.login("marieke@hondsrug.example")
    page = record(client, deal, line(0, "concrete", tonnes="4"), line(1, "wood", tonnes="-3")).text
    assert "Regel 2, Ton: Vul een hoeveelheid in" in page
    assert "{" not in page[page.index('class="alert') :].split("</div>")[0]  # no raw error dictionary
    assert page.count("Vul een hoeveelheid in") == 1
    assert session.query(ExchangeLine).count() == 0


def test_no_recording_before_completion(client, auth, session, deal):
    deal.status = MatchStatus.PILOT_OR_CONTRACT
    session.commit()
    auth.login("marieke@hondsrug.example")
    assert "Wat is uitgewisseld?" not in client.get(f"/coordination/matches/{deal.id}").text
    assert record(client, deal, line(0, "concrete", tonnes="10")).status_code == 403
    assert session.query(ExchangeLine).count() == 0


def test_outsiders_cannot_record(client, auth, session, deal, make_organisation, make_user):
    make_user("kees@elders.example", make_organisation("Elders BV", kind="bedrijf", municipality="Groningen"))
    auth.login("kees@elders.example")
    assert record(client, deal, line(0, "concrete", tonnes="10")).status_code == 404
    assert session.query(ExchangeLine).count() == 0


def test_tonnes_and_co2_follow_the_factor(session, deal, make_user):
    admin = make_user("admin@example.org", is_admin=True)
    services.adjust_factor(session, "concrete", 100.0, 20.0, admin)
    lines = [LineInput("concrete", tonnes=10.0), LineInput("concrete", products=500, kg_per_product=4.0)]
    services.record_exchange(session, deal, admin, lines)
    impact = figures.impact(session, Scope())
    assert impact.total.tonnes == pytest.approx(12.0)
    assert impact.total.co2_kg == pytest.approx(12.0 * 80)  # (100 − 20) kg per tonne
    assert impact.per_province["Drenthe"].tonnes == pytest.approx(12.0)
    assert impact.per_theme["bouw"].co2_tonnes == pytest.approx(0.96)


def shipped_csv() -> tuple[list[str], dict[str, dict[str, str]]]:
    """The data file as it ships: its comment lines, and its rows by group."""
    text = (Path(factors.__file__).parent.parent / "data" / "emission_factors.csv").read_text("utf-8")
    notes = [line for line in text.splitlines() if line.startswith("#")]
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return notes, {row["group"]: row for row in rows}


def test_the_data_file_names_source_edition_licence_and_row_of_every_figure():
    notes, rows = shipped_csv()
    assert "GHG Conversion Factors for Company Reporting 2025 (DESNZ)" in notes[0]
    assert "Open Government Licence v3.0" in notes[1]
    for row in rows.values():
        ids = row["desnz_rows"].split("; ")
        assert len(ids) == (2 if row["reuse_kg_per_t"] else 1), row["group"]
        assert all(re.fullmatch(r"19_50\d_5\d{3}_15_1", i) for i in ids), row["group"]
        assert (row["reuse_basis"] in ("Re-used", "Closed-loop source")) == bool(row["reuse_kg_per_t"])
    assert "verified" not in rows["concrete"]


def test_co2_avoided_is_primary_minus_reuse_factor_from_the_data_file(session, deal, coordinator):
    services.record_exchange(
        session, deal, coordinator, [LineInput("concrete", tonnes=10.0), LineInput("wood", tonnes=4.0)]
    )
    # By hand from the CSV (DESNZ 2025): concrete 118.79306 − 3.21835, wood 269.50416 − 38.54288.
    by_hand = 10 * (118.79306 - 3.21835) + 4 * (269.50416 - 38.54288)
    impact = figures.impact(session, Scope())
    assert by_hand == pytest.approx(1155.7471 + 923.84512)
    assert impact.total.co2_kg == pytest.approx(by_hand)
    assert impact.total.tonnes == pytest.approx(14.0)
    assert impact.without_reuse_factor == []


def test_a_group_without_reuse_factor_counts_tonnes_but_claims_no_co2(
    client, auth, session, deal, coordinator
):
    assert factors.shipped()["bricks"].reuse is None  # DESNZ 2025 gives no re-use figure for bricks
    lines = [LineInput("bricks", tonnes=8.0), LineInput("concrete", tonnes=2.0)]
    services.record_exchange(session, deal, coordinator, lines)
    session.commit()
    impact = figures.impact(session, Scope())
    assert impact.total.tonnes == pytest.approx(10.0)
    assert impact.total.co2_kg == pytest.approx(2 * (118.79306 - 3.21835))
    assert [f.group for f in impact.without_reuse_factor] == ["bricks"]
    auth.login("sanne@nice.example")
    page = client.get("/coordination/region").text
    assert "De bron geeft geen factor voor hergebruik van Bakstenen" in page


def test_an_administrator_can_give_bricks_a_reuse_factor(client, auth, session, deal, make_user, coordinator):
    make_user("admin@example.org", is_admin=True)
    services.record_exchange(session, deal, coordinator, [LineInput("bricks", tonnes=8.0)])
    session.commit()
    auth.login("admin@example.org")
    page = client.get("/admin/emission-factors").text
    assert "Construction: Bricks" in page
    client.post("/admin/emission-factors/bricks", data={"primary": "241,79306", "reuse": "41,79306"})
    assert figures.impact(session, Scope()).total.co2_kg == pytest.approx(8 * 200.0)
    dashboard = client.get("/coordination/region").text
    assert "Bakstenen: 241,79306 / 41,79306 in plaats van 241,79306 / geen uit de bron" in dashboard
    assert "De bron geeft geen factor voor hergebruik" not in dashboard


def test_an_adjusted_factor_changes_the_figure_and_is_shown(
    client, auth, session, deal, make_user, coordinator
):
    make_user("admin@example.org", is_admin=True)
    services.record_exchange(session, deal, coordinator, [LineInput("concrete", tonnes=10.0)])
    session.commit()
    auth.login("admin@example.org")
    page = client.post(
        "/admin/emission-factors/concrete", data={"primary": "1.003,2", "reuse": "3,2"}, follow_redirects=True
    )
    assert "Factor opgeslagen" in page.text
    assert "aangepast" in page.text
    assert "118,79306" in page.text
    assert "1.003,2" in page.text
    dashboard = client.get("/coordination/region").text
    assert "een beheerder heeft voor deze cijfers emissiefactoren aangepast" in dashboard
    assert "Beton: 1.003,2 / 3,2 in plaats van 118,79306 / 3,21835 uit de bron" in dashboard
    assert "10 ton hergebruikt en 10 ton CO2 vermeden" in dashboard  # 10 t × 1000 kg/t


def test_only_administrators_adjust_factors(client, auth, coordinator):
    auth.login("sanne@nice.example")
    assert client.get("/admin/emission-factors").status_code == 403
    assert (
        client.post("/admin/emission-factors/concrete", data={"primary": "1", "reuse": "0"}).status_code
        == 403
    )


def test_dashboard_shows_impact_charts_table_share_and_csv(client, auth, session, deal, coordinator):
    lines = [LineInput("concrete", tonnes=30.0), LineInput("concrete", tonnes=70.0, new_material=True)]
    services.record_exchange(session, deal, coordinator, lines)
    session.commit()
    auth.login("sanne@nice.example")
    page = client.get("/coordination/region").text
    assert "30 ton hergebruikt" in page
    assert "in 1 afgeronde deal" in page
    assert "Bron van de factoren: UK Government GHG Conversion Factors" in page
    assert "Material use, 2025, Open Government Licence v3.0" in page
    assert "aangepast" not in page
    assert "30% van het vastgelegde materiaal hergebruikt" in page
    assert "50%" in page
    for chart in ("year", "province", "theme"):
        svg = client.get(f"/coordination/region/impact-{chart}.svg")
        assert svg.mimetype == "image/svg+xml"
        assert b"<script" not in svg.data
    csv = client.get("/coordination/region/impact.csv").data.decode("utf-8-sig")
    header, row = csv.splitlines()[:2]
    assert header.startswith("regio;provincie;thema;jaar;ton_hergebruikt;ton_co2_vermeden")
    expected_co2 = 30 * factors.shipped()["concrete"].avoided_per_tonne / 1000
    assert row.startswith("Noord-Nederland;Drenthe;Bouw;")
    assert f"{expected_co2:.3f}".replace(".", ",") in row
    assert ";70" in row


def test_owners_do_not_see_the_dashboard(client, auth, deal):
    auth.login("marieke@hondsrug.example")
    assert client.get("/coordination/region/impact.csv").status_code == 403


def test_saving_the_shipped_values_drops_the_adjustment(client, auth, session, make_user):
    make_user("admin@example.org", is_admin=True)
    auth.login("admin@example.org")
    client.post("/admin/emission-factors/concrete", data={"primary": "200", "reuse": "3,21835"})
    assert factors.factors(session)["concrete"].adjusted
    shipped = {"primary": "118,79306", "reuse": "3,21835"}
    page = client.post("/admin/emission-factors/concrete", data=shipped, follow_redirects=True)
    assert 'value="3,21835"' in page.text  # every decimal, so saving the row as shown changes nothing
    assert not factors.factors(session)["concrete"].adjusted


def test_erasing_a_user_keeps_the_figures_without_their_name(session, deal, make_user):
    admin = make_user("admin@example.org", is_admin=True)
    services.record_exchange(session, deal, admin, [LineInput("concrete", tonnes=5.0)])
    services.adjust_factor(session, "wood", 300.0, 10.0, admin)
    session.commit()
    privacy.erase(session, admin)
    session.commit()
    (line,) = session.query(ExchangeLine).all()
    assert line.recorded_by_id is None
    assert line.tonnes == 5.0
    assert factors.factors(session)["wood"].primary == 300.0
