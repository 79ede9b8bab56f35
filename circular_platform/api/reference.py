"""Organisations, regions, themes and search: what the pages show everyone, and the caller's token."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from circular_platform import taxonomy
from circular_platform.api import schemas
from circular_platform.api.caller import api_blueprint, api_user, caller
from circular_platform.db import db
from circular_platform.models import ApiToken, Municipality, Organisation, Province
from circular_platform.organisations.services import directory_query
from circular_platform.pagination import paginate
from circular_platform.search import services as search
from circular_platform.search.documents import parse_key
from circular_platform.search.views import DETAIL_ENDPOINTS
from circular_platform.urls import public_url

bp = api_blueprint("api_reference", "/api/v1", "Organisations, regions, themes, search")
OrganisationPage = schemas.page_of(schemas.OrganisationOut, "OrganisationPage")
NOT_FOUND = {"description": "Not there", "schema": schemas.Error}


@bp.get("/organisations")
@bp.arguments(schemas.OrganisationFilters, location="query")
@bp.response(200, OrganisationPage)
def list_organisations(filters: dict):
    """The organisation directory, by name (names are unique)."""
    query = directory_query(filters.get("kind"), filters.get("province"), filters.get("q", ""))
    return paginate(db.session, query, filters["per_page"])


@bp.get("/organisations/<int:organisation_id>")
@bp.response(200, schemas.OrganisationOut)
@bp.alt_response(404, **NOT_FOUND)
def get_organisation(organisation_id: int):
    return db.session.get(Organisation, organisation_id) or abort(404)


@bp.get("/regions/provinces")
@bp.response(200, schemas.ProvinceOut(many=True))
def list_provinces():
    """Every province with its municipalities (CBS codes)."""
    query = select(Province).options(selectinload(Province.municipalities)).order_by(Province.name)
    return db.session.scalars(query).all()


@bp.get("/regions/municipalities")
@bp.arguments(schemas.MunicipalityFilters, location="query")
@bp.response(200, schemas.MunicipalityOut(many=True))
def list_municipalities(filters: dict):
    query = select(Municipality).options(selectinload(Municipality.province))
    if filters.get("province"):
        query = query.where(Municipality.province_id == filters["province"])
    return db.session.scalars(query.order_by(Municipality.name, Municipality.id)).all()


@bp.get("/themes")
@bp.response(200, schemas.ThemeOut(many=True))
def list_themes():
    """The themes questions and solutions are filed under: `key` is what filters and items use."""
    return [{"key": key, "label": str(label)} for key, label in taxonomy.THEMES.items()]


@bp.get("/search")
@bp.arguments(schemas.SearchArgs, location="query")
@bp.response(200, schemas.SearchOut)
@bp.alt_response(503, description="The search index is being repaired", schema=schemas.Error)
def search_items(args: dict):
    """Full-text search as on the search page, among what the caller may see; best first."""
    filters = {name: args[name] for name in ("kind", "theme") if args.get(name)}
    wanted = search.SearchRequest(args["q"].strip(), filters, page=args["page"]).with_place(db.session)
    found = search.search(db.session, api_user(), wanted) if wanted.text else None
    if wanted.text and found is None:
        abort(503)
    hits = found.hits if found else []
    return {
        "items": [_hit(hit) for hit in hits],
        "page": found.page if found else 1,
        "per_page": found.per_page if found else search.PER_PAGE,
        "total": found.total if found else 0,
    }


def _hit(hit) -> dict:
    kind, item_id = parse_key(hit.key)
    endpoint, argument = DETAIL_ENDPOINTS[kind]
    url = public_url(endpoint, **{argument: item_id})
    return {"kind": kind, "id": item_id, "title": hit.title, "url": url, "score": hit.score}


@bp.get("/token")
@bp.response(200, schemas.TokenOut)
@bp.alt_response(401, description="No token was sent", schema=schemas.Error)
def current_token():
    """The token this request was sent with, and whose it is: a check that the token works."""
    token_id = caller().token_id
    token = db.session.get(ApiToken, token_id) if token_id else None
    if token is None:
        abort(401)
    return token
