"""Matching that learns from the people who judge it: judgements from the database, ``flask
matching learn``, feedback that acts at once, strength labels and concept bridges on the cards."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from circular_platform.db import db
from circular_platform.matches import judgements, learning
from circular_platform.matches import services as matches
from circular_platform.matches.store import store
from circular_platform.models import Feedback, Match, MatchStatus
from circular_platform.review import services as review
from matching.learning import MIN_JUDGEMENTS


def match_of(session, question, solution) -> Match:
    query = select(Match).where(Match.question_id == question.id, Match.solution_id == solution.id)
    return session.scalars(query).one()


@pytest.fixture
def market(app, session, corporation, company, make_organisation, make_solution, make_question):
    """Five solutions for a question on insulation in Emmen, the matcher fitted."""
    far = make_organisation("Isolatie Nederland BV", kind="bedrijf", municipality="Groningen")
    solutions = [
        make_solution(company, "Hennepvezel isolatie voor woningen"),
        make_solution(company, "Vlasisolatie voor daken", description="Isolatie van vlas voor daken."),
        make_solution(far, "Isolatie van gevels en daken", area=["Nederland"]),
        make_solution(far, "Isolatie van woningen met cellulose", area=["Nederland"]),
        make_solution(far, "Houten kozijnen uit sloop", description="Hergebruikte houten kozijnen, gekeurd."),
    ]
    question = make_question(
        corporation,
        "Isolatie van daken en gevels voor 180 woningen",
        description="Wij zoeken isolatie van daken en gevels, en kozijnen van tweedehands hout.",
    )
    with app.app_context():
        matches.rebuild(db.session)
        db.session.commit()
    return question, solutions


# -- 1. judgements from the database ----------------------------------------------------------------


def test_feedback_and_the_pipeline_become_graded_judgements(session, market, coordinator):
    question, s = market
    contact = question.contact
    matches.give_feedback(
        session, match_of(session, question, s[0]), "question", Feedback.INTERESTING, contact
    )
    matches.give_feedback(
        session, match_of(session, question, s[1]), "solution", Feedback.NOT_RELEVANT, contact
    )
    review.reject(session, match_of(session, question, s[2]), coordinator, "regio_past_niet")
    piloted = match_of(session, question, s[3])
    review.introduce(session, piloted, coordinator, "Kennismaken?", notify=False)
    review.move(session, piloted, contact, MatchStatus.IN_TALKS, notify=False)
    review.move(session, piloted, contact, MatchStatus.PILOT_OR_CONTRACT, notify=False)
    stopped = match_of(session, question, s[4])
    review.introduce(session, stopped, coordinator, "Kennismaken?", notify=False)
    review.move(session, stopped, contact, MatchStatus.DISCONTINUED, reason="Geen budget.", notify=False)
    session.flush()

    graded = {(j.query_id, j.document_id): j.grade for j in judgements.load(session)}

    assert graded == {
        (question.id, s[0].id): 1,  # interessant
        (question.id, s[1].id): 0,  # niet relevant, here from the solution's side
        (question.id, s[2].id): 0,  # rejected by the coordinator
        (question.id, s[3].id): 2,  # reached a pilot
        (question.id, s[4].id): 1,  # introduced, stopped later: worth talking to
    }
    assert all(j.at is not None for j in judgements.load(session))
    own = session.scalars(select(Match).where(Match.question_id == question.id))
    assert judgements.of_matches(own) == {
        solution: g for (_, solution), g in graded.items()
    }  # what refresh_question reads


def test_the_stage_outweighs_feedback_and_untouched_matches_are_no_judgement(session, market, coordinator):
    question, s = market
    match = match_of(session, question, s[0])
    matches.give_feedback(session, match, "question", Feedback.NOT_RELEVANT, question.contact)
    review.introduce(session, match, coordinator, "Toch even kennismaken?", notify=False)
    session.flush()

    assert [(j.document_id, j.grade) for j in judgements.load(session)] == [(s[0].id, 1)]


# -- 2. flask matching learn -------------------------------------------------------------------------


def test_learn_with_too_few_judgements_says_so_and_saves_nothing(
    app, client, auth, session, market, coordinator
):
    question, s = market
    matches.give_feedback(
        session, match_of(session, question, s[0]), "question", Feedback.INTERESTING, question.contact
    )
    session.commit()

    result = app.test_cli_runner().invoke(args=["matching", "learn"])

    assert result.exit_code == 0, result.output
    assert f"too few judgements (1 < {MIN_JUDGEMENTS})" in result.output
    with app.app_context():
        assert not store().ranker_path.exists()
    auth.login(coordinator.email)
    assert "Nog niet geleerd van oordelen" in client.get("/coordination/quality").text


@pytest.fixture
def judged_market(app, session, corporation, make_organisation, make_solution, make_question):
    """Twelve askers in Emmen who judged their proposals over twelve weeks: they want local
    partners ("interessant") and not the nationwide ones ("niet relevant"), whose texts match
    their questions better."""
    local = make_organisation("Bouwbedrijf Emmen", kind="bedrijf", municipality="Emmen")
    national = make_organisation("Isolatie Nederland BV", kind="bedrijf", municipality="Groningen")
    nearby = [
        make_solution(
            local,
            f"Isolatie voor woningen {n}",
            area=["Emmen"],
            description="Isolatie, geplaatst door ons eigen team.",
        )
        for n in range(3)
    ]
    nationwide = [
        make_solution(
            national,
            f"Isolatie van daken en gevels van woningen {n}",
            area=["Nederland"],
            description="Isolatie van daken en gevels van woningen, biobased isolatie van daken.",
        )
        for n in range(3)
    ]
    questions = [
        make_question(
            corporation,
            f"Isolatie van daken en gevels van woningen, project {n}",
            description="Isolatie van daken en gevels van woningen.",
        )
        for n in range(12)
    ]
    with app.app_context():
        matches.rebuild(db.session)
        start = datetime.now(UTC) - timedelta(weeks=13)
        for n, question in enumerate(questions):
            for solution in nearby + nationwide:
                value = Feedback.INTERESTING if solution in nearby else Feedback.NOT_RELEVANT
                match = match_of(db.session, question, solution)
                matches.give_feedback(db.session, match, "question", value, question.contact)
                match.feedback_at = start + timedelta(weeks=n)
        db.session.commit()
    return questions, nearby, nationwide


def test_learn_with_enough_judgements_saves_the_ranker_and_the_quality_page_shows_it(
    app, client, auth, session, judged_market, coordinator
):
    result = app.test_cli_runner().invoke(args=["matching", "learn"])

    assert result.exit_code == 0, result.output
    assert "72 judgements" in result.output
    assert "Learned ranker in use" in result.output, result.output
    with app.app_context():
        assert store().ranker_path.exists()
        assert store().get().ranker is not None
    auth.login(coordinator.email)
    page = client.get("/coordination/quality").text
    assert "Leren van oordelen" in page
    assert "Kwaliteit zonder leren (nDCG@10)" in page
    assert "Kwaliteit met leren (nDCG@10)" in page
    assert re.search(r"In gebruik</th><td[^>]*>ja<", page)
    assert datetime.now(UTC).strftime("%d-%m-%Y") in page
    client.post("/language", data={"language": "en"})
    english = client.get("/coordination/quality").text
    assert "Quality with learning (nDCG@10)" in english
    assert "it learns from the older judgements" in english


def test_after_learning_the_local_partners_come_first_for_a_new_question(
    app, session, judged_market, corporation, make_question
):
    questions, nearby, nationwide = judged_market
    app.test_cli_runner().invoke(args=["matching", "learn"])

    with app.app_context():  # as in a request: the saved question is matched at once
        new = make_question(
            corporation,
            "Isolatie van daken en gevels van woningen, nieuw project",
            description="Isolatie van daken en gevels van woningen.",
        )
        session.commit()

    query = select(Match.solution_id).where(Match.question_id == new.id).order_by(Match.score.desc())
    best = list(session.scalars(query))
    assert set(best[:3]) == {s.id for s in nearby}  # the matcher alone puts the nationwide ones first


def test_the_nightly_run_learns_once_after_three(app, session, judged_market):
    with app.app_context():
        evening = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 02:00 in Assen
        assert learning.learn_if_due(db.session, evening) is None
        night = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # 04:00
        check = learning.learn_if_due(db.session, night)
        assert check is not None
        assert check.judgements == 72
        assert learning.learn_if_due(db.session, night + timedelta(hours=2)) is None
        assert learning.learn_if_due(db.session, night + timedelta(hours=24)) is not None  # the next night


# -- 3. feedback acts at once --------------------------------------------------------------------------


def test_niet_relevant_removes_the_suggestion_at_once(client, auth, session, market):
    question, s = market
    match = match_of(session, question, s[0])
    auth.login("marieke@hondsrug.example")
    assert f'href="/solutions/{s[0].id}"' in client.get(f"/questions/{question.id}").text

    client.post(f"/matches/{match.id}/feedback", data={"feedback": "niet_relevant"})

    assert f'href="/solutions/{s[0].id}"' not in client.get(f"/questions/{question.id}").text
    assert match not in matches.suggestions_for_question(session, question)
    session.refresh(match)
    assert match.question_feedback == Feedback.NOT_RELEVANT  # kept for the coordinators and the ranker


def test_interessant_brings_more_like_it_at_once(client, auth, session, market):
    question, s = market
    before = {
        m.solution_id: m.score for m in session.scalars(select(Match).where(Match.question_id == question.id))
    }
    liked = match_of(session, question, s[1])  # vlasisolatie voor daken
    auth.login("marieke@hondsrug.example")

    client.post(f"/matches/{liked.id}/feedback", data={"feedback": "interessant"})

    after = {
        m.solution_id: m.score for m in session.scalars(select(Match).where(Match.question_id == question.id))
    }
    others = [sol.id for sol in s if sol.id != s[1].id and sol.id in before]
    assert all(after[i] >= before[i] for i in others)
    assert any(after[i] > before[i] for i in others)  # solutions like the liked one score higher
    assert after[s[1].id] == pytest.approx(before[s[1].id])


# -- 4. explanations and strength labels ----------------------------------------------------------------


def test_the_card_shows_a_strength_label_and_no_percentage(client, auth, session, market):
    question, _ = market
    auth.login("marieke@hondsrug.example")
    page = client.get(f"/questions/{question.id}").text

    labels = re.findall(r"(Sterke|Goede|Mogelijke) match", page)
    assert labels
    assert "overeenkomst" not in page
    assert not re.search(r"\d+%", page)

    client.post("/language", data={"language": "en"})
    english = client.get(f"/questions/{question.id}").text
    assert re.search(r"(Strong|Good|Possible) match", english)


def test_a_concept_bridge_is_shown_in_the_why_line(client, auth, session, market):
    question, s = market
    match = match_of(session, question, s[4])
    assert ["tweedehands", "hergebruikte"] in match.bridges
    auth.login("marieke@hondsrug.example")

    page = client.get(f"/questions/{question.id}").text

    assert "tweedehands ≈ hergebruikte" in page


# -- 5. one score scale, whichever side found the pair -------------------------------------------------


def scores_of(session, question) -> dict[int, float]:
    query = select(Match).where(Match.question_id == question.id)
    return {m.solution_id: m.score for m in session.scalars(query)}


def stored_from_each_side(app, session, question, solutions) -> tuple[dict, dict]:
    """The question's scores after each solution was saved again (its matches are then ranked
    and stored from the solution's side), and after the question was saved again."""
    with app.app_context():
        for solution in solutions:
            matches.refresh_solution(session, solution, store().get())
        session.flush()
        from_solution = scores_of(session, question)
        matches.refresh_question(session, question, store().get())
        session.flush()
    return from_solution, scores_of(session, question)


def test_a_pair_stored_from_either_side_has_one_score_and_label(app, session, market):
    question, s = market

    from_solution, from_question = stored_from_each_side(app, session, question, s)

    assert from_solution == pytest.approx(from_question)
    with app.app_context():
        assert {i: matches.strength_of(v) for i, v in from_solution.items()} == {
            i: matches.strength_of(v) for i, v in from_question.items()
        }


def test_with_the_learned_ranker_a_pair_from_the_solution_side_scores_its_probability(
    app, session, judged_market, corporation, make_question
):
    _, nearby, _ = judged_market
    app.test_cli_runner().invoke(args=["matching", "learn"])
    with app.app_context():
        assert store().get().ranker is not None
        new = make_question(
            corporation, "Isolatie voor woningen", description="Isolatie, door een lokaal team."
        )
        session.commit()

    from_solution, from_question = stored_from_each_side(app, session, new, nearby[:1])

    # The ranker's probability, not the cosine (other pairs were stored before the model changed):
    assert from_solution[nearby[0].id] == pytest.approx(from_question[nearby[0].id])
