"""Coordination pages: open demand per region, circular procurement and demand bundles."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from circular_platform import audit, permissions, taxonomy
from circular_platform.arguments import link_args
from circular_platform.db import db, writes
from circular_platform.demand import bundling, charts, exports, figures, services, supply
from circular_platform.demand.forms import (
    AddQuestionForm,
    BundleStatusForm,
    ConfirmBundleForm,
    RenameBundleForm,
)
from circular_platform.forms import domain_errors_on, flash_errors
from circular_platform.impact import charts as impact_charts
from circular_platform.impact import exports as impact_exports
from circular_platform.impact import factors as impact_factors
from circular_platform.impact import figures as impact_figures
from circular_platform.marketplace import filter_options, list_filters
from circular_platform.models import AuditAction, BundleStatus, DemandBundle, Municipality, Province, Question
from circular_platform.supply import services as supply_bundles
from circular_platform.supply.forms import ConfirmSupplyBundleForm

bp = Blueprint("demand", __name__, url_prefix="/coordination")


@bp.before_request
@login_required
def _logged_in() -> None:
    """Every page here needs a login; each view then asks its own rule."""


def _require_coordinator() -> None:
    permissions.require(permissions.can_follow_demand(current_user))


def _scope() -> figures.Scope:
    filters = list_filters("province", "municipality", "theme")
    municipality = db.session.get(Municipality, filters.get("municipality", 0))
    province = db.session.get(Province, filters.get("province", 0))
    theme = filters.get("theme") if filters.get("theme") in taxonomy.THEMES else None
    return figures.Scope(province=province, municipality=municipality, theme=theme)


def _csv(data: bytes, filename: str) -> Response:
    """The file, with its download recorded: the view is marked ``@writes``."""
    audit.record(db.session, AuditAction.DATA_EXPORTED, file=filename, filters=request.query_string.decode())
    db.session.commit()
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    return Response(data, mimetype="text/csv", headers=headers)


def _svg(data: bytes) -> Response:
    # The SVG's own inline <style> must apply inside the image; it carries no script.
    headers = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
    return Response(data, mimetype="image/svg+xml", headers=headers)


# -- region dashboard -------------------------------------------------------------------------


@bp.get("/region")
def region():
    _require_coordinator()
    scope = _scope()
    return render_template(
        "demand/region.html",
        scope=scope,
        total=figures.total_demand(db.session, scope),
        per_theme=figures.demand_per_theme(db.session, scope),
        quarters=figures.quarters(db.session, scope, date.today()),
        impact=impact_figures.impact(db.session, scope),
        secondary_goal=impact_figures.SECONDARY_GOAL_2030,
        impact_source=impact_factors.SOURCE,
        impact_licence=impact_factors.LICENCE,
        **filter_options(),
    )


@bp.get("/region/demand.csv")
@writes
def region_csv():
    _require_coordinator()
    scope = _scope()
    per_theme = figures.demand_per_theme(db.session, scope)
    return _csv(exports.demand_csv(scope.region_name, per_theme), "open-vraag-per-thema.csv")


@bp.get("/region/quarters.csv")
@writes
def quarters_csv():
    _require_coordinator()
    scope = _scope()
    quarters = figures.quarters(db.session, scope, date.today())
    return _csv(exports.quarters_csv(scope.region_name, quarters), "open-vraag-per-kwartaal.csv")


@bp.get("/region/quarters.svg")
def quarters_chart():
    _require_coordinator()
    scope = _scope()
    quarters = figures.quarters(db.session, scope, date.today())
    return _svg(charts.demand_trend(quarters, scope.region_name))


@bp.get("/supply")
def future_supply():
    _require_coordinator()
    return supply_page(region_scope())


def supply_page(scope: figures.Scope, form: ConfirmSupplyBundleForm | None = None, status: int = 200):
    """The future-supply table with the supply bundles and proposals; ``form`` is a refused
    confirmation, shown again on its own proposal with what was typed."""
    page = render_template(
        "demand/supply.html",
        scope=scope,
        supply=supply.future_supply(db.session, scope, current_user, date.today()),
        proposals=supply_bundles.proposals(db.session, scope, current_user, date.today()),
        bundles=[
            (b, supply_bundles.summarise(b.lines))
            for b in supply_bundles.visible_bundles(db.session, current_user)
        ],
        form=form or ConfirmSupplyBundleForm(),
        **filter_options(),
    )
    return page, status


@bp.get("/supply.svg")
def future_supply_chart():
    _require_coordinator()
    scope = region_scope()
    found = supply.future_supply(db.session, scope, current_user, date.today())
    return _svg(charts.supply_by_quarter(found, scope.region_name))


@bp.get("/supply.csv")
@writes
def future_supply_csv():
    _require_coordinator()
    scope = region_scope()
    found = supply.future_supply(db.session, scope, current_user, date.today())
    return _csv(exports.supply_csv(scope.region_name, found), "vrijkomende-materialen.csv")


@bp.get("/supply/bundles.csv")
@writes
def supply_bundles_csv():
    _require_coordinator()
    rows = [
        (b, supply_bundles.summarise(b.lines))
        for b in supply_bundles.visible_bundles(db.session, current_user)
    ]
    return _csv(exports.supply_bundles_csv(rows), "bundels-vrijkomend-materiaal.csv")


def region_scope() -> figures.Scope:
    """The dashboard's region without its theme: all released materials are building materials."""
    scope = _scope()
    return figures.Scope(province=scope.province, municipality=scope.municipality)


