from __future__ import annotations

import pytest

from circular_platform import permissions


@pytest.fixture
def two_organisations(make_organisation, make_user):
    a = make_organisation("Woonstichting A")
    b = make_organisation("Woonstichting B", municipality="Assen")
    make_user("admin-a@example.org", a, role="admin")
    make_user("lid-b@example.org", b)
    return a, b


def test_member_of_a_cannot_edit_b(client, auth, two_organisations):
    a, b = two_organisations
    auth.login("admin-a@example.org")
    assert client.get(f"/organisations/{a.id}/edit").status_code == 200
    assert client.get(f"/organisations/{b.id}/edit").status_code == 403
    data = {"name": "Overgenomen", "kind": "bedrijf", "municipality_id": b.municipality_id}
    assert client.post(f"/organisations/{b.id}/edit", data=data).status_code == 403
    assert client.get(f"/organisations/{b.id}/members").status_code == 403


def test_plain_member_cannot_edit_own_organisation(client, auth, two_organisations):
    _, b = two_organisations
    auth.login("lid-b@example.org")
    assert client.get(f"/organisations/{b.id}/edit").status_code == 403


@pytest.mark.parametrize("path", ["/admin/organisations", "/admin/users", "/admin/outbox"])
def test_admin_pages_refuse_members(client, auth, two_organisations, path):
    auth.login("lid-b@example.org")
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/admin/organisations", "/admin/users", "/dashboard", "/account/"])
def test_anonymous_is_sent_to_login(client, path):
    assert client.get(path).headers["Location"].startswith("/login")


def test_coordinator_verifies_but_cannot_read_outbox_or_change_roles(
    client, auth, session, make_user, two_organisations
):
    a, _ = two_organisations
    make_user("coordinator@example.org", is_coordinator=True)
    auth.login("coordinator@example.org")
    client.post(f"/admin/organisations/{a.id}", data={"action": "verify"})
    session.refresh(a)
    assert a.verified
    assert client.get("/admin/outbox").status_code == 403
    member = make_user("iemand@example.org")
    assert client.post(f"/admin/users/{member.id}", data={"action": "make_coordinator"}).status_code == 403


def test_administrator_makes_a_coordinator(client, auth, session, make_user):
    make_user("beheer@example.org", is_admin=True)
    member = make_user("iemand@example.org")
    auth.login("beheer@example.org")
    client.post(f"/admin/users/{member.id}", data={"action": "make_coordinator"})
    session.refresh(member)
    assert member.is_coordinator
    assert permissions.is_coordinator(member)


def test_anonymous_user_is_refused_everything(two_organisations):
    from flask_login import AnonymousUserMixin

    a, _ = two_organisations
    anonymous = AnonymousUserMixin()
    assert not permissions.can_edit_organisation(anonymous, a)
    assert not permissions.is_coordinator(anonymous)
