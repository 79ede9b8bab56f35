"""Domain errors, and the error pages every failed request ends on."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError, ServiceUnavailable

from circular_platform.db import db

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
        return {"error": error.name, "message": error.description}, error.code
    template = f"errors/{error.code}.html" if error.code in {400, 403, 404, 500, 503} else None
    own_message = error.description if error.description != type(error).description else None
    return render_template(template or "errors/generic.html", error=error, message=own_message), error.code
