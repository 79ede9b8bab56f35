"""Supply bundles: confirmed from the proposals on the future-supply view, then followed like
demand bundles (name, status, lines added and removed) by the coordinators of their province."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from circular_platform import permissions
from circular_platform.db import db
from circular_platform.demand import services as bundles
from circular_platform.demand import views as demand_views
from circular_platform.demand.forms import BundleStatusForm, RenameBundleForm
from circular_platform.forms import domain_errors_on, flash_errors
from circular_platform.models import BundleStatus, MaterialLine, SupplyBundle
from circular_platform.passports.inventory import tonnes
from circular_platform.supply import services
from circular_platform.supply.forms import AddLineForm, ConfirmSupplyBundleForm

bp = Blueprint("supply", __name__, url_prefix="/coordination/supply/bundles")


@bp.before_request
@login_required
def _logged_in() -> None:
    """Every page here needs a login; each view then asks its own rule."""


@bp.post("")
def confirm_bundle():
    permissions.require(permissions.can_follow_demand(current_user))
    form = ConfirmSupplyBundleForm()
    if form.validate_on_submit():
        with domain_errors_on(form):
            bundle = services.confirm_bundle(db.session, current_user, form.line_ids.data, form.label.data)
            permissions.require(permissions.can_manage_supply_bundle(current_user, bundle))
            db.session.commit()
            flash(_("De bundel ‘%(label)s’ is vastgelegd.", label=bundle.label), "success")
            return redirect(url_for("supply.bundle", bundle_id=bundle.id))
    return demand_views.supply_page(demand_views.region_scope(), form, 400)


def _load_bundle(bundle_id: int) -> SupplyBundle:
    """The bundle, or 404 also when the user may not see it."""
    bundle = db.session.get(SupplyBundle, bundle_id)
    if bundle is None or not permissions.can_manage_supply_bundle(current_user, bundle):
        abort(404)
    return bundle


@bp.get("/<int:bundle_id>")
def bundle(bundle_id: int):
    return _bundle_page(_load_bundle(bundle_id))


def _bundle_page(bundle: SupplyBundle, status: int = 200, **forms):
    """The bundle; ``forms`` holds a refused form, shown again with what was typed."""
    addable = services.addable_lines(db.session, bundle, current_user, date.today())
    page = render_template(
        "supply/bundle.html",
        bundle=bundle,
        summary=services.summarise(bundle.lines),
        weights={line.id: tonnes(line) for line in bundle.lines},
        group_label=services.group_label(bundle.lines[0]) if bundle.lines else bundle.material_group,
        questions=services.matching_questions(db.session, bundle, current_user),
        rename_form=forms.get("rename_form") or RenameBundleForm(obj=bundle),
        status_form=forms.get("status_form") or BundleStatusForm(status=bundle.status.value),
        add_form=forms.get("add_form") or AddLineForm(addable),
    )
    return page, status


@bp.post("/<int:bundle_id>/name")
def rename_bundle(bundle_id: int):
    bundle = _load_bundle(bundle_id)
    form = RenameBundleForm()
    if form.validate_on_submit():
        bundles.rename_bundle(db.session, bundle, form.label.data)
        db.session.commit()
        flash(_("De naam is gewijzigd."), "success")
        return redirect(url_for("supply.bundle", bundle_id=bundle_id))
    return _bundle_page(bundle, 400, rename_form=form)


@bp.post("/<int:bundle_id>/status")
def change_status(bundle_id: int):
    bundle = _load_bundle(bundle_id)
    form = BundleStatusForm()
    if form.validate_on_submit():
        with domain_errors_on(form):
            services.change_status(db.session, bundle, BundleStatus(form.status.data))
            db.session.commit()
            flash(_("De status is gewijzigd."), "success")
            return redirect(url_for("supply.bundle", bundle_id=bundle_id))
    return _bundle_page(bundle, 400, status_form=form)


@bp.post("/<int:bundle_id>/lines")
def add_line(bundle_id: int):
    bundle = _load_bundle(bundle_id)
    form = AddLineForm(services.addable_lines(db.session, bundle, current_user, date.today()))
    if form.validate_on_submit():
        with domain_errors_on(form):
            services.add_line(db.session, bundle, form.line)
            db.session.commit()
            flash(_("Het materiaal is aan de bundel toegevoegd."), "success")
            return redirect(url_for("supply.bundle", bundle_id=bundle_id))
    return _bundle_page(bundle, 400, add_form=form)


@bp.post("/<int:bundle_id>/lines/<int:line_id>/remove")
def remove_line(bundle_id: int, line_id: int):
    bundle = _load_bundle(bundle_id)
    line = db.session.get(MaterialLine, line_id) or abort(404)
    form = FlaskForm()
    if form.validate_on_submit():
        with domain_errors_on(form):
            services.remove_line(db.session, bundle, line)
            db.session.commit()
            flash(_("Het materiaal is uit de bundel gehaald."), "success")
    flash_errors(form)
    return redirect(url_for("supply.bundle", bundle_id=bundle_id))
