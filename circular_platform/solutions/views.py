from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from circular_platform import history, permissions
from circular_platform.db import db
from circular_platform.marketplace import (
    change_status_or_refuse,
    filter_options,
    list_filters,
    organisations_for,
    save_form,
)
from circular_platform.matches import services as matches
from circular_platform.models import Municipality, Province, Solution, SolutionStatus, User
from circular_platform.pagination import paginate
from circular_platform.solutions import services
from circular_platform.solutions.forms import SolutionForm

bp = Blueprint("solutions", __name__, url_prefix="/solutions")
FILTERS = ("theme", "province", "municipality", "status", "maturity")


def load_visible(solution_id: int) -> Solution:
    solution = db.session.get(Solution, solution_id)
    if solution is None or not permissions.can_view_solution(current_user, solution):
        abort(404)
    return solution


def load_editable(solution_id: int) -> Solution:
    solution = load_visible(solution_id)
    permissions.require(permissions.can_edit_solution(current_user, solution))
    return solution


@bp.get("/")
def index():
    filters = list_filters(*FILTERS)
    municipality = (
        db.session.get(Municipality, filters["municipality"]) if "municipality" in filters else None
    )
    page = paginate(db.session, services.list_query(current_user, filters, municipality))
    return render_template("solutions/index.html", page=page, filters=filters, **filter_options())


@bp.get("/<int:solution_id>")
def detail(solution_id: int):
    solution = load_visible(solution_id)
    changes = (
        history.changes_of(db.session, solution)
        if permissions.can_edit_solution(current_user, solution)
        else []
    )
    transitions = sorted(services.ALLOWED_TRANSITIONS[solution.status])
    suggestions = matches.suggestions_for_solution(db.session, solution, current_user)
    return render_template(
        "solutions/detail.html",
        solution=solution,
        changes=changes,
        transitions=transitions,
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
    organisations = organisations_for(current_user, publishing=True)
    form = SolutionForm(organisations)

    def publish() -> Solution:
        organisation = next(o for o in organisations if o.id == form.organisation_id.data)
        return services.publish_solution(db.session, current_user, organisation, _form_data(form))

    solution = save_form(form, publish, _("Uw aanbod is gepubliceerd."))
    if solution is None:
        return render_template("solutions/form.html", form=form, solution=None), 400
    return redirect(url_for("solutions.detail", solution_id=solution.id))


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

    def save() -> Solution:
        services.update_solution(db.session, solution, current_user, _form_data(form))
        return solution

    if save_form(form, save, _("De wijzigingen zijn opgeslagen.")) is None:
        return render_template("solutions/form.html", form=form, solution=solution), 400
    return redirect(url_for("solutions.detail", solution_id=solution.id))


@bp.post("/<int:solution_id>/status")
@login_required
def change_status(solution_id: int):
    solution = load_editable(solution_id)
    status = request.form.get("status", "")
    change_status_or_refuse(
        lambda: services.change_status(db.session, solution, current_user, SolutionStatus(status))
    )
    return redirect(url_for("solutions.detail", solution_id=solution.id))


def _form_data(form: SolutionForm) -> dict:
    ids = form.municipality_ids.data or []
    municipalities = list(db.session.scalars(select(Municipality).where(Municipality.id.in_(ids))))
    provinces = list(
        db.session.scalars(select(Province).where(Province.id.in_(form.province_ids.data or [])))
    )
    return {
        "title": form.title.data.strip(),
        "description": form.description.data.strip(),
        "themes": form.themes.data or [],
        "nationwide": form.nationwide.data,
        "provinces": provinces,
        "municipalities": municipalities,
        "maturity": form.maturity.data,
        "capacity": (form.capacity.data or "").strip(),
        "certifications": (form.certifications.data or "").strip(),
        "price_indication": (form.price_indication.data or "").strip(),
        "contact": db.session.get(User, form.contact_id.data),
    }
