"""The audit log: what coordinators and administrators did, who, when and from where; shown to
administrators only, kept two years, never edited through the app."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from circular_platform import audit
from circular_platform.accounts import privacy
from circular_platform.impact import factors
from circular_platform.models import (
    AuditAction,
    AuditEntry,
    DemandBundle,
    Match,
    Membership,
    MembershipRole,
    User,
)
from circular_platform.notifications import run
from circular_platform.transfer.services import example_csv

ADMIN = "beheer@nice.example"


@pytest.fixture
def admin(make_user, session) -> User:
    user = make_user(ADMIN, is_admin=True)
    user.name = "Bea Beheer"
    session.commit()
    return user


@pytest.fixture
def as_admin(auth, admin):
    auth.login(ADMIN)
    return admin


def entries(session, action: AuditAction | None = None) -> list[AuditEntry]:
    session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.id)
    return list(session.scalars(query.where(AuditEntry.action == action) if action else query))


def only_entry(session, action: AuditAction) -> AuditEntry:
    found = entries(session, action)
    assert len(found) == 1, [e.action for e in entries(session)]
    return found[0]


# -- what is recorded -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "recorded"),
    [
        ("verify", AuditAction.ORGANISATION_VERIFIED),
        ("unverify", AuditAction.ORGANISATION_UNVERIFIED),
        ("allow_solutions", AuditAction.SOLUTIONS_ALLOWED),
        ("disallow_solutions", AuditAction.SOLUTIONS_DISALLOWED),
    ],
)
def test_organisation_actions_record_who_what_and_where(
    client, session, as_admin, corporation, action, recorded
):
    client.post(f"/admin/organisations/{corporation.id}", data={"action": action})
    entry = only_entry(session, recorded)
    assert (entry.actor_id, entry.actor_name, entry.actor_email) == (as_admin.id, "Bea Beheer", ADMIN)
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "organisation",
        corporation.id,
        "Woonstichting Hondsrug",
    )
    assert entry.address == "127.0.0.1"
    assert datetime.now(UTC) - entry.created_at.replace(tzinfo=UTC) < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("action", "recorded"),
    [
        ("make_coordinator", AuditAction.COORDINATOR_GRANTED),
        ("revoke_coordinator", AuditAction.COORDINATOR_REVOKED),
        ("activate", AuditAction.USER_UNBLOCKED),
    ],
)
def test_role_changes_and_unblocking_are_recorded(client, session, as_admin, make_user, action, recorded):
    jan = make_user("jan@example.org")
    client.post(f"/admin/users/{jan.id}", data={"action": action})
    entry = only_entry(session, recorded)
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "user_account",
        jan.id,
        "Jan <jan@example.org>",
    )


def test_blocking_is_recorded_once_confirmed(client, session, as_admin, make_user):
    jan = make_user("jan@example.org")
    client.post(f"/admin/users/{jan.id}", data={"action": "deactivate"})  # not confirmed yet
    assert entries(session, AuditAction.USER_BLOCKED) == []
    client.post(f"/admin/users/{jan.id}", data={"action": "deactivate", "confirm": "y"})
    assert only_entry(session, AuditAction.USER_BLOCKED).target_id == jan.id


def test_a_refused_action_leaves_no_entry(client, session, as_admin):
    response = client.post(
        f"/admin/users/{as_admin.id}", data={"action": "deactivate", "confirm": "y"}, follow_redirects=True
    )
    assert "eigen account niet blokkeren" in response.text
    assert entries(session) == []


def test_a_coordinator_s_profile_edit_is_recorded_not_the_organisation_s_own(
    client, auth, session, coordinator, make_organisation, make_user
):
    organisation = make_organisation(kvk_number="12345678", verified=True)
    make_user("beheer@hondsrug.example", organisation, role="admin")
    profile = {
        "name": organisation.name,
        "kind": organisation.kind.value,
        "municipality_id": organisation.municipality_id,
        "kvk_number": "12345678",
        "website": "",
        "description": "",
    }
    auth.login("beheer@hondsrug.example")
    client.post(f"/organisations/{organisation.id}/edit", data={**profile, "description": "Wij verhuren."})
    auth.logout()
    auth.login(coordinator.email)
    client.post(f"/organisations/{organisation.id}/edit", data={**profile, "kvk_number": "87654321"})
    entry = only_entry(session, AuditAction.ORGANISATION_EDITED)
    assert (entry.actor_email, entry.detail) == (coordinator.email, {"fields": ["description", "kvk_number"]})


def test_membership_decisions_are_recorded(client, auth, session, coordinator, corporation, make_user):
    jan = make_user("jan@example.org")
    session.add(Membership(user=jan, organisation=corporation))
    session.commit()
    membership = jan.memberships[0]
    auth.login(coordinator.email)
    url = f"/organisations/{corporation.id}/members"
    client.post(url, data={"membership_id": membership.id, "decision": "approve"})
    client.post(url, data={"membership_id": membership.id, "decision": "make_admin"})
    client.post(url, data={"membership_id": membership.id, "decision": "reject"})  # refused: the only admin
    assert [e.action for e in entries(session)][-1] == AuditAction.MEMBER_ROLE_CHANGED
    marieke = next(m for m in corporation.memberships if m.user.email == "marieke@hondsrug.example")
    marieke.role = MembershipRole.ADMIN
    session.commit()
    client.post(url, data={"membership_id": membership.id, "decision": "reject"})
    label = "Jan <jan@example.org> – Woonstichting Hondsrug"
    assert [(e.action, e.target_label, e.detail) for e in entries(session)] == [
        (AuditAction.MEMBER_APPROVED, label, {}),
        (AuditAction.MEMBER_ROLE_CHANGED, label, {"role": "admin"}),
        (AuditAction.MEMBER_REMOVED, label, {}),
    ]


@pytest.mark.app_config(TRUSTED_PROXIES=1)
def test_the_address_behind_a_trusted_proxy_is_the_client_s(client, session, as_admin, corporation):
    client.post(
        f"/admin/organisations/{corporation.id}",
        data={"action": "verify"},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    assert only_entry(session, AuditAction.ORGANISATION_VERIFIED).address == "203.0.113.7"


@pytest.fixture
def match(session, corporation, company, make_question, make_solution) -> Match:
    found = Match(
        question=make_question(corporation, contact=corporation.active_members[0]),
        solution=make_solution(company, contact=company.active_members[0]),
        score=0.5,
        terms=["kozijnen"],
    )
    session.add(found)
    session.commit()
    return found


def test_introducing_a_match_is_recorded(client, auth, session, coordinator, match):
    auth.login(coordinator.email)
    client.post(f"/coordination/matches/{match.id}/introduce", data={"note": "Bel elkaar"})
    entry = only_entry(session, AuditAction.MATCH_INTRODUCED)
    assert entry.actor_email == coordinator.email
    assert (
        entry.target_label == "Hergebruikte kozijnen voor 180 woningen ↔ Hennepvezel isolatie voor woningen"
    )
    assert entry.detail == {"mails": 2}


def test_rejecting_a_match_records_the_reason(client, auth, session, coordinator, match):
    auth.login(coordinator.email)
    client.post(f"/coordination/matches/{match.id}/reject", data={"reason": "anders", "text": "Te ver weg"})
    assert only_entry(session, AuditAction.MATCH_REJECTED).detail == {"reason": "Te ver weg"}


def test_bundle_changes_are_recorded(
    client, auth, session, coordinator, corporation, make_organisation, make_question
):
    other = make_organisation("Woonstichting Drentse Aa", municipality="Assen")
    first, second = make_question(corporation), make_question(other, "Kozijnen voor 240 woningen")
    auth.login(coordinator.email)
    client.post("/coordination/bundles", data={"question_ids": [first.id, second.id], "label": "Kozijnen"})
    bundle = session.scalars(select(DemandBundle)).one()
    client.post(f"/coordination/bundles/{bundle.id}/name", data={"label": "Kozijnen Drenthe"})
    client.post(f"/coordination/bundles/{bundle.id}/status", data={"status": "gezamenlijke_uitvraag"})
    assert only_entry(session, AuditAction.BUNDLE_CREATED).detail == {"questions": [first.id, second.id]}
    assert only_entry(session, AuditAction.BUNDLE_RENAMED).detail == {
        "old": "Kozijnen",
        "new": "Kozijnen Drenthe",
    }
    status = only_entry(session, AuditAction.BUNDLE_STATUS_CHANGED)
    assert status.detail == {"old": "verkenning", "new": "gezamenlijke_uitvraag"}
    assert status.target_label == "Kozijnen Drenthe"


def test_an_import_is_recorded_but_not_a_dry_run(client, auth, session, coordinator, corporation):
    auth.login(coordinator.email)
    upload = {
        "kind": "questions",
        "file": (io.BytesIO(example_csv("questions")), "vragen.csv"),
        "dry_run": "y",
    }
    client.post("/admin/import", data=upload, content_type="multipart/form-data")
    assert entries(session, AuditAction.ITEMS_IMPORTED) == []
    upload = {"kind": "questions", "file": (io.BytesIO(example_csv("questions")), "vragen.csv")}
    assert client.post("/admin/import", data=upload, content_type="multipart/form-data").status_code == 302
    entry = only_entry(session, AuditAction.ITEMS_IMPORTED)
    assert entry.detail == {"kind": "questions", "rows": 2, "first_row": 2, "last_row": 3}  # a material row
    assert entry.actor_email == coordinator.email


def test_downloading_one_s_own_data_is_recorded(client, auth, session, corporation):
    auth.login("marieke@hondsrug.example")
    assert client.get("/account/export").status_code == 200
    assert only_entry(session, AuditAction.PERSONAL_DATA_EXPORTED).actor_email == "marieke@hondsrug.example"


def test_coordinators_csv_exports_are_recorded(client, auth, session, coordinator):
    auth.login(coordinator.email)
    assert client.get("/coordination/region/demand.csv?province=1").status_code == 200
    assert client.get("/coordination/quality.csv").status_code == 200
    assert [e.detail["file"] for e in entries(session, AuditAction.DATA_EXPORTED)] == [
        "open-vraag-per-thema.csv",
        "matchkwaliteit.csv",
    ]


# -- the page -------------------------------------------------------------------------------


def _entry(session, action: AuditAction, name: str, days_ago: float = 0, **fields) -> AuditEntry:
    entry = AuditEntry(
        action=action,
        actor_name=name,
        actor_email=f"{name.lower()}@nice.example",
        created_at=datetime.now(UTC) - timedelta(days=days_ago),
        **fields,
    )
    session.add(entry)
    session.commit()
    return entry


def test_only_administrators_see_the_log(client, auth, session, coordinator, admin):
    assert client.get("/admin/audit").status_code == 302  # to the login page
    auth.login(coordinator.email)
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403
    assert "Auditlog" not in client.get("/admin/users").text
    auth.logout()
    auth.login(ADMIN)
    assert "Auditlog" in client.get("/admin/users").text
    assert client.get("/admin/audit").status_code == 200


def test_the_page_lists_newest_first_with_dutch_labels_and_filters(client, session, as_admin):
    _entry(session, AuditAction.USER_BLOCKED, "Sanne", days_ago=3, target_label="Jan <jan@example.org>")
    _entry(session, AuditAction.MATCH_REJECTED, "Sanne", days_ago=1, detail={"reason": "regio_past_niet"})
    _entry(session, AuditAction.ORGANISATION_VERIFIED, "Piet", days_ago=2)
    page = client.get("/admin/audit").text.split("<tbody>")[1]
    assert (
        page.index("Match afgewezen")
        < page.index("Organisatie geverifieerd")
        < page.index("Gebruiker geblokkeerd")
    )
    assert "reden: Regio past niet" in page
    assert "Jan &lt;jan@example.org&gt;" in page

    by_sanne = client.get("/admin/audit?who=sanne").text.split("<tbody>")[1]
    assert "Match afgewezen" in by_sanne
    assert "Organisatie geverifieerd" not in by_sanne
    blocked = client.get("/admin/audit?action=user_blocked").text.split("<tbody>")[1]
    assert "Match afgewezen" not in blocked
    assert "Gebruiker geblokkeerd" in blocked
    day = (datetime.now(UTC) - timedelta(days=2)).astimezone(audit.LOCAL).date().isoformat()
    that_day = client.get(f"/admin/audit?since={day}&until={day}").text.split("<tbody>")[1]
    assert "Organisatie geverifieerd" in that_day
    assert "Match afgewezen" not in that_day
    assert client.get("/admin/audit?since=gisteren&action=iets").status_code == 200  # ignored

    client.post("/language", data={"language": "en"})
    english = client.get("/admin/audit").text
    assert "Match rejected" in english


def test_the_page_is_paginated(client, session, as_admin):
    for n in range(55):
        _entry(session, AuditAction.ORGANISATION_VERIFIED, f"Piet{n:02d}", days_ago=n / 100)
    assert "Piet00" in client.get("/admin/audit").text
    second = client.get("/admin/audit?page=2").text
    assert "Piet54" in second
    assert "Piet00" not in second


def test_the_csv_export_follows_the_filter_and_is_itself_recorded(client, session, as_admin):
    _entry(session, AuditAction.USER_BLOCKED, "Sanne", target_label="Jan", address="192.0.2.1")
    _entry(session, AuditAction.ORGANISATION_VERIFIED, "Piet")
    response = client.get("/admin/audit.csv?who=sanne")
    assert response.headers["Content-Disposition"] == 'attachment; filename="auditlog.csv"'
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Tijdstip", "Naam", "E-mailadres", "IP-adres", "Actie"]
    assert [row[1:6] for row in rows[1:]] == [
        ["Sanne", "sanne@nice.example", "192.0.2.1", "Gebruiker geblokkeerd", "user_blocked"]
    ]
    exported = only_entry(session, AuditAction.AUDIT_EXPORTED)
    assert (exported.actor_email, exported.detail) == (ADMIN, {"filters": "who=sanne"})


def test_no_route_changes_the_log(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin/audit"):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


# -- retention and erasure ---------------------------------------------------------------------


def test_the_periodic_run_removes_entries_past_two_years(session):
    now = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    for days, name in ((732, "Oud"), (729, "Recent")):
        session.add(
            AuditEntry(
                action=AuditAction.USER_BLOCKED, actor_name=name, created_at=now - timedelta(days=days)
            )
        )
    session.commit()
    run.run(session, now)
    session.commit()
    assert [e.actor_name for e in entries(session, AuditAction.USER_BLOCKED)] == ["Recent"]
    assert only_entry(session, AuditAction.AUDIT_PRUNED).detail == {"removed": 1}


def test_flask_audit_prune(app, session):
    session.add(
        AuditEntry(action=AuditAction.USER_BLOCKED, created_at=datetime.now(UTC) - timedelta(days=800))
    )
    session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "prune"])
    assert result.exit_code == 0, result.output
    assert "1 audit log entries older than two years deleted" in result.output
    assert (
        session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == AuditAction.USER_BLOCKED))
        == 0
    )


def test_erasing_an_account_keeps_its_entries_under_a_pseudonym(client, session, as_admin, make_user):
    jan = make_user("jan@example.org", is_admin=True)
    jan.name = "Jan Janssen"
    session.commit()
    client.post(f"/admin/users/{jan.id}", data={"action": "revoke_coordinator"})  # Bea acts on Jan
    client.post("/logout")
    client.post("/login", data={"email": "jan@example.org", "password": "een lang wachtwoord voor tests"})
    client.post(f"/admin/users/{as_admin.id}", data={"action": "make_coordinator"})  # Jan acts on Bea
    jan_id = jan.id
    privacy.erase(session, jan)
    session.commit()
    by_jan = only_entry(session, AuditAction.COORDINATOR_GRANTED)
    assert (by_jan.actor_id, by_jan.actor_name, by_jan.actor_email) == (jan_id, privacy.DELETED_USER, "")
    assert by_jan.address == "127.0.0.1"
    about_jan = only_entry(session, AuditAction.COORDINATOR_REVOKED)
    assert about_jan.actor_name == "Bea Beheer"
    assert "Jan" not in about_jan.target_label
    assert about_jan.target_id == jan_id


def test_an_emission_factor_change_is_recorded_with_old_and_new_values(client, session, as_admin):
    concrete = factors.shipped()["concrete"]
    client.post("/admin/emission-factors/concrete", data={"primary": "1.003,2", "reuse": "3,2"})
    client.post("/admin/emission-factors/concrete", data={"primary": "1.003,2", "reuse": "3,2"})  # no change
    entry = only_entry(session, AuditAction.EMISSION_FACTOR_CHANGED)
    assert entry.actor_id == as_admin.id
    assert entry.detail == {
        "group": "concrete",
        "old_primary": concrete.primary,
        "new_primary": 1003.2,
        "old_reuse": concrete.reuse,
        "new_reuse": 3.2,
    }
    page = client.get("/admin/audit").text
    assert "Emissiefactor aangepast" in page
    assert "nieuw materiaal wordt (kg CO2e/t): 1003.2" in page
