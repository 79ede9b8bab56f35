from __future__ import annotations

import pytest

from circular_platform import create_app


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
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 32})
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
