from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from circular_platform import audit, permissions
from circular_platform.admin import services
from circular_platform.admin.forms import CoordinatorProvinceForm, OrganisationActionForm, UserActionForm
from circular_platform.db import db, writes
from circular_platform.forms import domain_errors_on, flash_errors
from circular_platform.models import AuditAction, Organisation, OutboxMessage, Province, User
from circular_platform.pagination import paginate
from circular_platform.review.services import REJECT_REASONS

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
    text, status = request.args.get("q", ""), request.args.get("status", "")
    page = paginate(db.session, services.organisations_query(text, status), 50)
    return render_template(
        "admin/organisations.html",
        page=page,
        text=text,
        status=status,
        unverified=services.unverified_count(db.session),
        form=FlaskForm(),
    )


def _list_args() -> dict:
    """The list's search, filter and page, to return to after an action."""
    return {key: value for key in ("q", "status", "page") if (value := request.args.get(key))}


@bp.post("/organisations/<int:organisation_id>")
def update_organisation(organisation_id: int):
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    form = OrganisationActionForm()
    if not form.validate_on_submit():
        abort(400)
    services.update_organisation(db.session, organisation, form.chosen)
    db.session.commit()
    flash(str(services.ORGANISATION_MESSAGES[form.chosen]) % {"name": organisation.name}, "success")
    anchor = f"organisation-{organisation.id}"
    return redirect(url_for("admin.organisations", **_list_args(), _anchor=anchor))


@bp.get("/users")
def users():
    text = request.args.get("q", "")
    page = paginate(db.session, services.users_query(text), 50)
    province_form = CoordinatorProvinceForm(_provinces())
    return render_template(
        "admin/users.html", page=page, text=text, form=FlaskForm(), province_form=province_form
    )


@bp.get("/users/<int:user_id>/block")
def confirm_block(user_id: int):
    permissions.require(permissions.can_change_roles(current_user))
    user = db.session.get(User, user_id) or abort(404)
    return render_template("admin/block.html", user=user, form=UserActionForm(action="deactivate"))


@bp.post("/users/<int:user_id>")
def update_user(user_id: int):
    permissions.require(permissions.can_change_roles(current_user))
    user = db.session.get(User, user_id) or abort(404)
    form = UserActionForm()
    if not form.validate_on_submit():
        abort(400)
    if form.unconfirmed_block:
        form.confirm.errors = [_("Vink aan dat u deze gebruiker wilt blokkeren.")]
        return render_template("admin/block.html", user=user, form=form), 400
    with domain_errors_on(form):
        services.update_user(db.session, user, form.chosen, current_user)
        db.session.commit()
        flash(_("%(name)s is bijgewerkt.", name=user.name), "success")
    flash_errors(form)
    return redirect(url_for("admin.users", **_list_args(), _anchor=f"user-{user.id}"))


@bp.post("/users/<int:user_id>/province")
def change_coordinated_province(user_id: int):
    permissions.require(permissions.can_change_roles(current_user))
    user = db.session.get(User, user_id) or abort(404)
    form = CoordinatorProvinceForm(_provinces())
    if form.validate_on_submit():
        province = db.session.get(Province, form.province_id.data)
        services.set_coordinated_province(db.session, user, province, current_user)
        db.session.commit()
        flash(_("%(name)s is bijgewerkt.", name=user.name), "success")
    flash_errors(form)
    return redirect(url_for("admin.users", **_list_args(), _anchor=f"user-{user.id}"))


def _provinces() -> list[Province]:
    return list(db.session.scalars(select(Province).order_by(Province.name)))


@bp.get("/outbox")
def outbox():
    permissions.require(permissions.can_read_outbox(current_user))
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    page = paginate(db.session, query, 25)
    return render_template(
        "admin/outbox.html",
        page=page,
        undelivered=services.undelivered_count(db.session),
        local_time=audit.local_time,
    )


@bp.get("/outbox/undelivered")
def undelivered_mail():
    permissions.require(permissions.can_read_outbox(current_user))
    page = paginate(db.session, services.undelivered_mail_query(), 25)
    return render_template(
        "admin/undelivered.html",
        page=page,
        undelivered=page.total,
        form=FlaskForm(),
        local_time=audit.local_time,
        mail_server=current_app.config["MAIL_SERVER"],
    )


@bp.post("/outbox/<int:message_id>/retry")
def retry_mail(message_id: int):
    permissions.require(permissions.can_retry_mail(current_user))
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    form = FlaskForm()
    if form.validate_on_submit():
        with domain_errors_on(form):
            services.retry_mail(db.session, message)
            db.session.commit()
            _flash_retried(message)
    flash_errors(form)
    return redirect(url_for("admin.undelivered_mail", **_list_args()))


def _flash_retried(message: OutboxMessage) -> None:
    """Without REDIS_URL the attempt is over by now; with it, the worker makes it shortly."""
    db.session.refresh(message)  # the attempt wrote in a session of its own
    if message.sent_at:
        flash(_("De e-mail aan %(recipient)s is verzonden.", recipient=message.recipient), "success")
    else:
        text = _(
            "De e-mail aan %(recipient)s is opnieuw aangeboden. Mislukt het weer, dan ziet u de fout hier."
        )
        flash(text % {"recipient": message.recipient}, "info")


@bp.get("/audit")
def audit_log():
    permissions.require(permissions.can_view_audit_log(current_user))
    wanted = audit.AuditFilter.from_args(request.args)
    page = paginate(db.session, wanted.query(), 50)
    return render_template(
        "admin/audit.html",
        page=page,
        wanted=wanted,
        actions=AuditAction,
        local_time=audit.local_time,
        detail_labels=audit.DETAIL_LABELS,
        value_labels={"reason": REJECT_REASONS},  # the stored key, shown as the queue's label
    )


@bp.get("/audit.csv")
@writes
def audit_log_csv():
    permissions.require(permissions.can_view_audit_log(current_user))
    wanted = audit.AuditFilter.from_args(request.args)
    data = audit.entries_csv(db.session.scalars(wanted.query()))
    audit.record(db.session, AuditAction.AUDIT_EXPORTED, filters=request.query_string.decode())
    db.session.commit()
    headers = {"Content-Disposition": 'attachment; filename="auditlog.csv"', "Cache-Control": "no-store"}
    return Response(data, mimetype="text/csv", headers=headers)
