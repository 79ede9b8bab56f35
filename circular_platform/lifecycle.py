"""Moving a question or solution to another status: the rule, the history entry, the signal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from blinker import Signal
from sqlalchemy.orm import Session

from circular_platform import history
from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import Question, QuestionStatus, Solution, SolutionStatus, User


def change_status(
    session: Session,
    item: Question | Solution,
    user: User | None,
    status: QuestionStatus | SolutionStatus,
    allowed: Mapping[Any, set],
    signal: Signal,
) -> None:
    """Move ``item`` to ``status`` if ``allowed`` permits it from its current status.

    Raises DomainError otherwise. The change is logged and ``signal`` is sent with the item
    (as ``question=`` or ``solution=``) and ``previous_status``.
    """
    if status not in allowed[item.status]:
        raise DomainError(_l("Deze statuswijziging is niet mogelijk."), "status")
    before = history.snapshot(item)
    previous = item.status
    item.status = status
    session.flush()
    history.record(session, item, user, before)
    changed: dict[str, Any] = {history.item_type(item): item, "previous_status": previous}
    signal.send(session, **changed)
