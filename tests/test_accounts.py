from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from circular_platform.models import Organisation, User
from tests.conftest import PASSWORD


def copy_session(app, client):
    """A second browser holding the same cookies, as a stolen or forgotten session would."""
    other = app.test_client()
    for cookie in client._cookies.values():
        other.set_cookie(cookie.key, cookie.value)
    return other


def test_change_password_ends_other_sessions(app, client, auth, make_user):
    make_user("jan@example.org")
    auth.login("jan@example.org")
    other = copy_session(app, client)
    assert other.get("/account/").status_code == 200
    new = "een nieuw lang wachtwoord"
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": new, "password_repeat": new}
    )
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200  # this browser stays logged in
    assert other.get("/account/").status_code == 302


def test_logging_in_elsewhere_ends_the_earlier_session(app, client, auth, make_user):
    make_user("jan@example.org")
    auth.login("jan@example.org")
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"email": "jan@example.org", "password": PASSWORD})
    assert elsewhere.get("/account/").status_code == 200
    assert client.get("/account/").status_code == 302


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


def test_log_out_everywhere_ends_every_session(app, client, auth, make_user):
    make_user("jan@example.org")
    laptop = app.test_client()
    laptop.post("/login", data={"email": "jan@example.org", "password": PASSWORD, "remember": "y"})
    laptop_cookies = {cookie.key: cookie.value for cookie in laptop._cookies.values()}
    assert "Overal uitloggen" in laptop.get("/account/").text
    response = laptop.post("/account/sessions/end", follow_redirects=True)
    assert "U bent op alle apparaten uitgelogd." in response.text
    assert laptop.get("/account/").status_code == 302
    for key, value in laptop_cookies.items():
        client.set_cookie(key, value)
    assert client.get("/account/").status_code == 302


def test_new_password_must_not_be_the_users_own_name(client, auth, make_user):
    make_user("jan.de.boer@example.org", name="Jan de Boer")
    auth.login("jan.de.boer@example.org")
    weak = "jan.de.boer@example.org"
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": weak, "password_repeat": weak}
    )
    assert response.status_code == 400
    assert "te makkelijk te raden" in response.text


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
@pytest.mark.parametrize("path", ["/account/password", "/account/delete"])
def test_password_checks_on_the_account_page_are_rate_limited(client, auth, make_user, path):
    make_user("jan@example.org")
    auth.login("jan@example.org")
    codes = [
        client.post(path, data={"current_password": "geraden wachtwoord"}).status_code for _ in range(11)
    ]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429


def test_profile_name_is_one_line(client, auth, session, make_user):
    user = make_user("jan@example.org")
    auth.login("jan@example.org")
    client.post("/account/profile", data={"name": "Jan\r\nBcc: iedereen\u200b", "language": "nl"})
    session.refresh(user)
    assert user.name == "Jan Bcc: iedereen"
