from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from circular_platform import permissions
from circular_platform.admin import services
from circular_platform.admin.forms import OrganisationActionForm, UserActionForm
from circular_platform.db import db
from circular_platform.forms import domain_errors_on, flash_errors
from circular_platform.models import Organisation, OutboxMessage, User
from circular_platform.pagination import paginate

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_coordinator():
    permissions.require(permissions.can_view_admin(current_user))


@bp.get("/")
def index():
    return redirect(url_for("admin.organisations"))


@bp.get("/organisations")
def organisations():
    query = select(Organisation).order_by(Organisation.verified, Organisation.name)
    return render_template("admin/organisations.html", page=paginate(db.session, query, 50), form=FlaskForm())


@bp.post("/organisations/<int:organisation_id>")
def update_organisation(organisation_id: int):
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    form = OrganisationActionForm()
    if not form.validate_on_submit():
        abort(400)
    services.update_organisation(db.session, organisation, form.chosen)
    db.session.commit()
    flash(_("%(name)s is bijgewerkt.", name=organisation.name), "success")
    return redirect(url_for("admin.organisations", page=request.args.get("page", 1)))


@bp.get("/users")
def users():
    query = select(User).order_by(User.name)
    return render_template("admin/users.html", page=paginate(db.session, query, 50), form=FlaskForm())


@bp.post("/users/<int:user_id>")
def update_user(user_id: int):
    permissions.require(permissions.can_change_roles(current_user))
    user = db.session.get(User, user_id) or abort(404)
    form = UserActionForm()
    if not form.validate_on_submit():
        abort(400)
    with domain_errors_on(form):
        services.update_user(db.session, user, form.chosen, current_user)
        db.session.commit()
        flash(_("%(name)s is bijgewerkt.", name=user.name), "success")
    flash_errors(form)
    return redirect(url_for("admin.users"))


@bp.get("/outbox")
def outbox():
    permissions.require(permissions.can_read_outbox(current_user))
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    return render_template("admin/outbox.html", page=paginate(db.session, query, 25))
