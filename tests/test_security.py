from __future__ import annotations

import pytest

from circular_platform import create_app
from tests.conftest import PASSWORD


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_post_without_csrf_token_is_refused(client, make_user):
    make_user("jan@example.org")
    response = client.post("/login", data={"email": "jan@example.org", "password": "x" * 20})
    assert response.status_code == 400
    assert "Dit verzoek klopt niet" in response.text


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in response.text  # no inline scripts
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_production_requires_a_secret_key_and_secure_cookies(monkeypatch):
    monkeypatch.setenv("CIRCULAR_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": "sqlite://"})
    app = create_app(
        {"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 32, "PUBLIC_URL": "https://circulair-noord.nl"}
    )
    assert app.config["SESSION_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["REMEMBER_COOKIE_DURATION"].days == 30


def test_passwords_are_stored_as_argon2id(make_user):
    user = make_user("jan@example.org")
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_unknown_page_has_a_friendly_404(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.text


@pytest.mark.app_config(SERVER_NAME=None, PUBLIC_URL="https://circulair-noord.nl")
@pytest.mark.parametrize("path", ["/reset", "/register/join"])
def test_links_in_mail_use_public_url_not_the_host_header(client, make_organisation, make_user, outbox, path):
    """As in production: no SERVER_NAME, no TRUSTED_HOSTS, a request with a forged Host."""
    organisation = make_organisation()
    make_user("jan@example.org", organisation, role="admin")
    data = {"email": "jan@example.org", "organisation_id": organisation.id, "name": "Piet Jansen"}
    data |= {"password": PASSWORD, "password_repeat": PASSWORD, "language": "nl"}
    if path == "/register/join":
        data["email"] = "piet@example.org"
    client.post(path, data=data, headers={"Host": "evil.example"})
    body = outbox("jan@example.org")[-1].body
    assert "evil.example" not in body
    assert "https://circulair-noord.nl/" in body


@pytest.mark.app_config(PUBLIC_URL="https://circulair-noord.nl/", TRUSTED_HOSTS=["circulair-noord.nl"])
def test_requests_for_other_hosts_are_refused(client, make_user, outbox):
    make_user("jan@example.org")
    refused = client.post("/reset", data={"email": "jan@example.org"}, headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert outbox("jan@example.org") == []
    client.post("/reset", data={"email": "jan@example.org"}, headers={"Host": "circulair-noord.nl"})
    assert "https://circulair-noord.nl/reset/" in outbox("jan@example.org")[-1].body


def test_production_requires_a_public_url_and_serves_only_its_host(monkeypatch):
    monkeypatch.setenv("CIRCULAR_ENV", "production")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 32})
    monkeypatch.setenv("PUBLIC_URL", "https://circulair-noord.nl")
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 32})
    assert app.config["TRUSTED_HOSTS"] == ["circulair-noord.nl"]
    assert app.config["TRUSTED_PROXIES"] == 1
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 32, "PUBLIC_URL": "circulair-noord.nl"})


@pytest.mark.app_config(RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1)
def test_behind_a_proxy_the_rate_limit_counts_each_visitor(client, make_user):
    make_user("jan@example.org")

    def attempt(address: str) -> int:
        data = {"email": "jan@example.org", "password": "fout fout fout"}
        return client.post("/login", data=data, headers={"X-Forwarded-For": address}).status_code

    assert [attempt("203.0.113.5") for _ in range(11)][-1] == 429
    assert attempt("198.51.100.7") == 400


@pytest.mark.app_config(TRUSTED_PROXIES=1)
def test_behind_a_proxy_https_is_recognised(client):
    response = client.get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"})
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_a_line_break_in_a_name_cannot_change_a_mail_subject(
    app, session, make_organisation, make_user, monkeypatch
):
    """Names from before the forms collapsed line breaks, or from an import, reach mail too."""
    import smtplib

    from circular_platform.accounts.services import create_user
    from circular_platform.mail import deliver, send_mail

    organisation = make_organisation()
    admin = make_user("beheer@hondsrug.example", organisation, role="admin")
    applicant = create_user(
        session, email="piet@example.org", name="Piet\nBetaal factuur 123 vandaag", password=PASSWORD
    )
    with app.test_request_context():
        mail = send_mail(
            session,
            admin.email,
            "join_request",
            admin=admin,
            applicant=applicant,
            organisation=organisation,
            link="/",
        )
    assert mail.subject == "Piet Betaal factuur 123 vandaag wil lid worden van Woonstichting Hondsrug"
    assert mail.body.startswith("Beste Beheer,")

    sent = []

    class SMTP:
        def __init__(self, *args, **kwargs) -> None: ...

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None: ...

        def starttls(self) -> None: ...

        def send_message(self, email) -> None:
            sent.append(email)

    monkeypatch.setattr(smtplib, "SMTP", SMTP)
    deliver(mail, {**app.config, "MAIL_SERVER": "smtp.example"})
    assert sent[0]["Subject"] == mail.subject
    assert sent[0].get_content().startswith("Beste Beheer,")


@pytest.mark.parametrize("field", ["name", "organisation-name"])
def test_registration_collapses_line_breaks_in_names(client, session, field):
    from sqlalchemy import select

    from circular_platform.models import Organisation, User
    from circular_platform.regions import municipality_by_name
    from tests.test_auth import REGISTRATION

    data = {**REGISTRATION, "organisation-municipality_id": municipality_by_name(session, "Assen").id}
    data[field] = data[field].replace(" ", "\n", 1)
    assert "Kijk in uw mailbox" in client.post("/register", data=data).text
    assert session.scalar(select(User).where(User.name == "Marieke Bakker")) is not None
    assert session.scalar(select(Organisation).where(Organisation.name == "Woonconcern Drentsche Aa"))
