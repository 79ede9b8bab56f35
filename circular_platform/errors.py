"""Domain errors, and the error pages every failed request ends on."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError, ServiceUnavailable

from circular_platform.db import db
from circular_platform.i18n import lazy_gettext as _l

log = logging.getLogger(__name__)
BUSY_MESSAGE = _l("Het is even erg druk. Probeer het over een paar seconden opnieuw.")


class DomainError(Exception):
    """A business rule refused the operation; ``message`` is shown to the user as is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, error_page)
    app.register_error_handler(OperationalError, database_error)


def database_error(error: OperationalError):
    """A database still locked after the wait (SQLite's ``busy_timeout``) is a 503 to retry;
    any other operational error a 500."""
    if "locked" in str(error.orig):
        log.warning("Database locked: %s", error.orig)
        body, code = error_page(ServiceUnavailable(description=str(BUSY_MESSAGE)))
        return body, code, {"Retry-After": "5"}
    log.error("Database error", exc_info=error)
    return error_page(InternalServerError(original_exception=error))


def error_page(error: HTTPException):
    """The error page, in HTML or for ``/api/`` as JSON; a description given to ``abort`` is shown.

    The request's transaction is rolled back first: after a database error the session refuses
    every query (``PendingRollbackError``) until then, and the page reads the logged-in user.
    """
    if isinstance(error, SecurityError):  # a Host not in TRUSTED_HOSTS: no URLs can be built for it
        return error
    db.discard_session_changes()
    if request.path.startswith("/api/"):
        return json_error(error)
    template = f"errors/{error.code}.html" if error.code in {400, 403, 404, 500, 503} else None
    own_message = error.description if error.description != type(error).description else None
    return render_template(template or "errors/generic.html", error=error, message=own_message), error.code


def json_error(error: HTTPException):
    """``{"error": {"code", "message", "fields"}}``: the one shape of every API error.

    ``fields`` holds what webargs found wrong in the request (``data["messages"]``, by location)
    or what a view passed on (``data["errors"]``, by field), as lists of messages per field.
    """
    data = getattr(error, "data", None) or {}
    fields = data.get("errors") or _by_field(data.get("messages") or {})
    body = {
        "error": {
            "code": (error.name or "error").lower().replace(" ", "_").replace("'", ""),
            "message": str(data.get("message") or error.description or error.name),
            "fields": _with_text_keys(fields),
        }
    }
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if error.code == 401:
        headers.append(("WWW-Authenticate", "Bearer"))
    return body, error.code, headers


def _by_field(messages: dict) -> dict:
    """webargs' ``{"json": {"title": [...]}}`` as ``{"title": [...]}``; a body that is not an
    object at all (``{"json": ["Invalid JSON body."]}``) under ``_schema``."""
    fields: dict = {}
    for found in messages.values():
        if isinstance(found, dict):
            fields.update(found)
        else:
            fields.setdefault("_schema", []).extend(found)
    return fields


def _with_text_keys(value):
    """Keys as text at every depth: marshmallow numbers list items, and JSON sorts keys of one type only."""
    if isinstance(value, dict):
        return {str(k): _with_text_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_text_keys(v) for v in value]
    return str(value) if not isinstance(value, (int, float, bool, type(None))) else value
