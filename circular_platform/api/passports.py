"""Building passports with their material lines: listed and read as on the pages, registered and
changed through the same services as the web form."""

from __future__ import annotations

from flask import abort
from sqlalchemy.orm import selectinload

from circular_platform import permissions
from circular_platform.api import inputs, schemas
from circular_platform.api.caller import api_blueprint, api_user, refused_as_422, require_writer
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
    return visible_passport(passport_id)


@bp.post("/")
@bp.arguments(schemas.PassportIn)
@bp.response(201, schemas.PassportOut)
def register_passport(payload: dict):
    """Register a building of one of the caller's building-owning organisations (a read-write token)."""
    user = require_writer()
    permissions.require(permissions.can_register_passport(user))
    with refused_as_422():
        owner = inputs.passport_owner(user, payload)
        passport = services.register_passport(db.session, owner, inputs.passport_data(payload))
    db.session.commit()
    return passport


@bp.patch("/<int:passport_id>")
@bp.arguments(schemas.PassportChange(partial=True))
@bp.response(200, schemas.PassportOut)
@bp.alt_response(404, **NOT_FOUND)
def update_passport(payload: dict, passport_id: int):
    """Change the fields sent; `material_lines` replaces the lines (unchanged ones keep their place
    in a coordinator's supply bundle)."""
    user = require_writer()
    passport = visible_passport(passport_id)
    permissions.require(permissions.can_edit_passport(user, passport))
    with refused_as_422():
        services.update_passport(db.session, passport, inputs.passport_data(payload, current=passport))
    db.session.commit()
    return passport


def visible_passport(passport_id: int) -> BuildingPassport:
    passport = db.session.get(BuildingPassport, passport_id)
    if passport is None or not permissions.can_view_passport(api_user(), passport):
        abort(404)  # hidden passports are not confirmed to exist
    return passport
