"""The JSON API: who sees what, tokens, writes through the forms' services, errors, open data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from circular_platform.api import tokens
from circular_platform.db import db
from circular_platform.errors import DomainError
from circular_platform.impact import factors, services
from circular_platform.impact.services import LineInput
from circular_platform.matches import services as matches
from circular_platform.models import ApiToken, BuildingPassport, Match, MatchStatus, Question, TokenScope
from circular_platform.regions import municipality_by_name


@pytest.fixture
def make_token(session):
    def make(user, scope: str = "read_write", name: str = "inkoopsysteem") -> dict:
        _token, secret = tokens.create_token(session, user, name, TokenScope(scope))
        session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make


@pytest.fixture
def two_organisations(corporation, make_organisation, make_user):
    """Hondsrug (org A, marieke@) and Lefier (org B, jan@)."""
    other = make_organisation("Lefier", municipality="Groningen")
    make_user("jan@lefier.example", other)
    return corporation, other


def question_payload(session, **changes) -> dict:
    return {
        "title": "Biobased isolatiemateriaal voor 180 woningen",
        "description": "Wij zoeken hennep of ander biobased isolatiemateriaal voor de renovatie.",
        "theme": "bouw",
        "sector": "WU",
        "municipality_id": municipality_by_name(session, "Emmen").id,
        "visibility": "public",
        **changes,
    }


def user(session, email: str):
    from circular_platform.accounts.services import user_by_email

    return user_by_email(session, email)


# -- reading: who sees what ---------------------------------------------------------------------


def test_anonymous_callers_see_only_public_items(client, two_organisations, make_question):
    hondsrug, _ = two_organisations
    public = make_question(hondsrug, "Hergebruikte kozijnen voor 180 woningen")
    members_only = make_question(hondsrug, "Dakpannen voor leden alleen", visibility="members")
    listed = client.get("/api/v1/questions/").get_json()
    assert [q["id"] for q in listed["items"]] == [public.id]
    assert listed["items"][0]["contact"] is None  # contact persons are for signed-in users
    assert client.get(f"/api/v1/questions/{members_only.id}").status_code == 404


def test_a_token_reads_members_only_items_and_contacts(
    client, session, two_organisations, make_question, make_token
):
    hondsrug, _ = two_organisations
    marieke = user(session, "marieke@hondsrug.example")
    members_only = make_question(
        hondsrug, "Dakpannen voor leden alleen", visibility="members", contact=marieke
    )
    public = make_question(hondsrug, "Hergebruikte kozijnen", contact=marieke)
    headers = make_token(user(session, "jan@lefier.example"), scope="read")
    found = client.get(f"/api/v1/questions/{members_only.id}", headers=headers).get_json()
    assert found["title"] == "Dakpannen voor leden alleen"
    assert found["contact"] == {"name": "Marieke", "email": "marieke@hondsrug.example"}
    assert found["url"].endswith(f"/questions/{members_only.id}")
    assert client.get(f"/api/v1/questions/{public.id}").get_json()["contact"] is None


def test_another_organisations_draft_does_not_exist_for_a_token(
    client, session, two_organisations, make_question, make_token
):
    hondsrug, _ = two_organisations
    draft = make_question(hondsrug, "Concept: zonnepanelen hergebruiken", status="concept")
    headers = make_token(user(session, "jan@lefier.example"))
    assert client.get(f"/api/v1/questions/{draft.id}", headers=headers).status_code == 404
    change = client.patch(
        f"/api/v1/questions/{draft.id}", json={"title": "Overgenomen vraag"}, headers=headers
    )
    assert change.status_code == 404
    assert change.get_json()["error"]["code"] == "not_found"
    session.refresh(draft)
    assert draft.title == "Concept: zonnepanelen hergebruiken"
    own = make_token(user(session, "marieke@hondsrug.example"))
    assert client.get(f"/api/v1/questions/{draft.id}", headers=own).status_code == 200


def test_a_visible_question_of_another_organisation_cannot_be_changed(
    client, session, two_organisations, make_question, make_token
):
    hondsrug, _ = two_organisations
    question = make_question(hondsrug)
    headers = make_token(user(session, "jan@lefier.example"))
    response = client.patch(
        f"/api/v1/questions/{question.id}", json={"title": "Overgenomen"}, headers=headers
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_lists_filter_like_the_pages_and_page_in_a_stable_order(client, two_organisations, make_question):
    hondsrug, lefier = two_organisations
    made = [make_question(hondsrug, f"Kozijnen voor woningen nummer {n}") for n in range(3)]
    make_question(
        lefier, "Koffiedik verwerken in Groningen", theme="biomassa_voedsel", municipality="Groningen"
    )
    first = client.get("/api/v1/questions/?theme=bouw&per_page=2").get_json()
    second = client.get("/api/v1/questions/?theme=bouw&per_page=2&page=2").get_json()
    assert (first["total"], first["pages"]) == (3, 2)
    ids = [q["id"] for q in first["items"] + second["items"]]
    assert ids == [q.id for q in reversed(made)]  # newest first, every one once
    groningen = client.get(f"/api/v1/questions/?province={lefier.municipality.province_id}").get_json()
    assert [q["title"] for q in groningen["items"]] == ["Koffiedik verwerken in Groningen"]
    assert client.get("/api/v1/questions/?status=onbekend").status_code == 422


# -- tokens -------------------------------------------------------------------------------------


def test_a_token_is_made_on_the_account_page_shown_once_and_stored_hashed(client, auth, session, corporation):
    auth.login("marieke@hondsrug.example")
    page = client.post("/account/tokens", data={"name": "Inkoopsysteem", "scope": "read_write"}).text
    secret = page.split('<code class="user-select-all text-break">')[1].split("</code>")[0]
    assert secret.startswith("cn_")
    assert 'value="Marieke"' in page  # the token's name does not fill in the profile's
    stored = session.scalar(select(ApiToken))
    assert stored.name == "Inkoopsysteem"
    assert secret not in (stored.secret_hash, stored.prefix)
    again = client.get("/account/").text
    assert "Inkoopsysteem" in again
    assert secret not in again
    whoami = client.get("/api/v1/token", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert (whoami["name"], whoami["scope"], whoami["user"]["name"]) == (
        "Inkoopsysteem",
        "read_write",
        "Marieke",
    )
    session.refresh(stored)
    assert stored.last_used_at is not None
    assert "laatst gebruikt" in client.get("/account/").text


def test_a_revoked_token_is_refused(client, auth, session, corporation, make_token):
    headers = make_token(user(session, "marieke@hondsrug.example"))
    assert client.get("/api/v1/token", headers=headers).status_code == 200
    token = session.scalar(select(ApiToken))
    auth.login("marieke@hondsrug.example")
    client.post(f"/account/tokens/{token.id}/revoke")
    response = client.get("/api/v1/questions/", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_nobody_revokes_another_users_token(client, auth, session, two_organisations, make_token):
    headers = make_token(user(session, "marieke@hondsrug.example"))
    token = session.scalar(select(ApiToken))
    auth.login("jan@lefier.example")
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert client.get("/api/v1/token", headers=headers).status_code == 200


def test_a_blocked_users_token_stops_working(client, session, corporation, make_token):
    marieke = user(session, "marieke@hondsrug.example")
    headers = make_token(marieke)
    marieke.active = False
    session.commit()
    assert client.get("/api/v1/themes", headers=headers).status_code == 401


def test_a_read_token_cannot_write(client, session, corporation, make_token):
    headers = make_token(user(session, "marieke@hondsrug.example"), scope="read")
    response = client.post("/api/v1/questions/", json=question_payload(session), headers=headers)
    assert response.status_code == 403
    assert session.scalar(select(Question)) is None


def test_a_logged_in_browser_cannot_write_without_a_token(client, auth, session, corporation):
    """The API reads no session cookie, so another site cannot post through a visitor's login."""
    auth.login("marieke@hondsrug.example")
    response = client.post("/api/v1/questions/", json=question_payload(session))
    assert response.status_code == 401
    assert session.scalar(select(Question)) is None


