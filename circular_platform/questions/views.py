from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from circular_platform import history, permissions, status_moves
from circular_platform.db import db
from circular_platform.forms import domain_errors_on
from circular_platform.marketplace import filter_options, list_filters, organisations_for
from circular_platform.matches import future
from circular_platform.matches import services as matches
from circular_platform.matches.similar import count_similar_questions, similar_questions
from circular_platform.models import Municipality, Question, QuestionStatus
from circular_platform.pagination import LIST_COUNT_UP_TO, paginate
from circular_platform.questions import services
from circular_platform.questions.forms import QuestionForm

bp = Blueprint("questions", __name__, url_prefix="/questions")
FILTERS = ("theme", "sector", "province", "municipality", "status", "procurement", "sort")


# What the question's page shows of it, loaded with it rather than one query each.
SHOWN_WITH_QUESTION = (
    joinedload(Question.organisation),
    joinedload(Question.municipality).joinedload(Municipality.province),
    joinedload(Question.material_lines),
)


def load_visible(question_id: int) -> Question:
    """The question, or 404 also when the user may not see it: hidden items are not confirmed to exist."""
    question = db.session.get(Question, question_id, options=SHOWN_WITH_QUESTION)
    if question is None or not permissions.can_view_question(current_user, question):
        abort(404)
    return question


def load_editable(question_id: int) -> Question:
    question = load_visible(question_id)
    permissions.require(permissions.can_edit_question(current_user, question))
    return question


@bp.get("/")
def index():
    filters = list_filters(*FILTERS, status=QuestionStatus)
    query = services.list_query(current_user, filters, loading=services.CARD_LOADING)
    page = paginate(db.session, query, limit=LIST_COUNT_UP_TO, ids_first=True)
    return render_template("questions/index.html", page=page, filters=filters, **filter_options())


@bp.get("/<int:question_id>")
def detail(question_id: int):
    question = load_visible(question_id)
    changes = (
        history.changes_of(db.session, question)
        if permissions.can_edit_question(current_user, question)
        else []
    )
    suggestions = matches.suggestions_for_question(db.session, question)
    return render_template(
        "questions/detail.html",
        question=question,
        changes=changes,
        status_actions=status_moves.actions(question.status, services.ALLOWED_TRANSITIONS),
        suggestions=suggestions,
        similar=similar_questions(db.session, question, current_user),
        future_supply=future.supply_for_question(db.session, question, current_user),
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
    form = QuestionForm(organisations_for(current_user))
    if form.add_line.data:  # only one more empty row: nothing is checked or saved yet
        return render_template("questions/form.html", form=form, question=None)
    if form.validate_on_submit():
        with domain_errors_on(form):
            question = services.post_question(
                db.session, current_user, form.organisation, form.data_for_service(), form.publish.data
            )
            # Counted before the commit: a query after it would open a transaction that the end of
            # the request rolls back, and a rollback drops the prepared statements (db.make_engine).
            similar_count = count_similar_questions(db.session, question, current_user)
            db.session.commit()
            flash(_("Uw vraag is opgeslagen."), "success")
            _announce_similar(similar_count)
            return redirect(url_for("questions.detail", question_id=question.id))
    return render_template("questions/form.html", form=form, question=None), 400


def _announce_similar(count: int) -> None:
    """Tell the owner of a new question how many others ask much the same: together they may buy."""
    if count:
        message = ngettext(
            "Er is %(num)d vergelijkbare vraag van een andere organisatie. Een coördinator kan "
            "de vragen bundelen, zodat u samen kunt inkopen.",
            "Er zijn %(num)d vergelijkbare vragen van andere organisaties. Een coördinator kan ze "
            "bundelen, zodat u samen kunt inkopen.",
            count,
        )
        flash(message, "info")


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
    if form.add_line.data:
        return render_template("questions/form.html", form=form, question=question)
    if form.validate_on_submit():
        with domain_errors_on(form):
            services.update_question(db.session, question, current_user, form.data_for_service())
            db.session.commit()
            flash(_("De wijzigingen zijn opgeslagen."), "success")
            return redirect(url_for("questions.detail", question_id=question.id))
    return render_template("questions/form.html", form=form, question=question), 400


@bp.post("/<int:question_id>/status")
@login_required
def change_status(question_id: int):
    question = load_editable(question_id)
    back = url_for("questions.detail", question_id=question.id)
    return status_moves.change_status(question, services.ALLOWED_TRANSITIONS, services.change_status, back)
