from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from circular_platform import permissions
from circular_platform.db import db
from circular_platform.models import Organisation, OutboxMessage, User
from circular_platform.organisations.services import set_verified
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
    if not FlaskForm().validate():
        abort(400)
    action = request.form.get("action")
    if action in {"verify", "unverify"}:
        set_verified(db.session, organisation, action == "verify")
    elif action in {"allow_solutions", "disallow_solutions"}:
        organisation.may_publish_solutions = action == "allow_solutions"
    else:
        abort(400)
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
    if not FlaskForm().validate():
        abort(400)
    action = request.form.get("action")
    if action not in {"make_coordinator", "revoke_coordinator", "activate", "deactivate"}:
        abort(400)
    if user.id == current_user.id and action == "deactivate":
        flash(_("U kunt uw eigen account niet blokkeren."), "danger")
        return redirect(url_for("admin.users"))
    if action in {"make_coordinator", "revoke_coordinator"}:
        user.is_coordinator = action == "make_coordinator"
    else:
        user.active = action == "activate"
    db.session.commit()
    flash(_("%(name)s is bijgewerkt.", name=user.name), "success")
    return redirect(url_for("admin.users"))


@bp.get("/outbox")
def outbox():
    permissions.require(permissions.can_read_outbox(current_user))
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    return render_template("admin/outbox.html", page=paginate(db.session, query, 25))
