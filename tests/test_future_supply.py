"""Future supply: materials a planned renovation releases, matched to open questions with their dates."""

from __future__ import annotations

from datetime import date

import pytest

from circular_platform.formats import display_month_name
from circular_platform.matches.future import fits
from circular_platform.models import Intervention
from circular_platform.models._types import utcnow
from circular_platform.passports import services
from circular_platform.questions.services import add_months
from circular_platform.regions import municipality_by_name


def months_from_now(months: int) -> date:
    return add_months(utcnow().date().replace(day=1), months)


@pytest.fixture
def passport(session, make_organisation, make_user):
    municipality = make_organisation("Gemeente Emmen", kind="gemeente")
    make_user("bouw@emmen.example", municipality)
    data = {
        "name": "Rijtjeswoningen Emmerhout",
        "municipality": municipality_by_name(session, "Emmen"),
        "intervention": Intervention.RENOVATION,
        "intervention_date": months_from_now(14),
        "published": True,
        "material_lines": [
            {"material": "houten kozijnen", "quantity": 180, "unit": "stuk"},
            {"material": "bakstenen", "quantity": 240, "unit": "ton"},
        ],
    }
    passport = services.register_passport(session, municipality, data)
    session.commit()
    return passport


def _question(make_question, corporation, start_in_months: int):
    return make_question(
        corporation,
        "Hergebruikte houten kozijnen voor nieuwbouw",
        description="Wij zoeken tweedehands houten kozijnen voor 40 nieuwe woningen.",
        desired_start=months_from_now(start_in_months),
    )


def test_the_passport_page_shows_questions_the_release_fits(
    client, auth, passport, corporation, make_question
):
    question = _question(make_question, corporation, 18)
    auth.login("bouw@emmen.example")
    page = client.get(f"/passports/{passport.id}").text
    assert question.title in page
    month = display_month_name(passport.intervention_date, locale="nl")  # "maart 2028"
    assert f"Komt vrij in {month} in Emmen" in page


def test_the_question_page_shows_materials_that_come_free(client, auth, passport, corporation, make_question):
    question = _question(make_question, corporation, 18)
    auth.login("marieke@hondsrug.example")
    page = client.get(f"/questions/{question.id}").text
    assert "Materialen die vrijkomen" in page
    assert "Rijtjeswoningen Emmerhout" in page


def test_a_need_long_after_the_release_is_not_matched(client, auth, passport, corporation, make_question):
    question = _question(make_question, corporation, 36)
    auth.login("marieke@hondsrug.example")
    assert "Rijtjeswoningen Emmerhout" not in client.get(f"/questions/{question.id}").text


def test_a_private_passport_stays_out_of_others_pages(
    client, auth, session, passport, corporation, make_question
):
    passport.published = False
    session.commit()
    question = _question(make_question, corporation, 18)
    auth.login("marieke@hondsrug.example")
    assert "Rijtjeswoningen Emmerhout" not in client.get(f"/questions/{question.id}").text


@pytest.mark.parametrize(
    ("need_in", "fitting"),
    [(None, True), (11, True), (12, True), (24, True), (26, True), (10, False), (27, False)],
)
def test_a_release_in_14_months_fits_a_need_from_11_to_26_months(need_in, fitting):
    release = months_from_now(14)
    need = months_from_now(need_in) if need_in is not None else None
    assert fits(release, need) is fitting
