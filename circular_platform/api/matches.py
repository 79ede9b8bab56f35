"""Matches, demand and supply bundles, under the rules of the review and bundle pages, and owners'
feedback."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from circular_platform import permissions
from circular_platform.api import schemas
from circular_platform.api.caller import api_blueprint, api_user, require_writer
from circular_platform.db import db
from circular_platform.impact.figures import deal_impact
from circular_platform.impact.services import exchange_lines
from circular_platform.matches.services import give_feedback
from circular_platform.models import DemandBundle, Match, SupplyBundle
from circular_platform.pagination import paginate

bp = api_blueprint("api_matches", "/api/v1", "Matches and bundles")
MatchPage = schemas.page_of(schemas.MatchOut, "MatchPage")
BundlePage = schemas.page_of(schemas.BundleOut, "BundlePage")
SupplyBundlePage = schemas.page_of(schemas.SupplyBundleOut, "SupplyBundlePage")
NOT_FOUND = {"description": "Not there, or not visible to the caller", "schema": schemas.Error}


@bp.get("/matches")
@bp.arguments(schemas.MatchFilters, location="query")
@bp.response(200, MatchPage)
def list_matches(filters: dict):
    """Coordinators: every match. Members: matches of their organisation once introduced."""
    query = select(Match).join(Match.question).join(Match.solution)
    query = query.where(permissions.visible_matches(api_user()))
    if filters.get("status"):
        query = query.where(Match.status == filters["status"])
    return paginate(db.session, query.order_by(Match.updated_at.desc(), Match.id.desc()), filters["per_page"])


@bp.get("/matches/<int:match_id>")
@bp.response(200, schemas.MatchOut)
@bp.alt_response(404, **NOT_FOUND)
def get_match(match_id: int):
    match = db.session.get(Match, match_id)
    if match is None or not permissions.can_see_match(api_user(), match):
        abort(404)
    return match


@bp.get("/matches/<int:match_id>/impact")
@bp.response(200, schemas.MatchImpactOut)
@bp.alt_response(404, **NOT_FOUND)
def match_impact(match_id: int):
    """What a completed ("afgerond") deal exchanged, with tonnes reused and CO2 avoided. As on the
    match page: for its parties and the coordinators, once the match is completed; 404 before."""
    match = db.session.get(Match, match_id)
    user = api_user()
    if (
        match is None
        or not permissions.can_see_match(user, match)
        or not permissions.can_record_impact(user, match)
    ):
        abort(404)
    sums, lines = deal_impact(db.session, exchange_lines(db.session, match))
    return {"match_id": match.id, "lines": lines, "sums": sums}


@bp.post("/matches/<int:match_id>/feedback")
@bp.arguments(schemas.FeedbackIn)
@bp.response(200, schemas.MatchOut)
@bp.alt_response(404, **NOT_FOUND)
def match_feedback(payload: dict, match_id: int):
    """An owner's verdict on their side of a suggestion, as the buttons "interessant" and
    "niet relevant" on the question's or solution's page."""
    user = require_writer()
    match = db.session.get(Match, match_id)
    side = permissions.feedback_side(user, match) if match is not None else None
    if match is None or side is None:
        abort(404)  # only the owners give feedback; to others a suggestion is not confirmed to exist
    give_feedback(db.session, match, side, payload["feedback"], user)
    db.session.commit()
    return match


@bp.get("/bundles")
@bp.arguments(schemas.PageArgs, location="query")
@bp.response(200, BundlePage)
def list_bundles(args: dict):
    """Coordinators: every bundle. Members: bundles holding a question of their organisation."""
    query = select(DemandBundle).where(permissions.visible_bundles(api_user()))
    query = query.order_by(DemandBundle.created_at.desc(), DemandBundle.id.desc())
    return paginate(db.session, query, args["per_page"])


@bp.get("/bundles/<int:bundle_id>")
@bp.response(200, schemas.BundleOut)
@bp.alt_response(404, **NOT_FOUND)
def get_bundle(bundle_id: int):
    bundle = db.session.get(DemandBundle, bundle_id)
    if bundle is None or not permissions.can_view_bundle(api_user(), bundle):
        abort(404)
    return bundle


@bp.get("/supply-bundles")
@bp.arguments(schemas.PageArgs, location="query")
@bp.response(200, SupplyBundlePage)
def list_supply_bundles(args: dict):
    """Coordinators of the bundle's province (or of the whole north) only: supply bundles hold
    lines of buildings their owners may not have shared. Others get an empty list."""
    query = select(SupplyBundle).where(permissions.visible_supply_bundles(api_user()))
    query = query.order_by(SupplyBundle.created_at.desc(), SupplyBundle.id.desc())
    return paginate(db.session, query, args["per_page"])


@bp.get("/supply-bundles/<int:bundle_id>")
@bp.response(200, schemas.SupplyBundleOut)
@bp.alt_response(404, **NOT_FOUND)
def get_supply_bundle(bundle_id: int):
    bundle = db.session.get(SupplyBundle, bundle_id)
    if bundle is None or not permissions.can_manage_supply_bundle(api_user(), bundle):
        abort(404)
    return bundle
