"""GDPR (AVG): "download my data" holds everything that is the user's; deleting an account leaves
their name and address in no row of any table."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import JSON, String, Text, cast, func, select

from circular_platform.accounts import privacy
from circular_platform.accounts.services import decide_membership, user_by_email
from circular_platform.api.tokens import create_token
from circular_platform.db import Base
from circular_platform.impact.services import LineInput, adjust_factor, record_exchange
from circular_platform.matches.services import give_feedback
from circular_platform.materials.services import replace_lines
from circular_platform.models import (
    DemandBundle,
    EmissionFactorChange,
    ExchangeLine,
    Feedback,
    Match,
    MatchEvent,
    MatchStatus,
    Membership,
    Question,
    TokenScope,
)
from circular_platform.questions.services import post_question, update_question
from circular_platform.regions import municipality_by_name
from circular_platform.review import services as review
from tests.conftest import PASSWORD

NAME, EMAIL = "Jantje Vermeulen", "jantje.vermeulen@example.org"
PHONE = "06-12345678"


def _refers_to_users(table) -> bool:
    return any(fk.column.table.name == "user_account" for fk in table.foreign_keys)


def _holds_free_text(table) -> bool:
    """Text and JSON columns, and strings long enough for a sentence (codes and place names are shorter)."""
    return any(
        isinstance(c.type, Text | JSON) or (isinstance(c.type, String) and (c.type.length or 0) >= 160)
        for c in table.columns
    )


def test_every_table_with_people_or_free_text_has_an_eraser():
    needing = {t.name for t in Base.metadata.sorted_tables if _refers_to_users(t) or _holds_free_text(t)}
    assert needing == set(privacy.ERASERS)


@pytest.fixture
def jantje(client, session, corporation, company, coordinator, make_user, make_question, make_solution):
    """A user who leaves a trace in every table that can hold one."""
    make_user("beheer@hennepbouw.example", company, role="admin")
    client.post(
        "/register/join",
        data={
            "organisation_id": company.id,
            "message": f"Ik ben {NAME}, bereikbaar op {PHONE}.",
            "name": NAME,
            "email": EMAIL,
            "password": PASSWORD,
            "password_repeat": PASSWORD,
            "language": "nl",
        },
    )
    user = user_by_email(session, EMAIL)
    user.confirmed_at = datetime.now(UTC)
    decide_membership(session, user.memberships[0], approve=True)
    session.add(Membership(user=user, organisation=corporation, approved=True))
    session.commit()

    data = {
        "title": "Hergebruikte kozijnen",
        "description": "Wij zoeken hergebruikte kozijnen voor 180 woningen.",
        "theme": "bouw",
        "sector": "WU",
        "municipality": municipality_by_name(session, "Emmen"),
    }
    question = post_question(session, user, corporation, data, publish=True)
    session.commit()
    solution = make_solution(company)
    solution.author = solution.contact = user
    marieke = user_by_email(session, "marieke@hondsrug.example")
    update_question(session, question, marieke, {**data, "contact": marieke})  # the log names Jantje
    match = session.scalar(select(Match).where(Match.question_id == question.id)) or Match(
        question=question, solution=solution, score=0.5
    )
    session.add(match)
    session.flush()
    with client.application.test_request_context():
        review.introduce(session, match, coordinator, f"{NAME} ({EMAIL}) weet er alles van.")
    give_feedback(session, match, "solution", Feedback.INTERESTING, user)
    review.add_note(session, match, user, f"Bel mij op {PHONE}, groet {NAME}")
    review.add_note(session, match, coordinator, f"{NAME} belt maandag terug.")
    other = make_question(corporation, "Dakpannen")
    rejected = Match(question=other, solution=solution, score=0.3)
    session.add(rejected)
    session.flush()
    review.reject(session, rejected, coordinator, "anders", f"{NAME} kent deze partij al.")
    session.add(DemandBundle(label=f"Kozijnen ({NAME})", created_by=user))
    create_token(session, user, f"Koppeling van {NAME}", TokenScope.READ)
    session.commit()
    return user


def test_export_holds_everything_that_is_theirs(client, auth, jantje):
    auth.login(EMAIL)
    data = json.loads(client.get("/account/export").data)
    assert {m["message"] for m in data["memberships"]} >= {f"Ik ben {NAME}, bereikbaar op {PHONE}."}
    assert [(q["title"], q["author"], q["contact"]) for q in data["questions"]] == [
        ("Hergebruikte kozijnen", True, False)
    ]
    assert [(s["author"], s["contact"]) for s in data["solutions"]] == [(True, True)]
    assert [f["feedback"] for f in data["match_feedback"]] == ["interessant"]
    notes = {e["note"]: e["by_you"] for e in data["match_log"]}
    assert notes[f"Bel mij op {PHONE}, groet {NAME}"] is True
    assert notes[f"{NAME} belt maandag terug."] is False
    assert any(c["changes"].get("contact") == [NAME, "Marieke"] for c in data["change_log"])
    assert any(c["by_you"] for c in data["change_log"])
    subjects = {m["subject"] for m in data["mails"]}
    assert "Bevestig uw e-mailadres voor Circulair Noord" in subjects  # to them
    assert f"{NAME} wil lid worden van Hennepbouw Drenthe" in subjects  # about them
    assert [b["label"] for b in data["demand_bundles"]] == [f"Kozijnen ({NAME})"]
    assert [(t["name"], t["scope"]) for t in data["api_tokens"]] == [(f"Koppeling van {NAME}", "read")]
    assert "secret_hash" not in data["api_tokens"][0]


def _rows_mentioning(session, needle: str) -> list[str]:
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String | Text | JSON):
                query = select(func.count()).select_from(table)
                query = query.where(func.lower(cast(column, Text)).contains(needle.lower(), autoescape=True))
                if session.scalar(query):
                    found.append(f"{table.name}.{column.name}")
    return found


def test_deleting_the_account_leaves_their_name_and_address_nowhere(client, auth, session, jantje):
    question_id = session.scalar(select(Question.id).where(Question.title == "Hergebruikte kozijnen"))
    assert _rows_mentioning(session, NAME)  # the scan finds what it looks for
    assert _rows_mentioning(session, EMAIL)
    auth.login(EMAIL)
    assert client.post("/account/delete", data={"current_password": PASSWORD}).status_code == 302
    session.expire_all()
    assert user_by_email(session, EMAIL) is None
    assert _rows_mentioning(session, NAME) == []
    assert _rows_mentioning(session, EMAIL) == []
    assert _rows_mentioning(session, PHONE) == []

    auth.login("marieke@hondsrug.example")
    history = client.get(f"/questions/{question_id}").text
    assert "verwijderde gebruiker" in history
    assert NAME not in history


def test_their_notes_keep_the_fact_and_lose_the_text(session, jantje):
    privacy.erase(session, jantje)
    events = session.scalars(select(MatchEvent).order_by(MatchEvent.id)).all()
    by_nobody = [e for e in events if e.user_id is None]
    assert [(e.action, e.note) for e in by_nobody] == [("note", "")]
    assert "verwijderde gebruiker belt maandag terug." in [e.note for e in events]


def test_the_history_names_a_deleted_user_in_the_reader_s_language(client, auth, session, jantje):
    question_id = session.scalar(select(Question.id).where(Question.title == "Hergebruikte kozijnen"))
    privacy.erase(session, jantje)
    session.commit()
    auth.login("marieke@hondsrug.example")
    client.post("/language", data={"language": "en"})
    history = client.get(f"/questions/{question_id}").text
    assert "deleted user" in history
    assert "verwijderde gebruiker" not in history


@pytest.fixture
def completed_deal(session, jantje, coordinator):
    """Jantje's question with material lines, completed with a solution, and its impact recorded by him."""
    question = session.scalar(select(Question).where(Question.title == "Hergebruikte kozijnen"))
    replace_lines(question, [{"material": "houten kozijnen", "quantity": Decimal("180"), "unit": "stuk"}], "")
    match = session.scalar(select(Match).where(Match.question_id == question.id))
    match.status = MatchStatus.COMPLETED
    record_exchange(session, match, jantje, [LineInput("wood", tonnes=12.5)])
    session.add(ExchangeLine(match_id=match.id, material_group="concrete", tonnes=3.0))  # by no one now
    adjust_factor(session, "wood", 300.0, 10.0, jantje)
    session.commit()
    return match


