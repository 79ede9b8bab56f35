"""How a move of a question or solution to another status reads on the page.

Which moves are allowed is the services' ``ALLOWED_TRANSITIONS``; this module names each move
as a button and says which ones take an item out of sight and must be confirmed first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectField, ValidationError
from wtforms.validators import DataRequired

from circular_platform.db import db
from circular_platform.forms import choices, domain_errors_on, flash_errors
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import QuestionStatus, SolutionStatus
from circular_platform.models._types import LabelledEnum

Q, S = QuestionStatus, SolutionStatus
Status = TypeVar("Status", bound=LabelledEnum)
# What the button says, by the status it moves to; a (from, to) pair says it better where given.
ACTION_LABELS: dict[Any, Any] = {
    (Q.DRAFT, Q.OPEN): _l("Publiceren"),
    (Q.WITHDRAWN, Q.OPEN): _l("Opnieuw publiceren"),
    (Q.COMPLETED, Q.OPEN): _l("Heropenen"),
    (Q.EXPIRED, Q.OPEN): _l("Verlengen"),
    Q.OPEN: _l("Terug naar open"),
    Q.IN_TALKS: _l("Markeren als in gesprek"),
    Q.COMPLETED: _l("Afronden"),
    Q.WITHDRAWN: _l("Intrekken"),
    S.ACTIVE: _l("Weer actief maken"),
    S.PAUSED: _l("Pauzeren"),
    S.ARCHIVED: _l("Archiveren"),
}
# Moves that take an item out of the matching or out of sight; the text says what will happen.
CONFIRM: dict[Any, Any] = {
    Q.COMPLETED: _l(
        "Een afgeronde vraag blijft zichtbaar, maar krijgt geen nieuwe matches meer. "
        "U kunt haar later heropenen."
    ),
    Q.WITHDRAWN: _l(
        "Een ingetrokken vraag is voor anderen niet meer te zien en krijgt geen matches meer. "
        "U kunt haar later opnieuw publiceren."
    ),
    S.ARCHIVED: _l(
        "Gearchiveerd aanbod staat niet meer in de marktplaats en krijgt geen matches meer; alleen uw "
        "organisatie ziet het nog. U kunt het later weer actief maken."
    ),
}


@dataclass(frozen=True)
class Action:
    """One allowed move as a button: the status it moves to, its label, the warning if any."""

    status: Enum
    label: Any
    confirm: Any = None
    primary: bool = False  # the move the page invites: publishing a draft


def action(current: Enum, status: Enum) -> Action:
    label = ACTION_LABELS.get((current, status), ACTION_LABELS[status])
    return Action(status, label, CONFIRM.get(status), (current, status) == (Q.DRAFT, Q.OPEN))


def actions(current: Enum, allowed: Mapping[Any, Iterable[Any]]) -> list[Action]:
    """The moves ``allowed`` from ``current`` in the order of the statuses, the confirmed ones last."""
    order = list(type(current))
    targets = sorted(allowed[current], key=lambda status: (status in CONFIRM, order.index(status)))
    return [action(current, status) for status in targets]


def confirm_page(item: Any, form: Any, back: str) -> str:
    """The page that asks before ``form``'s move of ``item`` is made; it posts to the same URL again."""
    url = url_for(request.endpoint or "", **(request.view_args or {}))
    move = action(item.status, form.new_status)
    return render_template("marketplace/confirm_status.html", item=item, move=move, url=url, back=back)


class StatusForm(FlaskForm, Generic[Status]):
    """The next status of a question or solution; ``allowed`` are the statuses it may move to.

    A move in ``CONFIRM`` needs ``confirmed``: without it the view shows what will happen
    and asks again, so one click never archives or withdraws anything.
    """

    status = SelectField(_l("Nieuwe status"), validators=[DataRequired()], validate_choice=False)
    confirmed = BooleanField(_l("Ja, ik weet het zeker"))

    def __init__(self, allowed: Iterable[Status], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        ordered = sorted(allowed, key=lambda status: list(type(status).__members__.values()).index(status))
        self.allowed = {status.value: status for status in ordered}
        self.status.choices = choices((status.value, status.label) for status in ordered)

    def validate_status(self, field) -> None:
        if field.data not in self.allowed:
            raise ValidationError(_l("Deze statuswijziging is niet mogelijk."))

    @property
    def new_status(self) -> Status:
        return self.allowed[self.status.data]

    @property
    def needs_confirmation(self) -> bool:
        return self.new_status in CONFIRM and not self.confirmed.data


def change_status(item: Any, transitions: Mapping[Any, Any], change: Callable, back: str) -> str | Response:
    """The POST of a status button: ask first for a move in ``CONFIRM``, else ``change`` the item's
    status (a service), commit and go ``back``."""
    form: StatusForm = StatusForm(transitions[item.status])
    if form.validate_on_submit():
        if form.needs_confirmation:
            return confirm_page(item, form, back)
        with domain_errors_on(form):
            change(db.session, item, current_user, form.new_status)
            db.session.commit()
            flash(_("De status is gewijzigd."), "success")
    flash_errors(form)
    return redirect(back)