IMPACT_CHARTS = ("year", "province", "theme")


@bp.get("/region/impact-<chart>.svg")
def impact_chart(chart: str):
    _require_coordinator()
    if chart not in IMPACT_CHARTS:
        abort(404)
    scope = _scope()
    impact = impact_figures.impact(db.session, scope)
    if chart == "year":
        return _svg(impact_charts.by_year(impact, scope.region_name))
    return _svg(impact_charts.by_province(impact) if chart == "province" else impact_charts.by_theme(impact))


@bp.get("/region/impact.csv")
@writes
def impact_csv():
    _require_coordinator()
    scope = _scope()
    impact = impact_figures.impact(db.session, scope)
    return _csv(impact_exports.impact_csv(scope.region_name, impact), "hergebruik-en-co2.csv")


# -- circular procurement monitor ---------------------------------------------------------------


@bp.get("/procurement")
def procurement():
    _require_coordinator()
    monitor = figures.procurement_monitor(db.session, date.today())
    return render_template("demand/procurement.html", monitor=monitor, all_regions=figures.ALL_REGIONS)


@bp.get("/procurement.csv")
@writes
def procurement_csv():
    _require_coordinator()
    monitor = figures.procurement_monitor(db.session, date.today())
    return _csv(exports.procurement_csv(monitor), "circulaire-aanbestedingen.csv")


@bp.get("/procurement.svg")
def procurement_chart():
    _require_coordinator()
    return _svg(charts.procurement_share(figures.procurement_monitor(db.session, date.today())))


# -- demand bundles ---------------------------------------------------------------------------


@bp.get("/bundles")
def bundles():
    bundle_list = services.visible_bundles(db.session, current_user)
    proposals, pairs, threshold, scope = [], [], services.DEFAULT_THRESHOLD, _scope()
    capped = False
    if permissions.can_manage_bundles(current_user):
        threshold = services.clamp_threshold(request.args.get("threshold"))
        unbundled = services.unbundled(db.session, scope)
        proposals = services.proposals(unbundled.compared, threshold, services.PROPOSALS_SHOWN)
        pairs = services.similar_pairs(unbundled.compared)
        capped = unbundled.capped
    return render_template(
        "demand/bundles.html",
        bundles=[(b, figures.summarise(b.questions)) for b in bundle_list],
        proposals=[(p, figures.summarise(p.questions)) for p in proposals],
        pairs=pairs,
        threshold=threshold,
        scope=scope,
        capped=capped,
        compared_at_most=services.COMPARED_AT_MOST,
        proposals_shown=services.PROPOSALS_SHOWN,
        form=ConfirmBundleForm(),
        **filter_options(),
    )


@bp.get("/bundles.csv")
@writes
def bundles_csv():
    bundle_list = services.visible_bundles(db.session, current_user)
    rows = [(b, figures.summarise(b.questions)) for b in bundle_list]
    return _csv(exports.bundles_csv(rows), "bundels.csv")


