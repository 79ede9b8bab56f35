from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from circular_platform.models import ChangeLog, Question
from circular_platform.questions.services import default_valid_until
from circular_platform.regions import municipality_by_name, province_by_name


@pytest.fixture
def form_data(session, corporation):
    return {
        "organisation_id": corporation.id,
        "title": "Hergebruikte kozijnen en biobased isolatie",
        "description": "We renoveren 180 woningen in Emmen en zoeken **hergebruikte** kozijnen.",
        "theme": "bouw",
        "sector": "WU",
        "transition_paths": ["3", "4"],
        "municipality_id": municipality_by_name(session, "Emmen").id,
        "quantity": "2.500,5",
        "unit": "m2",
        "budget_min": "250.000",
        "budget_max": "400.000",
        "desired_start": "2027-03",
        "valid_until": "",  # left empty, as a browser sends it: the default date applies
        "is_procurement": "y",
        "has_circular_criteria": "y",
        "circular_criteria": "Minimaal 50% hergebruikt materiaal",
        "visibility": "public",
        "contact_id": corporation.active_members[0].id,
        "publish": "1",
    }


def test_post_question_with_dutch_numbers(client, auth, session, form_data):
    auth.login("marieke@hondsrug.example")
    response = client.post("/questions/new", data=form_data, follow_redirects=True)
    assert "Uw vraag is opgeslagen." in response.text
    question = session.scalar(select(Question).where(Question.title == form_data["title"]))
    assert str(question.quantity) == "2500.50"
    assert (question.budget_min, question.budget_max) == (250000, 400000)
    assert question.desired_start.isoformat() == "2027-03-01"
    assert question.valid_until == default_valid_until(question.created_at.date(), question.desired_start)
    assert question.status == "open"
    assert question.transition_paths == [3, 4]
    assert "2.500,5 m²" in response.text


def test_bad_input_keeps_what_was_typed(client, auth, session, form_data):
    auth.login("marieke@hondsrug.example")
    data = {**form_data, "quantity": "veel", "municipality_id": "999999", "budget_min": "500.000"}
    response = client.post("/questions/new", data=data)
    assert response.status_code == 400
    assert "Vul een getal in" in response.text
    assert 'value="veel"' in response.text
    assert "Hergebruikte kozijnen en biobased isolatie" in response.text
    assert "Kies een bestaande gemeente." in response.text
    assert re.search(r'<option value="\d+">Emmen</option>', response.text)  # the list to choose from again
    assert session.scalar(select(func.count(Question.id))) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sector": ""}, "Kies bij het thema Bouw de sector"),
        ({"budget_min": "500.000"}, "Het minimumbudget is hoger dan het maximumbudget."),
        ({"unit": ""}, "Vul een hoeveelheid én een eenheid in"),
        ({"circular_criteria": ""}, "Beschrijf welke circulaire criteria"),
        ({"title": ""}, "Dit veld is vereist."),
        ({"valid_until": "2027-02-31"}, "Ongeldige datum."),
    ],
)
def test_business_rules_name_the_field(client, auth, session, form_data, change, message):
    auth.login("marieke@hondsrug.example")
    response = client.post("/questions/new", data={**form_data, **change})
    assert response.status_code == 400
    assert message in response.text
    assert session.scalar(select(func.count(Question.id))) == 0


def test_markdown_is_sanitised(client, auth, form_data, session):
    auth.login("marieke@hondsrug.example")
    description = "Zie <script>alert(1)</script> [hier](javascript:alert(1)) en [site](https://example.org)"
    client.post("/questions/new", data={**form_data, "description": description})
    question = session.scalar(select(Question))
    page = client.get(f"/questions/{question.id}").text
    assert "<script>alert" not in page
    assert "javascript:" not in page
    assert 'href="https://example.org"' in page


def test_other_organisation_cannot_edit(
    client, auth, make_organisation, make_user, make_question, corporation
):
    question = make_question(corporation)
    other = make_organisation("Gemeente Assen", kind="gemeente", municipality="Assen")
    make_user("jan@assen.example", other)
    auth.login("jan@assen.example")
    assert client.get(f"/questions/{question.id}/edit").status_code == 403
    assert client.post(f"/questions/{question.id}/status", data={"status": "ingetrokken"}).status_code == 403


