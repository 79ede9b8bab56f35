"""Questions and solutions: listed and read as on the pages, posted and changed through the same
services as the web forms (so matching and search follow by the same signals)."""

from __future__ import annotations

from flask import abort
from sqlalchemy.orm import selectinload

from circular_platform import permissions
from circular_platform.api import inputs, schemas
from circular_platform.api.caller import api_blueprint, api_user, refused_as_422, require_writer
from circular_platform.db import db
from circular_platform.matches import services as matches
from circular_platform.models import Municipality, Question, Solution
from circular_platform.pagination import paginate
from circular_platform.questions import services as questions
from circular_platform.solutions import services as solutions

questions_bp = api_blueprint("api_questions", "/api/v1/questions", "Questions")
solutions_bp = api_blueprint("api_solutions", "/api/v1/solutions", "Solutions")
QuestionPage = schemas.page_of(schemas.QuestionOut, "QuestionPage")
SolutionPage = schemas.page_of(schemas.SolutionOut, "SolutionPage")
NOT_FOUND = {"description": "Not there, or not visible to the caller", "schema": schemas.Error}


def visible_question(question_id: int) -> Question:
    """404 also for a question the caller may not see: hidden items are not confirmed to exist."""
    question = db.session.get(Question, question_id)
    if question is None or not permissions.can_view_question(api_user(), question):
        abort(404)
    return question


def visible_solution(solution_id: int) -> Solution:
    solution = db.session.get(Solution, solution_id)
    if solution is None or not permissions.can_view_solution(api_user(), solution):
        abort(404)
    return solution


# -- questions ----------------------------------------------------------------------------------


@questions_bp.get("/")
@questions_bp.arguments(schemas.QuestionFilters, location="query")
@questions_bp.response(200, QuestionPage)
def list_questions(filters: dict):
    """Questions the caller may see, newest first, filtered like the list page."""
    per_page = filters.pop("per_page")
    query = questions.list_query(api_user(), filters).options(selectinload(Question.material_lines))
    return paginate(db.session, query, per_page)


@questions_bp.get("/<int:question_id>")
@questions_bp.response(200, schemas.QuestionOut)
@questions_bp.alt_response(404, **NOT_FOUND)
def get_question(question_id: int):
    return visible_question(question_id)


@questions_bp.post("/")
@questions_bp.arguments(schemas.QuestionIn)
@questions_bp.response(201, schemas.QuestionOut)
def create_question(payload: dict):
    """Post a question for one of the caller's organisations (a read-write token)."""
    user = require_writer()
    permissions.require(permissions.can_post_question(user))
    with refused_as_422():
        organisation = inputs.organisation_for(user, payload)
        data = inputs.question_data(payload, organisation)
        question = questions.post_question(db.session, user, organisation, data, payload.get("publish", True))
    db.session.commit()
    return question


@questions_bp.patch("/<int:question_id>")
@questions_bp.arguments(schemas.QuestionChange(partial=True))
@questions_bp.response(200, schemas.QuestionOut)
@questions_bp.alt_response(404, **NOT_FOUND)
def update_question(payload: dict, question_id: int):
    """Change the fields sent; `status` moves the question as the page's buttons do."""
    user = require_writer()
    question = visible_question(question_id)
    permissions.require(permissions.can_edit_question(user, question))
    status = payload.pop("status", None)
    with refused_as_422():
        if payload:
            data = inputs.question_data(payload, question.organisation, current=question)
            questions.update_question(db.session, question, user, data)
        if status is not None and status != question.status:
            questions.change_status(db.session, question, user, status)
    db.session.commit()
    return question


@questions_bp.get("/<int:question_id>/matches")
@questions_bp.response(200, schemas.MatchOut(many=True))
@questions_bp.alt_response(404, **NOT_FOUND)
def question_matches(question_id: int):
    """The solutions suggested for the question, best first, as its page shows them."""
    return matches.suggestions_for_question(db.session, visible_question(question_id))


# -- solutions ----------------------------------------------------------------------------------


@solutions_bp.get("/")
@solutions_bp.arguments(schemas.SolutionFilters, location="query")
@solutions_bp.response(200, SolutionPage)
def list_solutions(filters: dict):
    """Solutions the caller may see, newest first; `municipality` finds those that deliver there."""
    per_page = filters.pop("per_page")
    municipality = (
        db.session.get(Municipality, filters["municipality"]) if "municipality" in filters else None
    )
    query = solutions.list_query(api_user(), filters, municipality).options(
        selectinload(Solution.material_lines)
    )
    return paginate(db.session, query, per_page)


@solutions_bp.get("/<int:solution_id>")
@solutions_bp.response(200, schemas.SolutionOut)
@solutions_bp.alt_response(404, **NOT_FOUND)
def get_solution(solution_id: int):
    return visible_solution(solution_id)


@solutions_bp.post("/")
@solutions_bp.arguments(schemas.SolutionIn)
@solutions_bp.response(201, schemas.SolutionOut)
def create_solution(payload: dict):
    """Publish a solution for one of the caller's organisations that may offer (a read-write token)."""
    user = require_writer()
    permissions.require(permissions.can_post_solution(user))
    with refused_as_422():
        organisation = inputs.organisation_for(user, payload, publishing=True)
        data = inputs.solution_data(payload, organisation)
        solution = solutions.publish_solution(db.session, user, organisation, data)
    db.session.commit()
    return solution


@solutions_bp.patch("/<int:solution_id>")
@solutions_bp.arguments(schemas.SolutionChange(partial=True))
@solutions_bp.response(200, schemas.SolutionOut)
@solutions_bp.alt_response(404, **NOT_FOUND)
def update_solution(payload: dict, solution_id: int):
    user = require_writer()
    solution = visible_solution(solution_id)
    permissions.require(permissions.can_edit_solution(user, solution))
    status = payload.pop("status", None)
    with refused_as_422():
        if payload:
            data = inputs.solution_data(payload, solution.organisation, current=solution)
            solutions.update_solution(db.session, solution, user, data)
        if status is not None and status != solution.status:
            solutions.change_status(db.session, solution, user, status)
    db.session.commit()
    return solution


@solutions_bp.get("/<int:solution_id>/matches")
@solutions_bp.response(200, schemas.MatchOut(many=True))
@solutions_bp.alt_response(404, **NOT_FOUND)
def solution_matches(solution_id: int):
    """The questions the solution may answer, among those the caller may see."""
    return matches.suggestions_for_solution(db.session, visible_solution(solution_id), api_user())