@bp.post("/bundles")
def confirm_bundle():
    permissions.require(permissions.can_manage_bundles(current_user))
    form = ConfirmBundleForm()
    if form.validate_on_submit():
        with domain_errors_on(form):
            ids, label = form.question_ids.data, form.label.data
            bundle = services.confirm_bundle(db.session, current_user, ids, label, _scope())
            db.session.commit()
            flash(_("De bundel ‘%(label)s’ is vastgelegd.", label=bundle.label), "success")
            return redirect(url_for("demand.bundle", bundle_id=bundle.id))
    flash_errors(form)
    return redirect(url_for("demand.bundles", **link_args()))


def _load_bundle(bundle_id: int) -> DemandBundle:
    """The bundle, or 404 also when the user may not see it."""
    bundle = db.session.get(DemandBundle, bundle_id)
    if bundle is None or not permissions.can_view_bundle(current_user, bundle):
        abort(404)
    return bundle


@bp.get("/bundles/<int:bundle_id>")
def bundle(bundle_id: int):
    bundle = _load_bundle(bundle_id)
    add_form = AddQuestionForm(_addable(bundle))
    return render_template(
        "demand/bundle.html",
        bundle=bundle,
        demand=figures.summarise(bundle.questions),
        questions=[q for q in bundle.questions if permissions.can_view_question(current_user, q)],
        candidates=bundling.candidate_solutions(db.session, bundle.questions),
        rename_form=RenameBundleForm(obj=bundle),
        status_form=BundleStatusForm(status=bundle.status.value),
        add_form=add_form,
    )


def _addable(bundle: DemandBundle) -> list[Question]:
    if not permissions.can_manage_bundles(current_user):
        return []
    return services.addable_questions(db.session, bundle)


def _load_manageable(bundle_id: int) -> DemandBundle:
    bundle = _load_bundle(bundle_id)
    permissions.require(permissions.can_manage_bundles(current_user))
    return bundle


@bp.post("/bundles/<int:bundle_id>/name")
def rename_bundle(bundle_id: int):
    bundle = _load_manageable(bundle_id)
    form = RenameBundleForm()
    if form.validate_on_submit():
        with domain_errors_on(form):
            services.rename_bundle(db.session, bundle, form.label.data)
            db.session.commit()
            flash(_("De naam is gewijzigd."), "success")
    flash_errors(form)
    return redirect(url_for("demand.bundle", bundle_id=bundle_id))


@bp.post("/bundles/<int:bundle_id>/status")
def change_status(bundle_id: int):
    bundle = _load_manageable(bundle_id)
    form = BundleStatusForm()
    if form.validate_on_submit():
        with domain_errors_on(form):
            services.change_status(db.session, bundle, BundleStatus(form.status.data))
            db.session.commit()
            flash(_("De status is gewijzigd."), "success")
    flash_errors(form)
    return redirect(url_for("demand.bundle", bundle_id=bundle_id))


@bp.post("/bundles/<int:bundle_id>/questions")
def add_question(bundle_id: int):
    bundle = _load_manageable(bundle_id)
    form = AddQuestionForm(services.addable_questions(db.session, bundle))
    if form.validate_on_submit():
        with domain_errors_on(form):
            services.add_question(db.session, bundle, form.question)
            db.session.commit()
            flash(_("De vraag is aan de bundel toegevoegd."), "success")
    flash_errors(form)
    return redirect(url_for("demand.bundle", bundle_id=bundle_id))


@bp.post("/bundles/<int:bundle_id>/questions/<int:question_id>/remove")
def remove_question(bundle_id: int, question_id: int):
    bundle = _load_manageable(bundle_id)
    question = db.session.get(Question, question_id) or abort(404)
    form = FlaskForm()
    if form.validate_on_submit():
        with domain_errors_on(form):
            services.remove_question(db.session, bundle, question)
            db.session.commit()
            flash(_("De vraag is uit de bundel gehaald."), "success")
    flash_errors(form)
    return redirect(url_for("demand.bundle", bundle_id=bundle_id))
