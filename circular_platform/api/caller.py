"""Who calls the API: the user of a personal token sent as ``Authorization: Bearer``, or nobody.

The API reads no session cookie: a page's login gives a browser no access to it, so no other
site can make a logged-in browser call it, and no CSRF token is needed. Writing needs a token
with the read-write scope.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import abort, current_app, g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import AnonymousUserMixin
from flask_smorest import Blueprint
from flask_smorest import abort as abort_with_fields
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from circular_platform import permissions
from circular_platform.api import tokens
from circular_platform.db import db
from circular_platform.errors import DomainError
from circular_platform.extensions import limiter
from circular_platform.models import TokenScope, User
from circular_platform.permissions import AnyUser

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Caller:
    token_id: int | None = None
    user_id: int | None = None
    scope: TokenScope | None = None
    refused: bool = False  # a token was sent that is not (or no longer) valid


def caller() -> Caller:
    """This request's caller, found once; the token's last use is recorded in its own transaction,
    before the request's session begins (on SQLite a write request holds the write lock)."""
    if "api_caller" not in g:
        g.api_caller = _identify(request.headers.get("Authorization", ""))
    return g.api_caller


def _identify(header: str) -> Caller:
    if not header:
        return Caller()
    kind, _space, secret = header.partition(" ")
    if kind.lower() != "bearer":
        return Caller(refused=True)
    with db.sessionmaker() as session:
        token = tokens.token_for_secret(session, secret.strip())
        if token is None:
            return Caller(refused=True)
        token_id, due = token.id, tokens.last_use_due(token)
        found = Caller(token_id, token.user_id, token.scope)
        session.rollback()  # the write below starts its own transaction: on SQLite it then waits its turn
        if due:
            _record_use(session, token_id)
    return found


def _record_use(session: Session, token_id: int) -> None:
    """The last-use time is a courtesy: a database busy past its timeout must not refuse the call."""
    try:
        tokens.mark_used(session, token_id)
        session.commit()
    except OperationalError:
        log.warning("Could not record the use of API token %s", token_id)
        session.rollback()


def authenticate() -> None:
    """Before every API request: a token that was sent must be valid (else 401)."""
    if caller().refused:
        abort(401, description=_("Deze API-sleutel is ongeldig of ingetrokken."))


def api_user() -> AnyUser:
    """The token's user, or the anonymous user."""
    if "api_user" not in g:
        user_id = caller().user_id
        g.api_user = db.session.get(User, user_id) if user_id else AnonymousUserMixin()
    return g.api_user


def require_writer() -> User:
    """The caller's user when they may write through the API: 401 without a token, 403 with a
    read-only one."""
    found = caller()
    if found.token_id is None:
        abort(
            401, description=_("Schrijven via de API kan alleen met een API-sleutel (Authorization: Bearer).")
        )
    permissions.require(permissions.can_write_through_api(found.scope))
    user = api_user()
    if not isinstance(user, User):  # blocked since the token was checked
        abort(401)
    return user


def rate_key() -> str:
    """Rate limits count per token when one is sent, else per client address."""
    found = caller()
    return f"api-token-{found.token_id}" if found.token_id else get_remote_address()


def rate() -> str:
    return current_app.config["API_RATE_LIMIT"]


def api_blueprint(name: str, url_prefix: str, description: str) -> Blueprint:
    """A blueprint of the API: every request checks its token and counts against its rate limit."""
    blueprint = Blueprint(name, __name__, url_prefix=url_prefix, description=description)
    blueprint.before_request(authenticate)
    limiter.shared_limit(rate, scope="api", key_func=rate_key)(blueprint)
    return blueprint


@contextmanager
def refused_as_422() -> Iterator[None]:
    """A business rule that refuses the operation becomes a 422 naming the field, as on the forms."""
    try:
        yield
    except DomainError as error:
        db.session.rollback()
        message = str(error.message)
        abort_with_fields(422, message=message, errors={error.field or "_schema": [message]})