def test_export_holds_material_lines_and_impact_of_their_items(client, auth, completed_deal):
    auth.login(EMAIL)
    data = json.loads(client.get("/account/export").data)
    [question] = data["questions"]
    assert question["material_lines"] == [
        {
            "material": "houten kozijnen",
            "eural_code": "17 02 01",
            "quantity": "180.00",
            "unit": "stuk",
            "condition": "",
            "from_date": None,
        }
    ]
    records = [(r["material_group"], r["tonnes"], r["by_you"]) for r in data["impact_records"]]
    assert records == [("wood", 12.5, True), ("concrete", 3.0, False)]  # the second is on their question
    assert [(c["material_group"], c["primary_kg_per_t"]) for c in data["emission_factor_changes"]] == [
        ("wood", 300.0)
    ]


def test_erasure_keeps_the_figures_and_lines_without_the_person(client, auth, session, completed_deal):
    auth.login(EMAIL)
    assert client.post("/account/delete", data={"current_password": PASSWORD}).status_code == 302
    session.expire_all()
    lines = session.scalars(select(ExchangeLine).order_by(ExchangeLine.id)).all()
    assert [(line.material_group, line.tonnes, line.recorded_by_id) for line in lines] == [
        ("wood", 12.5, None),
        ("concrete", 3.0, None),
    ]
    assert [line.material for line in completed_deal.question.material_lines] == ["houten kozijnen"]
    assert session.get(EmissionFactorChange, "wood").changed_by_id is None
