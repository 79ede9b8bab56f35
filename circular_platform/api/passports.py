"""Building passports with their material lines, read-only: listed and read as on the pages."""

from __future__ import annotations

from flask import abort
from sqlalchemy.orm import selectinload

from circular_platform import permissions
from circular_platform.api import schemas
from circular_platform.api.caller import api_blueprint, api_user
from circular_platform.db import db
from circular_platform.models import BuildingPassport
from circular_platform.pagination import paginate
from circular_platform.passports import services

bp = api_blueprint("api_passports", "/api/v1/passports", "Passports")
PassportPage = schemas.page_of(schemas.PassportOut, "PassportPage")
NOT_FOUND = {"description": "Not there, or not visible to the caller", "schema": schemas.Error}


@bp.get("/")
@bp.arguments(schemas.PassportFilters, location="query")
@bp.response(200, PassportPage)
def list_passports(filters: dict):
    """Passports the caller may see (published ones, and its own organisations'), the soonest
    intervention first; `upcoming` keeps those whose materials are still to come free."""
    query = services.list_query(api_user(), filters.get("municipality"), filters.get("upcoming", False))
    query = query.options(selectinload(BuildingPassport.material_lines))
    return paginate(db.session, query, filters["per_page"])


@bp.get("/<int:passport_id>")
@bp.response(200, schemas.PassportOut)
@bp.alt_response(404, **NOT_FOUND)
def get_passport(passport_id: int):
    passport = db.session.get(BuildingPassport, passport_id)
    if passport is None or not permissions.can_view_passport(api_user(), passport):
        abort(404)  # hidden passports are not confirmed to exist
    return passport
