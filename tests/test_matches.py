from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from circular_platform.db import db
from circular_platform.matches import services as matches
from circular_platform.matches.views import highlight
from circular_platform.models import Match, MatchStatus, Question


@pytest.fixture
def market(make_organisation, make_user, make_solution):
    """A housing corporation in Emmen and three companies, with the matcher fitted."""
    corporation = make_organisation("Woonstichting Hondsrug", municipality="Emmen")
    make_user("marieke@hondsrug.example", corporation)
    hemp = make_organisation("Hennepbouw Noord", kind="bedrijf", municipality="Veendam")
    make_user("info@hennepbouw.example", hemp)
    frames = make_organisation("Kozijnbank", kind="bedrijf", municipality="Assen")
    coffee = make_organisation("Koffiedik BV", kind="bedrijf", municipality="Groningen")
    solutions = {
        "hemp": make_solution(
            hemp,
            "Hennepvezel isolatiemateriaal voor woningen",
            description="Biobased isolatie van hennep voor gevels en daken van woningen.",
        ),
        "frames": make_solution(
            frames,
            "Hergebruikte houten kozijnen uit sloop",
            description="Gekeurde kozijnen uit sloopwoningen, klaar voor renovatie.",
        ),
        "coffee": make_solution(
            coffee,
            "Oesterzwammen kweken op koffiedik",
            themes=["biomassa_voedsel"],
            description="Wij halen koffiedik op bij kantoren en kweken er paddenstoelen op.",
        ),
        "far": make_solution(
            hemp,
            "Hennep isolatie voor woningen in Leeuwarden",
            area=["Leeuwarden"],
            description="Isolatie van hennep voor woningen, alleen in Leeuwarden.",
        ),
    }
    return corporation, solutions


@pytest.fixture
def fitted(app, session, market, make_question):
    corporation, solutions = market
    make_question(
        corporation,
        "Oude vraag over isolatie van woningen",
        description="Isolatie van daken en gevels van woningen.",
    )
    with app.app_context():
        matches.rebuild(db.session)
        db.session.commit()
    return market


def question_form(session, corporation, title: str, description: str) -> dict:
    from circular_platform.regions import municipality_by_name

    return {
        "organisation_id": corporation.id,
        "title": title,
        "description": description,
        "theme": "bouw",
        "sector": "WU",
        "municipality_id": municipality_by_name(session, "Emmen").id,
        "visibility": "public",
        "contact_id": corporation.active_members[0].id,
        "publish": "1",
    }


def post_question(client, session, corporation, title: str, description: str) -> Question:
    client.post("/questions/new", data=question_form(session, corporation, title, description))
    return session.scalar(select(Question).where(Question.title == title))


def matched_titles(session, question: Question) -> list[str]:
    rows = session.scalars(select(Match).where(Match.question_id == question.id).order_by(Match.score.desc()))
    return [m.solution.title for m in rows]


def test_posting_a_question_stores_and_shows_its_matches(client, auth, session, fitted):
    corporation, _ = fitted
    auth.login("marieke@hondsrug.example")
    question = post_question(
        client,
        session,
        corporation,
        "Biobased isolatiemateriaal voor 180 woningen",
        "Wij zoeken hennep of ander biobased isolatiemateriaal voor de renovatie.",
    )
    titles = matched_titles(session, question)
    assert titles[0] == "Hennepvezel isolatiemateriaal voor woningen"
    assert "Oesterzwammen kweken op koffiedik" not in titles  # another theme, no shared need
    assert "Hennep isolatie voor woningen in Leeuwarden" not in titles  # does not serve Emmen
    page = client.get(f"/questions/{question.id}").text
    assert f'href="/solutions/{fitted[1]["hemp"].id}"' in page
    assert "<mark>isolatiemateriaal</mark>" in page
    assert re.search(r"(Sterke|Goede|Mogelijke) match", page)


def test_a_new_solution_finds_open_questions(client, auth, session, fitted, make_question):
    corporation, _ = fitted
    question = session.scalar(select(Question))
    auth.login("info@hennepbouw.example")
    page = client.get(f"/solutions/{fitted[1]['hemp'].id}").text
    assert f'href="/questions/{question.id}"' in page


