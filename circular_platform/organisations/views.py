from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from circular_platform import permissions
from circular_platform.accounts import services as accounts
from circular_platform.db import db
from circular_platform.errors import DomainError
from circular_platform.models import Membership, MembershipRole, Organisation, Province, Question, Solution
from circular_platform.organisations import services
from circular_platform.organisations.forms import MembershipDecisionForm, OrganisationForm
from circular_platform.pagination import paginate

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


def _organisation(organisation_id: int) -> Organisation:
    return db.session.get(Organisation, organisation_id) or abort(404)


@bp.get("/")
def directory():
    kind = request.args.get("kind") or None
    province_id = request.args.get("province", type=int)
    text = request.args.get("q", "")
    page = paginate(db.session, services.directory_query(kind, province_id, text))
    provinces = db.session.scalars(select(Province).order_by(Province.name)).all()
    return render_template(
        "organisations/directory.html",
        page=page,
        provinces=provinces,
        kind=kind,
        province_id=province_id,
        text=text,
    )


@bp.get("/<int:organisation_id>")
def profile(organisation_id: int):
    organisation = _organisation(organisation_id)
    questions = select(Question).where(
        Question.organisation_id == organisation.id, permissions.visible_questions(current_user)
    )
    solutions = select(Solution).where(
        Solution.organisation_id == organisation.id, permissions.visible_solutions(current_user)
    )
    return render_template(
        "organisations/profile.html",
        organisation=organisation,
        questions=db.session.scalars(questions.order_by(Question.created_at.desc())).all(),
        solutions=db.session.scalars(solutions.order_by(Solution.created_at.desc())).all(),
    )


@bp.get("/<int:organisation_id>/edit")
@login_required
def edit(organisation_id: int):
    organisation = _organisation(organisation_id)
    permissions.require(permissions.can_edit_organisation(current_user, organisation))
    form = OrganisationForm(obj=organisation, kind=organisation.kind.value)
    return render_template("organisations/edit.html", form=form, organisation=organisation)


@bp.post("/<int:organisation_id>/edit")
@login_required
def update(organisation_id: int):
    organisation = _organisation(organisation_id)
    permissions.require(permissions.can_edit_organisation(current_user, organisation))
    form = OrganisationForm()
    if form.validate():
        try:
            services.update_organisation(db.session, organisation, form.organisation_data())
            db.session.commit()
            flash(_("De gegevens van de organisatie zijn opgeslagen."), "success")
            return redirect(url_for("organisations.profile", organisation_id=organisation.id))
        except DomainError as error:
            form.name.errors.append(error.message)
    return render_template("organisations/edit.html", form=form, organisation=organisation), 400


@bp.get("/<int:organisation_id>/members")
@login_required
def members(organisation_id: int):
    organisation = _organisation(organisation_id)
    permissions.require(permissions.can_manage_members(current_user, organisation))
    return render_template(
        "organisations/members.html", organisation=organisation, form=MembershipDecisionForm()
    )


@bp.post("/<int:organisation_id>/members")
@login_required
def decide_member(organisation_id: int):
    organisation = _organisation(organisation_id)
    permissions.require(permissions.can_manage_members(current_user, organisation))
    form = MembershipDecisionForm()
    membership = db.session.get(Membership, int(form.membership_id.data or 0)) if form.validate() else None
    if membership is None or membership.organisation_id != organisation.id:
        abort(400)
    try:
        _apply_decision(membership, form.decision.data)
        db.session.commit()
    except DomainError as error:
        flash(error.message, "danger")
    return redirect(url_for("organisations.members", organisation_id=organisation.id))


def _apply_decision(membership: Membership, decision: str) -> None:
    if decision in {"approve", "reject"}:
        accounts.decide_membership(db.session, membership, approve=decision == "approve")
        flash(
            _("Het verzoek is goedgekeurd.") if decision == "approve" else _("Het verzoek is afgewezen."),
            "success",
        )
    elif decision in {"make_admin", "make_member"}:
        role = MembershipRole.ADMIN if decision == "make_admin" else MembershipRole.MEMBER
        accounts.set_member_role(db.session, membership, role)
        flash(_("De rol is aangepast."), "success")
    else:
        abort(400)
