"""The admin toggles: the services the admin pages (and the CLI) share, and the pages' buttons."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from circular_platform.admin import services
from circular_platform.admin.services import OrganisationAction, UserAction
from circular_platform.errors import DomainError
from circular_platform.models import Organisation


@pytest.mark.parametrize(
    ("action", "verified", "may_publish"),
    [
        (OrganisationAction.VERIFY, True, False),
        (OrganisationAction.UNVERIFY, False, False),
        (OrganisationAction.ALLOW_SOLUTIONS, False, True),
        (OrganisationAction.DISALLOW_SOLUTIONS, False, False),
    ],
)
def test_organisation_actions(session, make_organisation, action, verified, may_publish):
    organisation = make_organisation("Kozijnbank Noord", municipality="Assen")
    organisation.verified = organisation.may_publish_solutions = False
    services.update_organisation(session, organisation, action)
    assert (organisation.verified, organisation.may_publish_solutions) == (verified, may_publish)


def test_user_actions(session, make_user):
    coordinator = make_user("sanne@nice.example", is_coordinator=True)
    member = make_user("piet@hondsrug.example")
    services.update_user(session, member, UserAction.MAKE_COORDINATOR, coordinator)
    assert member.is_coordinator
    services.update_user(session, member, UserAction.DEACTIVATE, coordinator)
    assert not member.active
    services.update_user(session, member, UserAction.ACTIVATE, coordinator)
    assert member.active


def test_a_coordinator_cannot_block_themselves(session, make_user):
    coordinator = make_user("sanne@nice.example", is_coordinator=True)
    with pytest.raises(DomainError):
        services.set_active(session, coordinator, False, coordinator)
    assert coordinator.active


def test_blocking_oneself_on_the_page_is_refused(client, auth, session, make_user):
    administrator = make_user("beheer@example.org", is_admin=True)
    auth.login("beheer@example.org")
    url = f"/admin/users/{administrator.id}"
    response = client.post(url, data={"action": "deactivate", "confirm": "y"}, follow_redirects=True)
    assert "U kunt uw eigen account niet blokkeren." in response.text
    session.refresh(administrator)
    assert administrator.active


@pytest.mark.parametrize("action", ["", "delete_everything"])
def test_unknown_actions_are_a_bad_request(client, auth, make_user, make_organisation, action):
    make_user("sanne@nice.example", is_coordinator=True)
    organisation = make_organisation("Kozijnbank Noord", municipality="Assen")
    auth.login("sanne@nice.example")
    assert client.post(f"/admin/organisations/{organisation.id}", data={"action": action}).status_code == 400


# -- finding, verifying and blocking on the admin pages -------------------------------------------


def test_blocking_asks_for_confirmation_first(client, auth, session, make_user):
    make_user("beheer@example.org", is_admin=True)
    piet = make_user("piet@hondsrug.example")
    auth.login("beheer@example.org")
    users = client.get("/admin/users").text
    assert f'href="/admin/users/{piet.id}/block' in users  # a link to a page, not a form that acts

    page = client.get(f"/admin/users/{piet.id}/block")
    assert "Piet blokkeren?" in page.text
    assert 'name="confirm"' in page.text
    unconfirmed = client.post(f"/admin/users/{piet.id}", data={"action": "deactivate"})
    assert unconfirmed.status_code == 400
    assert "Vink aan dat u deze gebruiker wilt blokkeren." in unconfirmed.text
    session.refresh(piet)
    assert piet.active

    client.post(f"/admin/users/{piet.id}", data={"action": "deactivate", "confirm": "y"})
    session.refresh(piet)
    assert not piet.active


@pytest.mark.parametrize(("query", "found"), [("hondsrug", "Marieke"), ("PIET", "Piet"), ("niemand", None)])
def test_the_administrator_searches_users_by_name_and_address(
    client, auth, make_user, corporation, query, found
):
    make_user("beheer@example.org", is_admin=True)
    make_user("piet@example.org")
    auth.login("beheer@example.org")
    rows = client.get(f"/admin/users?q={query}").text.split("<tbody>")[1]
    names = {name for name in ("Marieke", "Piet", "Beheer") if f"<td>{name}</td>" in rows}
    assert names == ({found} if found else set())
    if found is None:
        assert "Geen gebruikers gevonden." in rows


def test_the_organisation_search_is_paginated(client, auth, coordinator, make_organisation):
    for number in range(55):
        make_organisation(f"Kozijnbank {number:02d}", municipality="Assen")
    make_organisation("Hennepbouw Drenthe", kind="bedrijf", municipality="Assen")
    auth.login("sanne@nice.example")
    first = client.get("/admin/organisations?q=kozijnbank").text
    assert "Pagina 1 van 2" in first
    assert "Hennepbouw" not in first
    second = client.get("/admin/organisations?q=kozijnbank&page=2").text
    assert "Kozijnbank 54" in second
    assert "Kozijnbank 00" not in second


def test_a_verified_organisation_stays_in_view_and_its_administrators_hear_of_it(
    client, auth, session, coordinator, make_organisation, make_user, outbox
):
    for number in range(55):
        make_organisation(f"Kozijnbank {number:02d}", municipality="Assen", verified=number != 52)
    target = session.scalar(select(Organisation).where(Organisation.name == "Kozijnbank 52"))
    make_user("beheer@kozijnbank.example", target, role="admin", language="en")
    auth.login("sanne@nice.example")
    response = client.post(f"/admin/organisations/{target.id}?q=kozijnbank&page=2", data={"action": "verify"})
    location = response.headers["Location"]
    assert location.endswith(f"/admin/organisations?q=kozijnbank&page=2#organisation-{target.id}")
    page = client.get(location).text
    assert "Kozijnbank 52 is geverifieerd; de beheerders hebben een e-mail gekregen." in page
    assert f'id="organisation-{target.id}"' in page
    assert [m.subject for m in outbox("beheer@kozijnbank.example")] == [
        "Kozijnbank 52 has been verified on Circulair Noord"
    ]


def test_the_awaiting_filter_lists_only_unverified_organisations(
    client, auth, coordinator, make_organisation
):
    make_organisation("Kozijnbank Noord", municipality="Assen", verified=True)
    make_organisation("Hennepbouw Drenthe", kind="bedrijf", municipality="Assen")
    auth.login("sanne@nice.example")
    page = client.get("/admin/organisations?status=unverified").text
    assert "Te verifiëren (1)" in page
    assert "Hennepbouw Drenthe" in page
    assert "Kozijnbank Noord" not in page


# -- the dashboards of coordinators and administrators --------------------------------------------


def test_a_coordinator_s_dashboard_shows_their_work(client, auth, coordinator, make_organisation):
    make_organisation("Hennepbouw Drenthe", kind="bedrijf", municipality="Assen")
    auth.login("sanne@nice.example")
    page = client.get("/dashboard").text
    for link in (
        "/coordination/",
        "/coordination/region",
        "/coordination/bundles",
        "/admin/organisations?status=unverified",
    ):
        assert f'href="{link}"' in page
    assert "1 te verifiëren" in page
    assert "Vraag plaatsen" not in page
    assert "Meld uw organisatie aan" not in page
    assert 'href="/admin/users"' not in page  # roles are the administrator's


def test_an_administrator_s_dashboard_links_to_the_users(client, auth, make_user):
    make_user("beheer@example.org", is_admin=True)
    auth.login("beheer@example.org")
    page = client.get("/dashboard").text
    assert 'href="/admin/users"' in page
    assert "Uw werk als beheerder" in page


def test_a_member_s_dashboard_still_offers_posting(client, auth, corporation):
    auth.login("marieke@hondsrug.example")
    page = client.get("/dashboard").text
    assert "Vraag plaatsen" in page
    assert "Uw werk als coördinator" not in page
