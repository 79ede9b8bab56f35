"""The JSON API under ``/api/v1``, its OpenAPI 3.1 document (flask-smorest), its documentation page
and the open data downloads.

Callers authenticate with a personal token (:mod:`.caller`, :mod:`.tokens`); every access rule
comes from ``permissions``; writes go through the services the web forms use. Errors are JSON in
one shape (``errors.json_error``), for unknown ``/api/`` URLs and wrong methods too.
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from circular_platform.api import docs, marketplace, matches, opendata, passports, reference, schemas
from circular_platform.extensions import csrf

API_PREFIX = "/api/v1"
BEARER = {"type": "http", "scheme": "bearer", "description": "A personal API token from the account page"}


class JsonApi(Api):
    """flask-smorest with the platform's error shape, and without its own error handler:
    ``errors.error_page`` answers every ``/api/`` error in that shape already."""

    ERROR_SCHEMA = schemas.Error

    def _register_error_handlers(self) -> None:
        pass


api = JsonApi()


def init_app(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Circulair Noord API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {"security": [{}, {"bearer": []}], "info": _info()})
    api.init_app(app)
    api.spec.components.security_scheme("bearer", BEARER)
    for blueprint in (
        marketplace.questions_bp,
        marketplace.solutions_bp,
        passports.bp,
        reference.bp,
        matches.bp,
    ):
        csrf.exempt(blueprint)  # the API reads no session cookie: see caller
        api.register_blueprint(blueprint)
    app.register_blueprint(opendata.bp)
    app.register_blueprint(docs.bp)


def _info() -> dict:
    return {
        "description": (
            "Questions, solutions, building passports, matches, demand and supply bundles of Circulair "
            "Noord. "
            "Without a token you read what an anonymous visitor sees; with a personal token "
            "(`Authorization: Bearer cn_...`, made on the account page) what its user sees on the "
            "pages. Writing needs a token with the read-write scope. "
            'Errors are `{"error": {"code", "message", "fields"}}`.'
        ),
    }
