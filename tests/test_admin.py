"""The admin toggles: the services the admin pages (and the CLI) share, and the pages' buttons."""

from __future__ import annotations

import pytest

from circular_platform.admin import services
from circular_platform.admin.services import OrganisationAction, UserAction
from circular_platform.errors import DomainError


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
    response = client.post(url, data={"action": "deactivate"}, follow_redirects=True)
    assert "U kunt uw eigen account niet blokkeren." in response.text
    session.refresh(administrator)
    assert administrator.active


@pytest.mark.parametrize("action", ["", "delete_everything"])
def test_unknown_actions_are_a_bad_request(client, auth, make_user, make_organisation, action):
    make_user("sanne@nice.example", is_coordinator=True)
    organisation = make_organisation("Kozijnbank Noord", municipality="Assen")
    auth.login("sanne@nice.example")
    assert client.post(f"/admin/organisations/{organisation.id}", data={"action": action}).status_code == 400
