from __future__ import annotations

from sqlalchemy import func, select

from circular_platform.demo import loader
from circular_platform.models import Question, Solution
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
