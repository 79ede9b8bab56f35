from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.interfaces import ORMOption

from circular_platform import history, permissions, status_moves
from circular_platform.db import db
from circular_platform.forms import domain_errors_on
from circular_platform.marketplace import filter_options, list_filters, organisations_for
from circular_platform.matches import services as matches
from circular_platform.models import Municipality, Solution, SolutionStatus
from circular_platform.pagination import LIST_COUNT_UP_TO, paginate
from circular_platform.solutions import services
from circular_platform.solutions.forms import SolutionForm

bp = Blueprint("solutions", __name__, url_prefix="/solutions")
FILTERS = ("theme", "province", "municipality", "status", "maturity")


def load_visible(solution_id: int, loading: Sequence[ORMOption] = ()) -> Solution:
    solution = db.session.get(Solution, solution_id, options=loading)
    if solution is None or not permissions.can_view_solution(current_user, solution):
        abort(404)
    return solution


def load_editable(solution_id: int) -> Solution:
    solution = load_visible(solution_id)
    permissions.require(permissions.can_edit_solution(current_user, solution))
    return solution


@bp.get("/")
def index():
    filters = list_filters(*FILTERS, status=SolutionStatus)
    municipality = (
        db.session.get(Municipality, filters["municipality"]) if "municipality" in filters else None
    )
    query = services.list_query(current_user, filters, municipality, loading=services.CARD_LOADING)
    page = paginate(db.session, query, limit=LIST_COUNT_UP_TO, ids_first=True)
    return render_template("solutions/index.html", page=page, filters=filters, **filter_options())


@bp.get("/<int:solution_id>")
def detail(solution_id: int):
    solution = load_visible(solution_id, services.PAGE_LOADING)
    changes = (
        history.changes_of(db.session, solution)
        if permissions.can_edit_solution(current_user, solution)
        else []
    )
    suggestions = matches.suggestions_for_solution(db.session, solution, current_user)
    return render_template(
        "solutions/detail.html",
        solution=solution,
        changes=changes,
        status_actions=status_moves.actions(solution.status, services.ALLOWED_TRANSITIONS),
        suggestions=suggestions,
    )


@bp.get("/new")
@login_required
def new():
    permissions.require(permissions.can_post_solution(current_user))
    form = SolutionForm(organisations_for(current_user, publishing=True), contact_id=current_user.id)
    return render_template("solutions/form.html", form=form, solution=None)


@bp.post("/new")
@login_required
def create():
    permissions.require(permissions.can_post_solution(current_user))
    form = SolutionForm(organisations_for(current_user, publishing=True))
    if form.add_line.data:  # only one more empty row: nothing is checked or saved yet
        return render_template("solutions/form.html", form=form, solution=None)
    if form.validate_on_submit():
        with domain_errors_on(form):
            solution = services.publish_solution(
                db.session, current_user, form.organisation, form.data_for_service()
            )
            db.session.commit()
            flash(_("Uw aanbod is gepubliceerd."), "success")
            return redirect(url_for("solutions.detail", solution_id=solution.id))
    return render_template("solutions/form.html", form=form, solution=None), 400


@bp.get("/<int:solution_id>/edit")
@login_required
def edit(solution_id: int):
    solution = load_editable(solution_id)
    form = SolutionForm(
        [solution.organisation],
        obj=solution,
        province_ids=[p.id for p in solution.provinces],
        municipality_ids=[m.id for m in solution.municipalities],
    )
    return render_template("solutions/form.html", form=form, solution=solution)


@bp.post("/<int:solution_id>/edit")
@login_required
def update(solution_id: int):
    solution = load_editable(solution_id)
    form = SolutionForm([solution.organisation])
    if form.add_line.data:
        return render_template("solutions/form.html", form=form, solution=solution)
    if form.validate_on_submit():
        with domain_errors_on(form):
            services.update_solution(db.session, solution, current_user, form.data_for_service())
            db.session.commit()
            flash(_("De wijzigingen zijn opgeslagen."), "success")
            return redirect(url_for("solutions.detail", solution_id=solution.id))
    return render_template("solutions/form.html", form=form, solution=solution), 400


@bp.post("/<int:solution_id>/status")
@login_required
def change_status(solution_id: int):
    solution = load_editable(solution_id)
    back = url_for("solutions.detail", solution_id=solution.id)
    return status_moves.change_status(solution, services.ALLOWED_TRANSITIONS, services.change_status, back)