def test_members_only_question_is_hidden_from_anonymous(client, make_question, corporation):
    question = make_question(corporation, "Vertrouwelijke vraag over asbestsanering", visibility="members")
    assert client.get(f"/questions/{question.id}").status_code == 404
    assert "Vertrouwelijke vraag" not in client.get("/questions/").text


def test_concept_is_only_for_own_organisation(
    client, auth, make_question, corporation, make_user, make_organisation
):
    question = make_question(corporation, "Concept over bermgras", status="concept")
    make_user("piet@elders.example", make_organisation("Elders BV", kind="bedrijf"))
    auth.login("piet@elders.example")
    assert client.get(f"/questions/{question.id}").status_code == 404
    auth.logout()
    auth.login("marieke@hondsrug.example")
    assert "Concept over bermgras" in client.get(f"/questions/{question.id}").text


def test_status_rules(client, auth, session, make_question, corporation):
    question = make_question(corporation)
    auth.login("marieke@hondsrug.example")
    client.post(f"/questions/{question.id}/status", data={"status": "afgerond", "confirmed": "y"})
    session.refresh(question)
    assert question.status == "afgerond"
    refused = client.post(
        f"/questions/{question.id}/status", data={"status": "in_gesprek"}, follow_redirects=True
    )
    assert "Deze statuswijziging is niet mogelijk." in refused.text
    session.refresh(question)
    assert question.status == "afgerond"


def test_edit_is_logged_and_shown_to_owner(client, auth, session, make_question, corporation, form_data):
    question = make_question(corporation)
    auth.login("marieke@hondsrug.example")
    client.post(
        f"/questions/{question.id}/edit", data={**form_data, "title": "Nieuwe titel voor de kozijnen"}
    )
    entries = session.scalars(select(ChangeLog).where(ChangeLog.item_id == question.id)).all()
    assert entries[-1].changes["title"] == [
        "Hergebruikte kozijnen voor 180 woningen",
        "Nieuwe titel voor de kozijnen",
    ]
    assert "Wijzigingsgeschiedenis" in client.get(f"/questions/{question.id}").text
    auth.logout()
    assert "Wijzigingsgeschiedenis" not in client.get(f"/questions/{question.id}").text


def test_filters_combine(client, make_question, corporation, make_organisation):
    make_question(corporation, "Kozijnen in Emmen")
    groningen = make_organisation("Gemeente Groningen", kind="gemeente", municipality="Groningen")
    make_question(groningen, "Circulair asfalt in Groningen", sector="GWW", municipality="Groningen")
    make_question(groningen, "Bermgras verwerken", theme="biomassa_voedsel", municipality="Groningen")
    page = client.get("/questions/?theme=bouw&sector=GWW").text
    assert "Circulair asfalt in Groningen" in page
    assert "Kozijnen in Emmen" not in page
    assert "Bermgras" not in page
    assert "1 vraag gevonden" in page
    assert "Geen vragen gevonden" in client.get("/questions/?theme=kunststoffen").text


def test_english_users_write_numbers_the_english_way(client, auth, session, form_data):
    auth.login("marieke@hondsrug.example")
    client.post("/language", data={"language": "en"})
    data = {**form_data, "quantity": "2,500.5", "budget_min": "250,000", "budget_max": "400,000"}
    client.post("/questions/new", data=data)
    question = session.scalar(select(Question).where(Question.title == form_data["title"]))
    assert str(question.quantity) == "2500.50"
    assert question.budget_min == 250000


def field_value(page: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)[1]


def test_edit_shows_the_budget_and_saves_it_unchanged(client, auth, session, form_data):
    auth.login("marieke@hondsrug.example")
    client.post("/questions/new", data=form_data)
    question = session.scalar(select(Question))
    page = client.get(f"/questions/{question.id}/edit").text
    shown = {
        name: field_value(page, name) for name in ("quantity", "budget_min", "budget_max", "desired_start")
    }
    assert shown == {
        "quantity": "2.500,5",
        "budget_min": "250.000",
        "budget_max": "400.000",
        "desired_start": "2027-03",
    }
    response = client.post(f"/questions/{question.id}/edit", data={**form_data, **shown})
    assert response.status_code == 302
    session.refresh(question)
    assert (question.quantity, question.budget_min, question.budget_max) == (
        Decimal("2500.5"),
        250000,
        400000,
    )


