from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, session, url_for
from flask_login import current_user, login_required

from circular_platform import permissions
from circular_platform.accounts import services as accounts
from circular_platform.admin import services as admin
from circular_platform.db import db
from circular_platform.main import services
from circular_platform.main.forms import LanguageForm
from circular_platform.models import Question, Solution
from circular_platform.models._types import utcnow
from circular_platform.pagination import paginate
from circular_platform.urls import safe_next

bp = Blueprint("main", __name__)
MY_ITEMS = 20  # questions, and solutions, per page of "Mijn organisatie"


@bp.get("/")
def home():
    provinces = services.northern_provinces(db.session)
    counts = services.province_counts(db.session, provinces, current_user)
    return render_template("main/home.html", provinces=provinces, counts=counts)


@bp.get("/mine")
@login_required
def my_items():
    """Everything of the user's organisations, in every status."""
    organisation_ids = [o.id for o in current_user.organisations]
    questions = services.items_of(Question, organisation_ids)
    solutions = services.items_of(Solution, organisation_ids)
    return render_template(
        "main/my_items.html",
        questions=paginate(db.session, questions, MY_ITEMS, argument="questions_page", ids_first=True),
        solutions=paginate(db.session, solutions, MY_ITEMS, argument="solutions_page", ids_first=True),
    )


@bp.get("/dashboard")
@login_required
def dashboard():
    """Mijn overzicht, and a coordinator's or administrator's own work (review queue, verifications);
    what is new is computed first, then the visit is recorded."""
    user = current_user._get_current_object()
    coordinating = permissions.can_review_matches(user)
    now = utcnow()
    overview = services.overview(db.session, user, now)
    page = render_template(
        "main/dashboard.html",
        overview=overview,
        queue_size=services.review_queue_size(db.session) if coordinating else None,
        unverified=admin.unverified_count(db.session) if coordinating else None,
    )
    services.mark_overview_seen(db.session, user, now)
    db.session.commit()
    return page


@bp.get("/about/themes")
def themes():
    return render_template("main/themes.html")


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["language"] = form.language.data
    if current_user.is_authenticated:
        accounts.set_language(db.session, current_user, form.language.data)
        db.session.commit()
    return redirect(safe_next(url_for("main.home")))