def test_feedback_is_kept_when_matching_runs_again(app, client, auth, session, fitted):
    corporation, solutions = fitted
    question = session.scalar(select(Question))
    match = session.scalar(
        select(Match).where(Match.question_id == question.id, Match.solution_id == solutions["frames"].id)
    )
    assert match is not None
    auth.login("marieke@hondsrug.example")
    client.post(f"/matches/{match.id}/feedback", data={"feedback": "niet_relevant"})
    # The question changes so the frames no longer fit; the judged match stays, the others go.
    form = question_form(
        session, corporation, "Dakisolatie van hennep", "Alleen dakisolatie van hennep graag."
    )
    client.post(f"/questions/{question.id}/edit", data=form)
    session.refresh(match)
    assert match.question_feedback == "niet_relevant"
    assert solutions["frames"].title in matched_titles(session, question)


def test_unknown_feedback_is_refused_and_nothing_stored(client, auth, session, fitted):
    match = session.scalar(select(Match))
    auth.login("marieke@hondsrug.example")
    assert client.post(f"/matches/{match.id}/feedback", data={"feedback": "geweldig"}).status_code == 400
    session.refresh(match)
    assert (match.question_feedback, match.solution_feedback) == (None, None)


def test_other_organisation_cannot_give_feedback(client, auth, session, fitted, make_organisation, make_user):
    make_user("iemand@elders.example", make_organisation("Elders", kind="gemeente", municipality="Assen"))
    match = session.scalar(select(Match))
    auth.login("iemand@elders.example")
    assert client.post(f"/matches/{match.id}/feedback", data={"feedback": "interessant"}).status_code == 403


def test_archiving_a_solution_drops_its_open_proposals(client, auth, session, fitted):
    _, solutions = fitted
    hemp = solutions["hemp"]
    assert session.scalars(select(Match).where(Match.solution_id == hemp.id)).all()
    auth.login("info@hennepbouw.example")
    client.post(f"/solutions/{hemp.id}/status", data={"status": "gearchiveerd", "confirmed": "y"})
    assert session.scalars(select(Match).where(Match.solution_id == hemp.id)).all() == []


def test_withdrawing_keeps_matches_people_acted_on(client, auth, session, fitted):
    question = session.scalar(select(Question))
    proposals = session.scalars(select(Match).where(Match.question_id == question.id)).all()
    assert len(proposals) >= 2
    proposals[0].status = MatchStatus.INTRODUCED
    session.commit()
    auth.login("marieke@hondsrug.example")
    client.post(f"/questions/{question.id}/status", data={"status": "ingetrokken", "confirmed": "y"})
    left = session.scalars(select(Match).where(Match.question_id == question.id)).all()
    assert [m.id for m in left] == [proposals[0].id]


def test_without_a_model_the_first_post_builds_one(client, auth, session, market, app):
    corporation, _ = market
    auth.login("marieke@hondsrug.example")
    question = post_question(
        client,
        session,
        corporation,
        "Hennep isolatie voor 40 woningen",
        "Biobased isolatie van hennep voor daken van woningen.",
    )
    assert "Hennepvezel isolatiemateriaal voor woningen" in matched_titles(session, question)


def test_highlight_marks_words_sharing_a_stem():
    html = highlight("Wij leveren <b>kozijnen</b>, hennepvezel en isolatie", ["kozijn", "hennep"])
    assert "<mark>kozijnen</mark>" in html
    assert "<mark>hennepvezel</mark>" in html
    assert "&lt;b&gt;" in html
    assert "<mark>isolatie</mark>" not in html


def test_an_unusable_stored_model_is_rebuilt_not_a_failed_post(app, client, auth, session, fitted):
    corporation, _ = fitted
    path = Path(app.config["MATCHING_MODEL_PATH"])
    path.with_suffix(".solutions").write_bytes(b"not a model")  # as if written by another version
    path.touch()
    auth.login("marieke@hondsrug.example")
    question = post_question(
        client,
        session,
        corporation,
        "Hennep isolatie voor 60 woningen",
        "Biobased isolatie van hennep voor daken.",
    )
    assert question is not None
    assert "Hennepvezel isolatiemateriaal voor woningen" in matched_titles(session, question)


def test_saving_a_concept_is_quiet_and_keeps_the_model(client, auth, session, fitted, caplog):
    corporation, _ = fitted
    auth.login("marieke@hondsrug.example")
    form = question_form(
        session, corporation, "Concept: hennep isolatie", "Nog niet publiceren, eerst intern."
    )
    del form["publish"]
    with caplog.at_level("INFO", logger="circular_platform.matches"):
        client.post("/questions/new", data=form)
    assert (
        session.scalar(select(Question).where(Question.title == "Concept: hennep isolatie")).status
        == "concept"
    )
    assert [r for r in caplog.records if r.levelname in {"WARNING", "ERROR"}] == []