def test_edit_in_english_shows_english_numbers(client, auth, session, form_data):
    auth.login("marieke@hondsrug.example")
    client.post("/questions/new", data=form_data)
    question = session.scalar(select(Question))
    client.post("/language", data={"language": "en"})
    page = client.get(f"/questions/{question.id}/edit").text
    assert field_value(page, "quantity") == "2,500.5"
    assert field_value(page, "budget_min") == "250,000"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quantity": "1" * 40}, "Vul een hoeveelheid in van 0 tot en met 999.999.999.999,99"),
        ({"quantity": "-5"}, "Vul een hoeveelheid in van 0 tot en met"),
        ({"quantity": "2,555"}, "met hoogstens twee decimalen"),
        ({"budget_max": "1" * 40}, "Vul een bedrag in van 0 tot en met 2.147.483.647 euro."),
        ({"budget_min": "-1"}, "Vul een bedrag in van 0 tot en met"),
        ({"budget_min": "1,5"}, "Vul een bedrag in hele euro's in"),
        ({"desired_start": "13-2027"}, "Vul een maand in als jjjj-mm"),
    ],
)
def test_numbers_the_columns_cannot_hold_are_refused(client, auth, session, form_data, change, message):
    auth.login("marieke@hondsrug.example")
    response = client.post("/questions/new", data={**form_data, **change})
    assert response.status_code == 400
    assert message in response.text


def test_a_refused_edit_leaves_the_question_as_it_was(client, auth, session, form_data):
    auth.login("marieke@hondsrug.example")
    client.post("/questions/new", data=form_data)
    question = session.scalar(select(Question))
    changed = {**form_data, "title": "Een nieuwe titel die niet mag", "sector": ""}
    response = client.post(f"/questions/{question.id}/edit", data=changed)
    assert response.status_code == 400
    assert "Kies bij het thema Bouw de sector" in response.text
    assert "Een nieuwe titel die niet mag" in response.text  # what was typed
    session.refresh(question)
    assert question.title == form_data["title"]
    assert question.sector == "WU"


def test_the_draft_button_saves_a_draft(client, auth, session, form_data):
    auth.login("marieke@hondsrug.example")
    data = {key: value for key, value in form_data.items() if key != "publish"}
    client.post("/questions/new", data={**data, "concept": "1"})
    assert session.scalar(select(Question)).status == "concept"


def test_the_contact_must_be_one_of_the_organisations_people(client, auth, session, form_data, make_user):
    stranger = make_user("piet@elders.example")
    auth.login("marieke@hondsrug.example")
    response = client.post("/questions/new", data={**form_data, "contact_id": stranger.id})
    assert response.status_code == 400
    assert session.scalar(select(func.count(Question.id))) == 0


def test_a_coordinator_names_a_contact_of_the_organisation_the_question_is_for(
    client, auth, session, form_data, coordinator, company
):
    """The form offers a coordinator the people of every organisation; the question takes only
    those of the one it is posted for."""
    auth.login("sanne@nice.example")
    hennepbouw = company.active_members[0]
    response = client.post("/questions/new", data={**form_data, "contact_id": hennepbouw.id})
    assert response.status_code == 400
    assert "De contactpersoon moet lid zijn van de organisatie." in response.text
    assert "Hergebruikte kozijnen en biobased isolatie" in response.text  # what was typed stays
    assert session.scalar(select(func.count(Question.id))) == 0
    marieke = form_data["contact_id"]
    assert client.post("/questions/new", data={**form_data, "contact_id": marieke}).status_code == 302
    assert session.scalar(select(Question.contact_id)) == marieke


