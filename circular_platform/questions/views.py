from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from circular_platform import history, permissions
from circular_platform.db import db
from circular_platform.errors import DomainError
from circular_platform.marketplace import (
    change_status_or_refuse,
    filter_options,
    list_filters,
    organisations_for,
    save_form,
)
from circular_platform.matches import services as matches
from circular_platform.models import Municipality, Question, QuestionStatus, User
from circular_platform.pagination import paginate
from circular_platform.questions import services
from circular_platform.questions.forms import QuestionForm, StatusForm

bp = Blueprint("questions", __name__, url_prefix="/questions")
FILTERS = ("theme", "sector", "province", "municipality", "status", "procurement", "sort")


def load_visible(question_id: int) -> Question:
    """The question, or 404 also when the user may not see it: hidden items are not confirmed to exist."""
    question = db.session.get(Question, question_id)
    if question is None or not permissions.can_view_question(current_user, question):
        abort(404)
    return question


def load_editable(question_id: int) -> Question:
    question = load_visible(question_id)
    permissions.require(permissions.can_edit_question(current_user, question))
    return question


@bp.get("/")
def index():
    filters = list_filters(*FILTERS)
    page = paginate(db.session, services.list_query(current_user, filters))
    return render_template("questions/index.html", page=page, filters=filters, **filter_options())


@bp.get("/<int:question_id>")
def detail(question_id: int):
    question = load_visible(question_id)
    changes = (
        history.changes_of(db.session, question)
        if permissions.can_edit_question(current_user, question)
        else []
    )
    status_form = StatusForm()
    status_form.status.choices = [(s.value, s.label) for s in services.ALLOWED_TRANSITIONS[question.status]]
    suggestions = matches.suggestions_for_question(db.session, question)
    return render_template(
        "questions/detail.html",
        question=question,
        changes=changes,
        status_form=status_form,
        suggestions=suggestions,
    )


@bp.get("/new")
@login_required
def new():
    permissions.require(permissions.can_post_question(current_user))
    organisations = organisations_for(current_user)
    home = organisations[0].municipality_id if organisations else None
    form = QuestionForm(organisations, contact_id=current_user.id, municipality_id=home)
    return render_template("questions/form.html", form=form, question=None)


@bp.post("/new")
@login_required
def create():
    permissions.require(permissions.can_post_question(current_user))
    organisations = organisations_for(current_user)
    form = QuestionForm(organisations)

    def post() -> Question:
        organisation = next(o for o in organisations if o.id == form.organisation_id.data)
        publish = "publish" in request.form
        return services.post_question(db.session, current_user, organisation, _form_data(form), publish)

    question = save_form(form, post, _("Uw vraag is opgeslagen."))
    if question is None:
        return render_template("questions/form.html", form=form, question=None), 400
    return redirect(url_for("questions.detail", question_id=question.id))


@bp.get("/<int:question_id>/edit")
@login_required
def edit(question_id: int):
    question = load_editable(question_id)
    form = QuestionForm([question.organisation], obj=question)
    return render_template("questions/form.html", form=form, question=question)


@bp.post("/<int:question_id>/edit")
@login_required
def update(question_id: int):
    question = load_editable(question_id)
    form = QuestionForm([question.organisation])

    def save() -> Question:
        services.update_question(db.session, question, current_user, _form_data(form))
        return question

    if save_form(form, save, _("De wijzigingen zijn opgeslagen.")) is None:
        return render_template("questions/form.html", form=form, question=question), 400
    return redirect(url_for("questions.detail", question_id=question.id))


@bp.post("/<int:question_id>/status")
@login_required
def change_status(question_id: int):
    question = load_editable(question_id)
    status = request.form.get("status", "")
    change_status_or_refuse(
        lambda: services.change_status(db.session, question, current_user, QuestionStatus(status))
    )
    return redirect(url_for("questions.detail", question_id=question.id))


def _form_data(form: QuestionForm) -> dict:
    municipality = db.session.get(Municipality, form.municipality_id.data)
    if municipality is None:
        raise DomainError(_("Kies een bestaande gemeente."), "municipality_id")
    return form.data_for_service(municipality, db.session.get(User, form.contact_id.data))
