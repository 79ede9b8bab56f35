from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from circular_platform import permissions
from circular_platform.arguments import int_arg, parse_choice
from circular_platform.db import db
from circular_platform.forms import domain_errors_on, flash_errors
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import Municipality, Organisation, OrganisationKind, Province
from circular_platform.organisations import services
from circular_platform.organisations.forms import MembershipDecisionForm, OrganisationForm
from circular_platform.pagination import paginate
from circular_platform.questions import services as question_services
from circular_platform.solutions import services as solution_services

bp = Blueprint("organisations", __name__, url_prefix="/organisations")
PROFILE_ITEMS = 10  # questions, and solutions, per page of a profile
DECISION_MESSAGES = {
    services.MembershipDecision.APPROVE: _l("Het verzoek is goedgekeurd."),
    services.MembershipDecision.REJECT: _l("Het verzoek is afgewezen."),
    services.MembershipDecision.MAKE_ADMIN: _l("De rol is aangepast."),
    services.MembershipDecision.MAKE_MEMBER: _l("De rol is aangepast."),
}

VERIFICATION_WITHDRAWN = _l(
    "Omdat de naam of het KvK-nummer is gewijzigd, controleert een coördinator uw organisatie opnieuw. "
    "Tot dan staat het kenmerk ‘geverifieerd’ niet bij uw organisatie."
)


def _organisation(organisation_id: int) -> Organisation:
    """The organisation with its place, which every page of it shows."""
    place = joinedload(Organisation.municipality).joinedload(Municipality.province)
    return db.session.get(Organisation, organisation_id, options=[place]) or abort(404)


@bp.get("/")
def directory():
    kind = parse_choice(request.args.get("kind"), OrganisationKind)
    province_id = int_arg("province")
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
    """The organisation with its questions and solutions, each list paged on its own."""
    organisation = _organisation(organisation_id)
    own = {"organisation": organisation.id}
    questions = question_services.list_query(current_user, own, loading=question_services.CARD_LOADING)
    solutions = solution_services.list_query(current_user, own, loading=solution_services.CARD_LOADING)
    return render_template(
        "organisations/profile.html",
        organisation=organisation,
        questions=paginate(db.session, questions, PROFILE_ITEMS, argument="questions_page", ids_first=True),
        solutions=paginate(db.session, solutions, PROFILE_ITEMS, argument="solutions_page", ids_first=True),
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
    if form.validate_on_submit():
        with domain_errors_on(form):
            keep_verified = permissions.is_coordinator(current_user)
            data = form.organisation_data()
            withdrawn = services.update_organisation(
                db.session, organisation, data, keep_verified=keep_verified
            )
            db.session.commit()
            flash(_("De gegevens van de organisatie zijn opgeslagen."), "success")
            if withdrawn:
                flash(VERIFICATION_WITHDRAWN, "info")
            return redirect(url_for("organisations.profile", organisation_id=organisation.id))
    return render_template("organisations/edit.html", form=form, organisation=organisation), 400


@bp.get("/<int:organisation_id>/members")
@login_required
def members(organisation_id: int):
    organisation = _organisation(organisation_id)
    permissions.require(permissions.can_manage_members(current_user, organisation))
    return render_template(
        "organisations/members.html", organisation=organisation, form=MembershipDecisionForm(organisation)
    )


@bp.post("/<int:organisation_id>/members")
@login_required
def decide_member(organisation_id: int):
    organisation = _organisation(organisation_id)
    permissions.require(permissions.can_manage_members(current_user, organisation))
    form = MembershipDecisionForm(organisation)
    if not form.validate_on_submit():
        abort(400)
    with domain_errors_on(form):
        services.decide_member(db.session, form.membership, form.chosen)
        db.session.commit()
        flash(DECISION_MESSAGES[form.chosen], "success")
    flash_errors(form)
    return redirect(url_for("organisations.members", organisation_id=organisation.id))