def test_a_coordinator_chooses_the_contact_under_the_name_of_their_organisation(
    client, auth, coordinator, corporation, company
):
    auth.login("sanne@nice.example")
    page = client.get("/questions/new").text
    contacts = page[
        page.index('name="contact_id"') : page.index("</select>", page.index('name="contact_id"'))
    ]
    groups = re.findall(r'<optgroup label="([^"]+)">\s*<option[^>]*>([^<]+)</option>', contacts)
    assert groups == [("Hennepbouw Drenthe", "Info"), ("Woonstichting Hondsrug", "Marieke")]


def test_a_member_of_one_organisation_chooses_among_its_people_by_name(client, auth, corporation, make_user):
    make_user("rik@hondsrug.example", corporation)
    auth.login("marieke@hondsrug.example")
    page = client.get("/questions/new").text
    contacts = page[
        page.index('name="contact_id"') : page.index("</select>", page.index('name="contact_id"'))
    ]
    assert "optgroup" not in contacts
    assert re.findall(r"<option[^>]*>([^<]+)</option>", contacts) == ["Marieke", "Rik"]


def status_buttons(html: str) -> list[tuple[str, str]]:
    """(status posted, button text) of each status form on a detail page, in page order."""
    forms = re.findall(r'<form method="post" action="[^"]*/status"[^>]*>(.*?)</form>', html, re.S)
    return [
        (
            re.search(r'name="status" value="([^"]+)"', form)[1],
            re.search(r"<button[^>]*>\s*(.*?)\s*</button>", form, re.S)[1],
        )
        for form in forms
    ]


@pytest.mark.parametrize(
    ("status", "buttons"),
    [
        ("concept", [("open", "Publiceren"), ("ingetrokken", "Intrekken…")]),
        (
            "open",
            [
                ("in_gesprek", "Markeren als in gesprek"),
                ("afgerond", "Afronden…"),
                ("ingetrokken", "Intrekken…"),
            ],
        ),
        ("afgerond", [("open", "Heropenen")]),
    ],
)
def test_each_allowed_status_change_is_its_own_button(
    client, auth, make_question, corporation, status, buttons
):
    question = make_question(corporation, status=status)
    auth.login("marieke@hondsrug.example")
    html = client.get(f"/questions/{question.id}").text
    assert status_buttons(html) == buttons
    assert "<select" not in html.split("Status wijzigen", 1)[1]


def test_publishing_a_draft_takes_one_click(client, auth, session, make_question, corporation):
    question = make_question(corporation, status="concept")
    auth.login("marieke@hondsrug.example")
    client.post(f"/questions/{question.id}/status", data={"status": "open"})
    session.refresh(question)
    assert question.status == "open"


@pytest.mark.parametrize("status", ["afgerond", "ingetrokken"])
def test_closing_a_question_asks_first(client, auth, session, make_question, corporation, status):
    question = make_question(corporation, "Kozijnen voor Emmen")
    auth.login("marieke@hondsrug.example")
    asked = client.post(f"/questions/{question.id}/status", data={"status": status})
    assert asked.status_code == 200
    assert "Weet u het zeker?" in asked.text
    assert f'name="status" value="{status}"' in asked.text
    assert 'name="confirmed" value="y"' in asked.text
    assert f'href="/questions/{question.id}"' in asked.text
    session.refresh(question)
    assert question.status == "open"
    client.post(f"/questions/{question.id}/status", data={"status": status, "confirmed": "y"})
    session.refresh(question)
    assert question.status == status


@pytest.mark.parametrize(("email", "expected"), [(None, 2), ("marieke@hondsrug.example", 3)])
def test_home_counts_the_open_questions_the_reader_can_find(
    client, auth, session, make_question, corporation, email, expected
):
    for title in ("Kozijnen", "Dakpannen"):
        make_question(corporation, title)
    make_question(corporation, "Alleen voor deelnemers", visibility="members")
    if email:
        auth.login(email)
    drenthe = province_by_name(session, "Drenthe").id
    link = re.search(
        rf'<a class="stat[^"]*" href="([^"]*province={drenthe}[^"]*status=open[^"]*)">(\d+)</a>',
        client.get("/").text,
    )
    listed = client.get(link[1].replace("&amp;", "&")).text
    assert int(link[2]) == expected == listed.count('<article class="card mb-2">')
