from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from circular_platform.models import Membership, Organisation, User
from tests.conftest import PASSWORD, link_in

REGISTRATION = {
    "organisation-name": "Woonconcern Drentsche Aa",
    "organisation-kind": "woningcorporatie",
    "organisation-kvk_number": "12345678",
    "organisation-website": "https://www.example.org/drentsche-aa",
    "organisation-description": "Woningcorporatie in Assen.",
    "name": "Marieke Bakker",
    "email": "Marieke@Example.org",
    "password": PASSWORD,
    "password_repeat": PASSWORD,
    "language": "nl",
}


@pytest.fixture
def assen(session):
    from circular_platform.regions import municipality_by_name

    return municipality_by_name(session, "Assen")


def test_register_confirm_login_logout(client, session, assen, outbox):
    response = client.post("/register", data={**REGISTRATION, "organisation-municipality_id": assen.id})
    assert "Kijk in uw mailbox" in response.text

    user = session.scalar(select(User).where(User.email == "marieke@example.org"))
    assert user is not None
    assert user.confirmed_at is None
    assert user.memberships[0].role == "admin"
    assert user.memberships[0].approved

    refused = client.post("/login", data={"email": "marieke@example.org", "password": PASSWORD})
    assert "Bevestig eerst uw e-mailadres" in refused.text

    confirm_link = link_in(outbox("marieke@example.org")[0])
    assert "bevestigd" in client.get(confirm_link, follow_redirects=True).text

    logged_in = client.post(
        "/login", data={"email": "MARIEKE@example.org", "password": PASSWORD}, follow_redirects=True
    )
    assert "Welkom, Marieke Bakker" in logged_in.text
    assert "U bent uitgelogd." in client.post("/logout", follow_redirects=True).text
    assert client.get("/dashboard").headers["Location"].startswith("/login")


def test_registration_keeps_input_and_explains_errors(client, assen, session):
    data = {
        **REGISTRATION,
        "organisation-municipality_id": assen.id,
        "organisation-kvk_number": "1234",
        "password": "kort",
        "password_repeat": "kort",
    }
    response = client.post("/register", data=data)
    assert response.status_code == 400
    assert "Een KvK-nummer bestaat uit 8 cijfers." in response.text
    assert "Gebruik minstens 12 tekens." in response.text
    assert 'value="Woonconcern Drentsche Aa"' in response.text
    assert session.scalar(select(Organisation).where(Organisation.name == "Woonconcern Drentsche Aa")) is None


def test_common_password_is_refused(client, assen):
    data = {
        **REGISTRATION,
        "organisation-municipality_id": assen.id,
        "password": "password1234",
        "password_repeat": "password1234",
    }
    assert "te bekend" in client.post("/register", data=data).text


def test_duplicate_email_is_refused_case_insensitively(client, assen, make_user):
    make_user("marieke@example.org")
    response = client.post("/register", data={**REGISTRATION, "organisation-municipality_id": assen.id})
    assert response.status_code == 400
    assert "Er bestaat al een account met dit e-mailadres." in response.text


def test_wrong_password_gives_one_vague_message(auth, make_user):
    make_user("jan@example.org")
    response = auth.login("jan@example.org", "verkeerd wachtwoord!!")
    assert response.status_code == 400
    assert "E-mailadres of wachtwoord klopt niet." in response.text


def test_login_redirects_only_to_local_next(client, make_user):
    make_user("jan@example.org")
    data = {"email": "jan@example.org", "password": PASSWORD}
    assert client.post("/login?next=/account/", data=data).headers["Location"] == "/account/"
    client.post("/logout")
    assert client.post("/login?next=//evil.example/x", data=data).headers["Location"] == "/dashboard"


def test_password_reset_link_works_once(client, make_user, outbox):
    make_user("jan@example.org")
    client.post("/reset", data={"email": "jan@example.org"})
    link = link_in(outbox("jan@example.org")[-1])
    new = "een ander lang wachtwoord"
    response = client.post(link, data={"password": new, "password_repeat": new})
    assert response.headers["Location"] == "/login"
    assert client.post("/login", data={"email": "jan@example.org", "password": new}).status_code == 302
    client.post("/logout")

    reused = client.post(
        link,
        data={"password": "nog een lang wachtwoord", "password_repeat": "nog een lang wachtwoord"},
        follow_redirects=True,
    )
    assert "al gebruikt of verlopen" in reused.text


def test_password_reset_link_expires(app, client, make_user, outbox):
    make_user("jan@example.org")
    client.post("/reset", data={"email": "jan@example.org"})
    link = link_in(outbox("jan@example.org")[-1])
    app.config["RESET_TOKEN_MAX_AGE"] = -1
    time.sleep(1)
    assert "verlopen" in client.get(link, follow_redirects=True).text


def test_reset_for_unknown_address_reveals_nothing(client, outbox):
    response = client.post("/reset", data={"email": "niemand@example.org"})
    assert "Als er een account bestaat" in response.text
    assert outbox("niemand@example.org") == []


def test_join_request_is_approved_by_organisation_admin(
    client, auth, session, make_organisation, make_user, outbox
):
    organisation = make_organisation()
    make_user("beheer@hondsrug.example", organisation, role="admin")
    client.post(
        "/register/join",
        data={
            "organisation_id": organisation.id,
            "message": "Ik ben projectleider renovatie.",
            "name": "Piet Jansen",
            "email": "piet@hondsrug.example",
            "password": PASSWORD,
            "password_repeat": PASSWORD,
            "language": "nl",
        },
    )
    request_mail = outbox("beheer@hondsrug.example")[-1]
    assert "Piet Jansen wil lid worden" in request_mail.subject
    membership = session.scalar(select(Membership).join(User).where(User.email == "piet@hondsrug.example"))
    assert not membership.approved

    auth.login("beheer@hondsrug.example")
    page = client.get(f"/organisations/{organisation.id}/members")
    assert "Ik ben projectleider renovatie." in page.text
    client.post(
        f"/organisations/{organisation.id}/members",
        data={"membership_id": membership.id, "decision": "approve"},
    )
    session.refresh(membership)
    assert membership.approved


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_rate_limit_on_login(client, make_user):
    make_user("jan@example.org")
    codes = [
        client.post("/login", data={"email": "jan@example.org", "password": "fout fout fout"}).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429
