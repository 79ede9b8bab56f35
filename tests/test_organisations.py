"""An organisation's own pages: its profile, its verification and its members."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from circular_platform.models import Membership, User


def _profile(organisation, **changes) -> dict:
    return {
        "name": organisation.name,
        "kind": organisation.kind.value,
        "municipality_id": organisation.municipality_id,
        "kvk_number": organisation.kvk_number or "",
        "website": "",
        "description": "",
        **changes,
    }


@pytest.fixture
def verified(session, make_organisation, make_user):
    """A verified housing corporation administered by beheer@hondsrug.example."""
    organisation = make_organisation(kvk_number="12345678", verified=True)
    make_user("beheer@hondsrug.example", organisation, role="admin")
    return organisation


@pytest.mark.parametrize("change", [{"name": "Woonstichting Hondsrug Wonen"}, {"kvk_number": "87654321"}])
def test_a_new_name_or_kvk_number_is_verified_again(client, auth, session, coordinator, verified, change):
    auth.login("beheer@hondsrug.example")
    response = client.post(f"/organisations/{verified.id}/edit", data=_profile(verified, **change))
    assert response.status_code == 302
    session.refresh(verified)
    assert not verified.verified
    profile = client.get(response.headers["Location"]).text
    assert "controleert een coördinator uw organisatie opnieuw" in profile

    auth.logout()
    auth.login("sanne@nice.example")
    awaiting = client.get("/admin/organisations?status=unverified").text
    assert f'id="organisation-{verified.id}"' in awaiting


def test_a_new_description_keeps_the_verification(client, auth, session, verified):
    auth.login("beheer@hondsrug.example")
    client.post(f"/organisations/{verified.id}/edit", data=_profile(verified, description="Wij verhuren."))
    session.refresh(verified)
    assert verified.verified


def test_a_coordinators_correction_keeps_the_verification(client, auth, session, coordinator, verified):
    auth.login("sanne@nice.example")
    client.post(f"/organisations/{verified.id}/edit", data=_profile(verified, name="Woonstichting Hondsrug"))
    client.post(f"/organisations/{verified.id}/edit", data=_profile(verified, kvk_number="87654321"))
    session.refresh(verified)
    assert verified.verified


def _membership(session, email: str) -> Membership:
    return session.scalar(select(Membership).join(User).where(User.email == email))


def test_the_last_administrator_cannot_remove_themself(client, auth, session, verified, make_user):
    make_user("piet@hondsrug.example", verified)
    auth.login("beheer@hondsrug.example")
    own = _membership(session, "beheer@hondsrug.example")
    response = client.post(
        f"/organisations/{verified.id}/members",
        data={"membership_id": own.id, "decision": "reject"},
        follow_redirects=True,
    )
    assert "Een organisatie heeft minstens één beheerder nodig." in response.text
    assert session.get(Membership, own.id) is not None


def test_an_administrator_with_a_fellow_administrator_may_leave(client, auth, session, verified, make_user):
    make_user("piet@hondsrug.example", verified, role="admin")
    auth.login("beheer@hondsrug.example")
    own_id = _membership(session, "beheer@hondsrug.example").id
    client.post(f"/organisations/{verified.id}/members", data={"membership_id": own_id, "decision": "reject"})
    session.expire_all()
    assert session.get(Membership, own_id) is None


@pytest.mark.parametrize(
    ("decision", "language", "subject"),
    [
        ("approve", "nl", "U bent lid van Woonstichting Hondsrug op Circulair Noord"),
        ("reject", "nl", "Uw verzoek om lid te worden van Woonstichting Hondsrug is afgewezen"),
        ("approve", "en", "You are a member of Woonstichting Hondsrug on Circulair Noord"),
    ],
)
def test_the_applicant_hears_the_decision_in_their_language(
    client, auth, session, verified, make_user, outbox, decision, language, subject
):
    applicant = make_user("piet@hondsrug.example", language=language)
    session.add(Membership(user=applicant, organisation=verified, message="Ik ben projectleider."))
    session.commit()
    auth.login("beheer@hondsrug.example")
    request = _membership(session, "piet@hondsrug.example")
    client.post(
        f"/organisations/{verified.id}/members", data={"membership_id": request.id, "decision": decision}
    )
    assert [m.subject for m in outbox("piet@hondsrug.example")] == [subject]


def test_a_removed_member_is_told(client, auth, session, verified, make_user, outbox):
    make_user("piet@hondsrug.example", verified)
    auth.login("beheer@hondsrug.example")
    member = _membership(session, "piet@hondsrug.example")
    client.post(
        f"/organisations/{verified.id}/members", data={"membership_id": member.id, "decision": "reject"}
    )
    assert [m.subject for m in outbox("piet@hondsrug.example")] == [
        "U bent geen lid meer van Woonstichting Hondsrug op Circulair Noord"
    ]
