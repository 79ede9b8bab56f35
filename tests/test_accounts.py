from __future__ import annotations

import json

from sqlalchemy import select

from circular_platform.models import Organisation, User
from tests.conftest import PASSWORD


def test_change_password_ends_other_sessions(app, client, auth, make_user):
    make_user("jan@example.org")
    other = app.test_client()
    other.post("/login", data={"email": "jan@example.org", "password": PASSWORD})
    auth.login("jan@example.org")
    new = "een nieuw lang wachtwoord"
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": new, "password_repeat": new}
    )
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    assert other.get("/account/").status_code == 302


def test_change_password_needs_the_current_one(client, auth, make_user):
    make_user("jan@example.org")
    auth.login("jan@example.org")
    new = "een nieuw lang wachtwoord"
    response = client.post(
        "/account/password", data={"current_password": "fout", "password": new, "password_repeat": new}
    )
    assert "Dit is niet uw huidige wachtwoord." in response.text


def test_export_own_data(client, auth, make_organisation, make_user):
    make_user("jan@example.org", make_organisation())
    auth.login("jan@example.org")
    data = json.loads(client.get("/account/export").data)
    assert data["email"] == "jan@example.org"
    assert data["memberships"][0]["organisation"] == "Woonstichting Hondsrug"


def test_delete_account_removes_personal_data_but_keeps_organisation(
    client, auth, session, make_organisation, make_user
):
    organisation = make_organisation()
    make_user("jan@example.org", organisation, role="admin")
    auth.login("jan@example.org")
    response = client.post("/account/delete", data={"current_password": PASSWORD})
    assert response.status_code == 302
    assert session.scalar(select(User).where(User.email == "jan@example.org")) is None
    assert session.get(Organisation, organisation.id) is not None


def test_edit_profile_language(client, auth, session, make_user):
    user = make_user("jan@example.org")
    auth.login("jan@example.org")
    client.post("/account/profile", data={"name": "Jan de Boer", "language": "en"})
    session.refresh(user)
    assert (user.name, user.language) == ("Jan de Boer", "en")
    assert "My account" in client.get("/account/").text