@pytest.mark.app_config(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
def test_the_rate_limit_counts_per_token_and_answers_in_json(client, session, two_organisations, make_token):
    marieke = make_token(user(session, "marieke@hondsrug.example"))
    jan = make_token(user(session, "jan@lefier.example"))
    assert [client.get("/api/v1/themes", headers=marieke).status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/v1/questions/", headers=marieke)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert client.get("/api/v1/themes", headers=jan).status_code == 200  # another token, its own count


# -- writing through the forms' services ----------------------------------------------------------


@pytest.fixture
def fitted(app, session, corporation, make_organisation, make_solution, make_question):
    """Two solutions and a fitted matcher."""
    hemp = make_organisation("Hennepbouw Noord", kind="bedrijf", municipality="Veendam")
    make_solution(
        hemp,
        "Hennepvezel isolatiemateriaal voor woningen",
        description="Biobased isolatie van hennep voor gevels en daken.",
    )
    coffee = make_organisation("Koffiedik BV", kind="bedrijf", municipality="Groningen")
    make_solution(
        coffee,
        "Oesterzwammen op koffiedik",
        themes=["biomassa_voedsel"],
        description="Wij kweken paddenstoelen op koffiedik van kantoren.",
    )
    make_question(
        corporation, "Oude vraag over isolatie", description="Isolatie van daken en gevels van woningen."
    )
    with app.app_context():
        matches.rebuild(db.session)
        db.session.commit()
    return corporation


def test_a_question_posted_through_the_api_equals_one_posted_with_the_form(
    client, auth, session, fitted, make_token
):
    marieke = user(session, "marieke@hondsrug.example")
    payload = question_payload(session)
    created = client.post("/api/v1/questions/", json=payload, headers=make_token(marieke))
    assert created.status_code == 201, created.get_json()
    auth.login("marieke@hondsrug.example")
    form = {**payload, "title": payload["title"] + " (formulier)", "organisation_id": fitted.id}
    client.post("/questions/new", data={**form, "contact_id": marieke.id, "publish": "1"})
    by_api = session.get(Question, created.get_json()["id"])
    by_form = session.scalar(select(Question).where(Question.title.endswith("(formulier)")))
    fields = (
        "status",
        "theme",
        "sector",
        "municipality_id",
        "visibility",
        "contact_id",
        "author_id",
        "valid_until",
    )
    assert [getattr(by_api, f) for f in fields] == [getattr(by_form, f) for f in fields]
    suggested = client.get(f"/api/v1/questions/{by_api.id}/matches").get_json()
    assert [m["solution"]["title"] for m in suggested][:1] == ["Hennepvezel isolatiemateriaal voor woningen"]
    assert [m.solution_id for m in matches.suggestions_for_question(session, by_form)] == [
        m["solution"]["id"] for m in suggested
    ]


def test_a_business_rule_is_a_422_naming_the_field(client, session, corporation, make_token):
    headers = make_token(user(session, "marieke@hondsrug.example"))
    response = client.post("/api/v1/questions/", json=question_payload(session, sector=None), headers=headers)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "unprocessable_entity"
    assert list(error["fields"]) == ["sector"]
    assert "WU of GWW" in error["message"]


def test_a_missing_field_is_a_422_listing_it(client, session, corporation, make_token):
    headers = make_token(user(session, "marieke@hondsrug.example"))
    payload = question_payload(session)
    del payload["title"]
    response = client.post("/api/v1/questions/", json={**payload, "budget_min": -5}, headers=headers)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"title", "budget_min"}


def test_malformed_json_is_a_400_in_json(client, session, corporation, make_token):
    headers = {**make_token(user(session, "marieke@hondsrug.example")), "Content-Type": "application/json"}
    response = client.post("/api/v1/questions/", data='{"title": "kozijnen",', headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_changing_a_question_keeps_what_was_not_sent_and_moves_its_status(
    client, session, corporation, make_question, make_token
):
    question = make_question(corporation, budget_max=50000)
    headers = make_token(user(session, "marieke@hondsrug.example"))
    changed = client.patch(
        f"/api/v1/questions/{question.id}",
        json={"title": "Kozijnen voor 200 woningen", "status": "in_gesprek"},
        headers=headers,
    ).get_json()
    assert (changed["title"], changed["budget_max"], changed["status"]) == (
        "Kozijnen voor 200 woningen",
        50000,
        "in_gesprek",
    )
    refused = client.patch(f"/api/v1/questions/{question.id}", json={"status": "concept"}, headers=headers)
    assert refused.status_code == 422
    assert "status" in refused.get_json()["error"]["fields"]


def test_a_solution_is_published_for_the_callers_company(client, session, company, make_token):
    headers = make_token(user(session, "info@hennepbouw.example"))
    payload = {
        "title": "Hennepvezel isolatie",
        "description": "Isolatiemateriaal van hennep uit Drenthe, biobased en lokaal.",
        "themes": ["bouw"],
        "nationwide": True,
    }
    created = client.post("/api/v1/solutions/", json=payload, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["organisation"]["name"] == "Hennepbouw Drenthe"
    nowhere = client.post("/api/v1/solutions/", json={**payload, "nationwide": False}, headers=headers)
    assert nowhere.status_code == 422
    assert "nationwide" in nowhere.get_json()["error"]["fields"]


def test_feedback_through_the_api_is_the_owners_button(
    client, session, fitted, make_organisation, make_user, make_token
):
    question = session.scalar(select(Question))
    match = session.scalar(select(Match).where(Match.question_id == question.id).order_by(Match.score.desc()))
    outsider = make_token(make_user("piet@elders.example", make_organisation("Elders", municipality="Assen")))
    refused = client.post(
        f"/api/v1/matches/{match.id}/feedback", json={"feedback": "interessant"}, headers=outsider
    )
    assert refused.status_code == 404
    owner = make_token(user(session, "marieke@hondsrug.example"))
    response = client.post(
        f"/api/v1/matches/{match.id}/feedback", json={"feedback": "niet_relevant"}, headers=owner
    )
    assert response.status_code == 200
    assert response.get_json()["question_feedback"] == "niet_relevant"
    left = client.get(f"/api/v1/questions/{question.id}/matches").get_json()
    assert match.id not in [m["id"] for m in left]  # "niet relevant" leaves the owner's list at once


def test_matches_and_bundles_follow_the_review_rules(client, session, fitted, coordinator, make_token):
    marieke = make_token(user(session, "marieke@hondsrug.example"))
    assert client.get("/api/v1/matches", headers=marieke).get_json()["total"] == 0  # nothing introduced yet
    everything = client.get("/api/v1/matches", headers=make_token(coordinator)).get_json()
    assert everything["total"] == session.query(Match).count() > 0
    match_id = everything["items"][0]["id"]
    assert client.get(f"/api/v1/matches/{match_id}", headers=marieke).status_code == 404
    assert client.get("/api/v1/bundles").get_json()["total"] == 0


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/v1/nothing-here", 404, "not_found"),
        ("get", "/api/v1/questions/2147483648", 404, "not_found"),
        ("delete", "/api/v1/themes", 405, "method_not_allowed"),
        ("put", "/api/v1/questions/", 405, "method_not_allowed"),
    ],
)
def test_every_api_error_is_json(client, method, path, status, code):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


# -- open data and documentation -----------------------------------------------------------------


def download(client, url: str) -> str:
    """A download's text; the response is closed (the server streams the file)."""
    with client.get(url) as response:
        assert response.status_code == 200
        return response.get_data(as_text=True)


def test_open_data_holds_only_public_items_without_contacts(
    client, session, two_organisations, make_question
):
    hondsrug, _ = two_organisations
    make_question(hondsrug, "Hergebruikte kozijnen voor 180 woningen")
    make_question(hondsrug, "Dakpannen voor leden alleen", visibility="members")
    for url in ("/open-data/questions.csv", "/open-data/questions.json"):
        body = download(client, url)
        assert "Hergebruikte kozijnen" in body
        assert "Dakpannen" not in body
        assert "@hondsrug.example" not in body
    items = json.loads(download(client, "/open-data/questions.json"))
    assert "contact" not in items[0]


def test_open_data_is_written_once_and_again_when_a_public_item_changes(
    app, client, session, two_organisations, make_question
):
    """The files are kept between downloads: writing 100,000 solutions takes seconds."""
    hondsrug, _ = two_organisations
    question = make_question(hondsrug, "Hergebruikte kozijnen voor 180 woningen")
    assert "Hergebruikte kozijnen" in download(client, "/open-data/questions.csv")
    folder = Path(app.config["OPEN_DATA_DIR"])

    def written() -> dict[Path, int]:
        return {path: path.stat().st_mtime_ns for path in folder.glob("questions-*")}

    first = written()
    assert len(first) == 1
    assert download(client, "/open-data/questions.csv")
    assert written() == first  # served again, not written again

    question.title = "Hergebruikte dakpannen voor 180 woningen"
    session.commit()
    body = download(client, "/open-data/questions.csv")
    assert "Hergebruikte dakpannen" in body
    assert "Hergebruikte kozijnen" not in body
    make_question(hondsrug, "Biobased isolatie")
    assert "Biobased isolatie" in download(client, "/open-data/questions.csv")


def test_the_catalogue_describes_every_download(client):
    catalogue = client.get("/open-data/catalog.jsonld")
    assert catalogue.mimetype == "application/ld+json"
    body = catalogue.get_json()
    downloads = [d["dcat:downloadURL"]["@id"] for ds in body["dcat:dataset"] for d in ds["dcat:distribution"]]
    assert len(downloads) == 4
    for url in downloads:
        download(client, url.replace("http://localhost", ""))
    assert "catalog.jsonld" in client.get("/open-data/").text


def test_the_documentation_page_lists_every_operation(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    page = client.get("/api/v1/docs").text
    for path in spec["paths"]:
        assert f"<code>{path}</code>" in page
    assert "cdn" not in page.lower()


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_token_calls_need_no_csrf_token_but_cookies_give_no_access(
    client, auth, session, corporation, make_token
):
    headers = make_token(user(session, "marieke@hondsrug.example"))
    created = client.post("/api/v1/questions/", json=question_payload(session), headers=headers)
    assert created.status_code == 201
    client.get("/login")
    with client.session_transaction() as cookie_session:
        assert "_user_id" not in cookie_session  # the API call logged nobody in
    assert client.post("/api/v1/questions/", json=question_payload(session)).status_code == 401


def test_search_finds_what_the_caller_may_see(client, session, two_organisations, make_question, make_token):
    hondsrug, _ = two_organisations
    make_question(hondsrug, "Hergebruikte kozijnen voor 180 woningen")
    make_question(hondsrug, "Hergebruikte dakpannen voor leden", visibility="members")
    anonymous = client.get("/api/v1/search?q=hergebruikte&kind=question").get_json()
    assert [hit["title"] for hit in anonymous["items"]] == ["Hergebruikte kozijnen voor 180 woningen"]
    member = client.get(
        "/api/v1/search?q=hergebruikte&kind=question", headers=make_token(user(session, "jan@lefier.example"))
    ).get_json()
    assert member["total"] == 2


def test_a_token_is_found_by_its_secret_only(session, corporation):
    marieke = user(session, "marieke@hondsrug.example")
    token, secret = tokens.create_token(session, marieke, "monitor", TokenScope.READ)
    assert tokens.token_for_secret(session, secret) is token
    assert tokens.token_for_secret(session, secret[:-1]) is None
    assert tokens.token_for_secret(session, token.secret_hash) is None  # the stored hash is no key
    for number in range(tokens.MAX_TOKENS - 1):
        tokens.create_token(session, marieke, f"koppeling {number}", TokenScope.READ)
    with pytest.raises(DomainError):
        tokens.create_token(session, marieke, "een te veel", TokenScope.READ)


# -- building passports and material lines ------------------------------------------------------


def test_passports_are_read_with_their_material_lines_as_the_pages_show_them(
    client, session, two_organisations, make_passport, make_token
):
    hondsrug, lefier = two_organisations
    shared = make_passport(
        hondsrug, "Rijtjeswoningen Emmerhout", lines=(("Betonnen vloeren", "17 01 01", "40", "ton"),)
    )
    private = make_passport(lefier, "Kantoor Lefier", "Groningen", published=False)
    anonymous = client.get("/api/v1/passports/").json
    assert [p["name"] for p in anonymous["items"]] == ["Rijtjeswoningen Emmerhout"]
    body = client.get(f"/api/v1/passports/{shared.id}").json
    assert body["municipality"]["cbs_code"] == "GM0114"
    assert body["intervention"] == "sloop"
    assert body["material_lines"] == [
        {
            "material": "Betonnen vloeren",
            "eural_code": "17 01 01",
            "quantity": 40.0,
            "unit": "ton",
            "condition": "",
            "from_date": None,
            "location": "",
        }
    ]
    assert client.get(f"/api/v1/passports/{private.id}").status_code == 404
    assert client.get("/api/v1/passports/999999").status_code == 404

    jan = make_token(user(session, "jan@lefier.example"), "read")  # a member of Lefier sees its own
    assert client.get(f"/api/v1/passports/{private.id}", headers=jan).status_code == 200
    names = [p["name"] for p in client.get("/api/v1/passports/", headers=jan).json["items"]]
    assert sorted(names) == ["Kantoor Lefier", "Rijtjeswoningen Emmerhout"]


def test_passports_filter_on_municipality_and_coming_releases(client, corporation, make_passport):
    make_passport(corporation, "Flat Angelslo", release=date(2031, 1, 1))
    make_passport(corporation, "Al gesloopt", release=date(2020, 1, 1))
    make_passport(corporation, "Stadhuis Assen", "Assen", release=date(2031, 1, 1))
    emmen = client.get("/api/v1/passports/?municipality=" + str(_municipality_id(client, "Flat Angelslo")))
    assert {p["name"] for p in emmen.json["items"]} == {"Flat Angelslo", "Al gesloopt"}
    upcoming = client.get("/api/v1/passports/?upcoming=true").json
    assert {p["name"] for p in upcoming["items"]} == {"Flat Angelslo", "Stadhuis Assen"}


def test_a_building_owner_registers_and_changes_a_passport_with_its_materials(
    client, session, two_organisations, make_token
):
    marieke = make_token(user(session, "marieke@hondsrug.example"))
    emmen = municipality_by_name(session, "Emmen").id
    lines = [{"material": "houten kozijnen", "quantity": 12, "unit": "ton", "location": "gevels"}]
    payload = {"name": "Flat Angelslo", "municipality_id": emmen, "material_lines": lines}
    payload |= {"intervention": "renovatie", "intervention_date": "2028-03-01"}
    created = client.post("/api/v1/passports/", json=payload, headers=marieke)
    assert created.status_code == 201
    body = created.json
    assert body["organisation"]["name"] == "Woonstichting Hondsrug"  # her only organisation
    assert body["published"] is False
    assert [(line["eural_code"], line["location"]) for line in body["material_lines"]] == [
        ("17 02 01", "gevels")
    ]
    assert client.get(f"/api/v1/passports/{body['id']}").status_code == 404  # private until published

    lines[0]["quantity"] = 15
    changed = client.patch(
        f"/api/v1/passports/{body['id']}", json={"published": True, "material_lines": lines}, headers=marieke
    )
    assert changed.status_code == 200
    shown = client.get(f"/api/v1/passports/{body['id']}").json
    assert (shown["name"], shown["material_lines"][0]["quantity"]) == ("Flat Angelslo", 15.0)

    jan = make_token(user(session, "jan@lefier.example"))  # another corporation
    refused = client.patch(f"/api/v1/passports/{body['id']}", json={"name": "Van mij"}, headers=jan)
    assert refused.status_code == 403
    assert client.get(f"/api/v1/passports/{body['id']}").json["name"] == "Flat Angelslo"


def test_a_passport_that_breaks_the_forms_rules_is_refused_and_nothing_is_written(
    client, session, corporation, company, make_token
):
    marieke = make_token(user(session, "marieke@hondsrug.example"))
    emmen = municipality_by_name(session, "Emmen").id
    no_date = client.post(
        "/api/v1/passports/",
        json={"name": "School", "municipality_id": emmen, "intervention": "sloop"},
        headers=marieke,
    )
    assert no_date.status_code == 422
    assert "intervention_date" in no_date.json["error"]["fields"]
    bad_code = {
        "name": "School",
        "municipality_id": emmen,
        "material_lines": [{"material": "glas", "eural_code": "99 99 99"}],
    }
    assert client.post("/api/v1/passports/", json=bad_code, headers=marieke).status_code == 422
    supplier = make_token(user(session, "info@hennepbouw.example"))  # a company owns no buildings here
    payload = {"name": "Loods", "municipality_id": emmen}
    assert client.post("/api/v1/passports/", json=payload, headers=supplier).status_code == 403
    reader = make_token(user(session, "marieke@hondsrug.example"), "read")
    assert client.post("/api/v1/passports/", json=payload, headers=reader).status_code == 403
    assert session.scalars(select(BuildingPassport)).all() == []


def _municipality_id(client, name: str) -> int:
    items = client.get("/api/v1/passports/").json["items"]
    return next(p["municipality"]["id"] for p in items if p["name"] == name)


def test_questions_and_solutions_carry_their_material_lines(
    client, corporation, company, make_question, make_solution
):
    question = make_question(
        corporation, material_lines=[{"material": "houten kozijnen", "quantity": 180, "unit": "stuk"}]
    )
    solution = make_solution(company, material_lines=[{"material": "gipsplaten"}])
    lines = client.get(f"/api/v1/questions/{question.id}").json["material_lines"]
    assert [(line["material"], line["eural_code"], line["quantity"], line["unit"]) for line in lines] == [
        ("houten kozijnen", "17 02 01", 180.0, "stuk")
    ]
    listed = client.get("/api/v1/solutions/").json["items"]
    assert [line["eural_code"] for line in listed[0]["material_lines"]] == ["17 08 02"]
    assert (
        client.get(f"/api/v1/solutions/{solution.id}").json["material_lines"][0]["material"] == "gipsplaten"
    )


def test_material_lines_are_written_through_the_forms_service(client, session, corporation, make_token):
    headers = make_token(user(session, "marieke@hondsrug.example"))
    lines = [
        {"material": "houten kozijnen", "quantity": 180, "unit": "stuk", "from_date": "2027-03-01"},
        {"material": "betongranulaat", "eural_code": "170101", "condition": "gebroken"},
    ]
    created = client.post(
        "/api/v1/questions/", json=question_payload(session, material_lines=lines), headers=headers
    )
    assert created.status_code == 201, created.get_json()
    written = [
        (line["material"], line["eural_code"], line["from_date"]) for line in created.json["material_lines"]
    ]
    assert written == [("houten kozijnen", "17 02 01", "2027-03-01"), ("betongranulaat", "17 01 01", None)]
    question_id = created.json["id"]

    kept = client.patch(
        f"/api/v1/questions/{question_id}", json={"title": "Kozijnen en beton"}, headers=headers
    )
    assert len(kept.json["material_lines"]) == 2  # lines not sent stay as they are
    replaced = client.patch(
        f"/api/v1/questions/{question_id}",
        json={"material_lines": [{"material": "gipsplaten"}]},
        headers=headers,
    )
    assert [line["eural_code"] for line in replaced.json["material_lines"]] == ["17 08 02"]
    assert [line.material for line in session.get(Question, question_id).material_lines] == ["gipsplaten"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"material": "beton", "eural_code": "99 99 99"}, "99 99 99 is geen Euralcode"),
        ({"material": "beton", "quantity": 5}, "vul een hoeveelheid én een eenheid in"),
        ({"material": "  "}, "vul het materiaal in"),
        ({"material": "b" * 161}, "Gebruik hoogstens 160 tekens"),
    ],
)
def test_a_bad_material_line_is_a_422_and_changes_nothing(
    client, session, company, make_solution, make_token, line, message
):
    solution = make_solution(company, material_lines=[{"material": "gipsplaten"}])
    headers = {**make_token(user(session, "info@hennepbouw.example")), "Accept-Language": "nl"}
    response = client.patch(
        f"/api/v1/solutions/{solution.id}",
        json={"material_lines": [{"material": "hout"}, line]},
        headers=headers,
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert list(error["fields"]) == ["material_lines"]
    [problem] = error["fields"]["material_lines"]
    assert problem.startswith("Regel 2: ")
    assert message in problem
    session.expire_all()
    assert [line.material for line in session.get(type(solution), solution.id).material_lines] == [
        "gipsplaten"
    ]


@pytest.mark.parametrize("quantity", [-1e26, 1e12])
def test_a_quantity_beyond_the_column_is_a_422_not_a_server_error(
    client, session, company, make_token, quantity
):
    headers = make_token(user(session, "info@hennepbouw.example"))
    line = {"material": "hout", "quantity": quantity, "unit": "ton"}
    payload = {"title": "Hout", "description": "Gebruikt hout", "themes": ["bouw"], "material_lines": [line]}
    response = client.post("/api/v1/solutions/", json=payload, headers=headers)
    assert response.status_code == 422
    assert "material_lines" in response.get_json()["error"]["fields"]


# -- impact of a completed deal ---------------------------------------------------------------------


@pytest.fixture
def deal(session, corporation, company, make_question, make_solution) -> Match:
    """A completed match between Hondsrug's question and Hennepbouw's solution."""
    question, solution = make_question(corporation), make_solution(company)
    session.execute(delete(Match))
    match = Match(question=question, solution=solution, score=0.6, status=MatchStatus.COMPLETED)
    session.add(match)
    session.commit()
    return match


def test_a_completed_deals_impact_is_read_by_its_parties_as_on_the_match_page(
    client, session, deal, coordinator, make_user, make_organisation, make_token
):
    services.record_exchange(
        session,
        deal,
        coordinator,
        [
            LineInput("concrete", tonnes=30.0),
            LineInput("wood", products=10, kg_per_product=50.0),
            LineInput("glass", products=4),  # no weight: counts in no tonnes
            LineInput("concrete", tonnes=10.0, new_material=True),
        ],
    )
    session.commit()
    path = f"/api/v1/matches/{deal.id}/impact"
    party = client.get(path, headers=make_token(user(session, "info@hennepbouw.example")))
    assert party.status_code == 200, party.get_json()
    impact = party.get_json()
    concrete, wood = factors.shipped()["concrete"], factors.shipped()["wood"]
    assert impact["tonnes_reused"] == pytest.approx(30.5)
    assert impact["co2_avoided_tonnes"] == pytest.approx(
        (30 * concrete.avoided_per_tonne + 0.5 * wood.avoided_per_tonne) / 1000
    )
    assert impact["secondary_share"] == pytest.approx(30.5 / 40.5)
    assert [(line["material_group"], line["weight_tonnes"]) for line in impact["lines"]] == [
        ("concrete", 30.0),
        ("wood", 0.5),
        ("glass", None),
        ("concrete", 10.0),
    ]
    assert "recorded_by" not in impact["lines"][0]  # who recorded it stays off the API
    assert client.get(path, headers=make_token(coordinator)).status_code == 200

    outsider = make_organisation("Lefier", municipality="Groningen")
    make_user("jan@lefier.example", outsider)
    assert client.get(path, headers=make_token(user(session, "jan@lefier.example"))).status_code == 404
    assert client.get(path).status_code == 404  # anonymous
    deal.status = MatchStatus.PILOT_OR_CONTRACT
    session.commit()
    assert client.get(path, headers=make_token(coordinator)).status_code == 404  # not completed
