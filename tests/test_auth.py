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


def test_registering_a_known_address_reveals_nothing_and_mails_its_owner(
    client, session, assen, make_user, outbox
):
    make_user("marieke@example.org")
    response = client.post("/register", data={**REGISTRATION, "organisation-municipality_id": assen.id})
    assert response.status_code == 200
    assert "Kijk in uw mailbox" in response.text
    assert "bestaat al" not in response.text
    [warning] = outbox("marieke@example.org")
    assert warning.subject == "Aanmelding met uw e-mailadres bij Circulair Noord"
    assert "http://localhost/reset" in warning.body
    assert session.scalar(select(Organisation).where(Organisation.name == "Woonconcern Drentsche Aa")) is None


def test_joining_with_a_known_address_reveals_nothing(client, make_organisation, make_user, outbox):
    organisation = make_organisation()
    make_user("beheer@hondsrug.example", organisation, role="admin")
    make_user("piet@hondsrug.example")
    data = {
        "organisation_id": organisation.id,
        "name": "Piet Jansen",
        "email": "piet@hondsrug.example",
        "password": PASSWORD,
        "password_repeat": PASSWORD,
        "language": "nl",
    }
    response = client.post("/register/join", data=data)
    assert response.status_code == 200
    assert "De beheerder van Woonstichting Hondsrug krijgt uw verzoek" in response.text
    assert outbox("beheer@hondsrug.example") == []
    assert "Iemand heeft geprobeerd" in outbox("piet@hondsrug.example")[0].body


def test_unknown_address_is_checked_against_a_hash_too(client, make_user, monkeypatch):
    """No timing test: both answers must do the same (slow) work, so both call the hasher."""
    from circular_platform.passwords import _hasher

    make_user("jan@example.org")
    calls = []
    original = type(_hasher).verify
    monkeypatch.setattr(type(_hasher), "verify", lambda self, *a: calls.append(1) or original(self, *a))
    for email in ("jan@example.org", "niemand@example.org"):
        calls.clear()
        response = client.post("/login", data={"email": email, "password": "verkeerd wachtwoord!!"})
        assert response.status_code == 400
        assert "E-mailadres of wachtwoord klopt niet." in response.text
        assert calls == [1], email


@pytest.mark.parametrize(
    "password",
    [
        "qwertyuiopas",
        "circulair-noord-demo",  # the demo password published in README.md
        "marieke@example.org",
        "Marieke Bakker",
        "Woonconcern Drentsche Aa",
        "\u200b" * 12,
        "\u200b" * 6 + "abc" + "\u200b" * 6,
    ],
)
def test_weak_passwords_are_refused_at_registration(client, assen, password):
    data = {
        **REGISTRATION,
        "organisation-municipality_id": assen.id,
        "password": password,
        "password_repeat": password,
    }
    response = client.post("/register", data=data)
    assert response.status_code == 400
    assert "te makkelijk te raden" in response.text or "Gebruik minstens 12 tekens." in response.text


def test_demo_password_in_the_policy_is_the_published_one():
    from circular_platform.demo.loader import DEMO_PASSWORD
    from circular_platform.passwords import is_weak

    assert is_weak(DEMO_PASSWORD)
    assert not is_weak(PASSWORD)


def test_wrong_password_gives_one_vague_message(auth, make_user):
    make_user("jan@example.org")
    response = auth.login("jan@example.org", "verkeerd wachtwoord!!")
    assert response.status_code == 400
    assert "E-mailadres of wachtwoord klopt niet." in response.text


def test_login_follows_a_local_next(client, make_user):
    make_user("jan@example.org")
    data = {"email": "jan@example.org", "password": PASSWORD}
    assert client.post("/login?next=/account/", data=data).headers["Location"] == "/account/"


NASTY_NEXT = [
    "//evil.example/x",
    "/%09/evil.example/x",
    "/%0a/x",
    "/%0d%0aSet-Cookie:x=1",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "///evil.example",
    "/%E2%80%8B/evil.example",
    "evil.example",
]


@pytest.mark.parametrize("target", NASTY_NEXT)
def test_login_never_redirects_off_site(client, make_user, target):
    make_user("jan@example.org")
    data = {"email": "jan@example.org", "password": PASSWORD}
    response = client.post(f"/login?next={target}", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


@pytest.mark.parametrize("target", NASTY_NEXT)
def test_language_switch_never_redirects_off_site(client, target):
    response = client.post(f"/language?next={target}", data={"language": "en"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("remember", [True, False])
def test_cookies_copied_before_logout_no_longer_work(app, client, auth, make_user, remember):
    make_user("jan@example.org")
    auth.login("jan@example.org", remember="y" if remember else "")
    copied = {cookie.key: cookie.value for cookie in client._cookies.values()}
    assert ("remember_token" in copied) is remember
    assert client.get("/account/export").status_code == 200
    auth.logout()
    assert client.get_cookie("remember_token") is None
    assert client.get("/dashboard").status_code == 302

    thief = app.test_client()
    for key, value in copied.items():
        thief.set_cookie(key, value)
    assert thief.get("/account/export").status_code == 302
    assert thief.get("/dashboard").headers["Location"].startswith("/login")


def test_remember_cookie_alone_logs_in_until_logout(app, client, auth, make_user):
    make_user("jan@example.org")
    auth.login("jan@example.org", remember="y")
    fresh = app.test_client()
    fresh.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert fresh.get("/dashboard").status_code == 200


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
