"""Creating, finding and revoking personal API tokens. Functions ``flush()``; callers commit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import ApiToken, TokenScope, User
from circular_platform.models._types import utcnow
from circular_platform.notifications.schedule import as_utc

# Recognisable in logs and by secret scanners; what follows is 32 random bytes.
SECRET_PREFIX = "cn_"  # a marker, not a secret  # nosec B105
SHOWN_PREFIX = 8  # characters of the secret stored in the clear, to tell tokens apart
MAX_TOKENS = 20
# The last-used time is written at most this often per token: an API client polling every
# second must not turn every read into a write.
LAST_USED_STEP = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, user: User, name: str, scope: TokenScope) -> tuple[ApiToken, str]:
    """A new token and its secret; the secret is not stored and cannot be shown again."""
    if len(tokens_of(session, user)) >= MAX_TOKENS:
        raise DomainError(_l("U hebt al het maximum van %(n)d sleutels. Trek er eerst een in.", n=MAX_TOKENS))
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name, scope=scope, prefix=secret[:SHOWN_PREFIX], secret_hash=_hash(secret)
    )
    session.add(token)
    session.flush()
    return token, secret


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).filter_by(user_id=user.id).order_by(ApiToken.id)))


def revoke_token(session: Session, token: ApiToken) -> None:
    session.delete(token)
    session.flush()


def token_for_secret(session: Session, secret: str) -> ApiToken | None:
    """The token with this secret, if it exists and its user may still log in."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.secret_hash == _hash(secret)))
    return token if token is not None and token.user.active else None


def last_use_due(token: ApiToken) -> bool:
    """Whether the token's last use is older than :data:`LAST_USED_STEP` (or was never recorded)."""
    return token.last_used_at is None or utcnow() - as_utc(token.last_used_at) >= LAST_USED_STEP


def mark_used(session: Session, token_id: int) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))
