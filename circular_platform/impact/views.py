"""Recording what a completed deal exchanged, and the administrator's emission factors."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from circular_platform import permissions
from circular_platform.db import db
from circular_platform.forms import domain_errors_on, flash_errors
from circular_platform.impact import factors, services
from circular_platform.impact.forms import ExchangeForm, FactorForm
from circular_platform.review.views import load_visible

bp = Blueprint("impact", __name__)


@bp.post("/coordination/matches/<int:match_id>/impact")
@login_required
def record(match_id: int):
    match = load_visible(match_id)
    permissions.require(permissions.can_record_impact(current_user, match))
    form = ExchangeForm()
    if form.validate():
        with domain_errors_on(form):
            services.record_exchange(db.session, match, current_user, form.line_inputs())
            db.session.commit()
            flash(_("Vastgelegd wat is uitgewisseld. Het telt mee op het regiodashboard."), "success")
            return redirect(url_for("review.match_detail", match_id=match.id, _anchor="impact"))
    flash_errors(form)
    return redirect(url_for("review.match_detail", match_id=match.id, _anchor="impact"))


@bp.get("/admin/emission-factors")
@login_required
def emission_factors():
    permissions.require(permissions.can_adjust_emission_factors(current_user))
    return render_template(
        "impact/factors.html",
        factors=factors.factors(db.session),
        form=FactorForm(),
        source=factors.SOURCE,
        licence=factors.LICENCE,
    )


@bp.post("/admin/emission-factors/<group>")
@login_required
def adjust_factor(group: str):
    permissions.require(permissions.can_adjust_emission_factors(current_user))
    if group not in factors.shipped():
        abort(404)
    form = FactorForm()
    if form.validate():
        with domain_errors_on(form):
            primary, reuse = float(form.primary.data or 0), float(form.reuse.data or 0)  # both required
            services.adjust_factor(db.session, group, primary, reuse, current_user)
            db.session.commit()
            flash(_("Factor opgeslagen."), "success")
            return redirect(url_for("impact.emission_factors"))
    flash_errors(form)
    return redirect(url_for("impact.emission_factors"))
