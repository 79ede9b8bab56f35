from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from circular_platform.demo import loader
from circular_platform.matches.future import supply_for_passport
from circular_platform.models import BuildingPassport, Question, QuestionStatus, Solution
from circular_platform.notifications.escalation import questions_without_fit
from circular_platform.passwords import verify_password


def test_demo_data_loads_once_with_working_accounts(session):
    assert loader.load(session) is True
    assert loader.load(session) is False
    assert session.scalar(select(func.count(Question.id))) >= 40
    assert session.scalar(select(func.count(Solution.id))) >= 120
    themes = set(session.scalars(select(Question.theme)))
    assert themes == {"biomassa_voedsel", "kunststoffen", "maakindustrie", "bouw", "consumptiegoederen"}
    provinces = {q.municipality.province.name for q in session.scalars(select(Question))}
    assert {"Drenthe", "Groningen", "Fryslân"} <= provinces
    for _label, email in loader.demo_accounts(session):
        user = loader.user_by_email(session, email)
        assert user.confirmed_at is not None
        assert verify_password(user.password_hash, loader.DEMO_PASSWORD)


def test_demo_has_expiring_questions_and_one_without_a_fitting_solution(session):
    loader.load(session)
    today = datetime.now(UTC).date()
    open_questions = session.scalars(select(Question).where(Question.status == QuestionStatus.OPEN)).all()
    assert all(q.valid_until > today for q in open_questions)
    assert len([q for q in open_questions if q.valid_until <= today + timedelta(days=14)]) >= 2
    assert questions_without_fit(session, None, datetime.now(UTC))


def test_demo_passports_release_materials_that_demo_questions_need(app, session):
    loader.load(session)
    passports = {p.name: p for p in session.scalars(select(BuildingPassport))}
    assert len([p for p in passports.values() if p.intervention]) == 3
    coordinator = loader.user_by_email(session, loader.COORDINATOR["email"])
    with app.app_context():  # the matcher's model store belongs to the app
        supply = {
            p.municipality.name: [s.question.title for s in supply_for_passport(session, p, coordinator)]
            for p in passports.values()
        }
    assert any("Coevorden" in title for title in supply["Emmen"])  # houten kozijnen from the Emmen row houses
    assert any("stadhuis" in title for title in supply["Leeuwarden"])  # office furniture from the demolition
