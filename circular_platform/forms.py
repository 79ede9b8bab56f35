"""Form pieces shared by several features."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from flask import current_app, flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, Form, PasswordField, SelectField, SelectMultipleField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo
from wtforms.widgets import CheckboxInput, ListWidget

from circular_platform import status_moves
from circular_platform.db import db
from circular_platform.errors import DomainError
from circular_platform.models import Municipality
from circular_platform.models._types import LabelledEnum
from circular_platform.passwords import is_common


def check_password_policy(_form, field) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(_l("Gebruik minstens %(n)d tekens.", n=minimum))
    if is_common(field.data):
        raise ValidationError(_l("Dit wachtwoord is te bekend en makkelijk te raden. Kies een ander."))


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        _l("Wachtwoord"),
        validators=[DataRequired(), check_password_policy],
        description=_l("Minstens 12 tekens. Een zin van een paar woorden werkt goed."),
        render_kw={"autocomplete": "new-password"},
    )
    repeat = PasswordField(
        _l("Herhaal wachtwoord"),
        validators=[DataRequired(), EqualTo("password", message=_l("De wachtwoorden zijn niet gelijk."))],
        render_kw={"autocomplete": "new-password"},
    )
    return password, repeat


# Services name the thing a rule is about; on the forms it is picked by id.
FIELD_ALIASES = {"contact": "contact_id", "provinces": "province_ids", "municipalities": "municipality_ids"}


@contextmanager
def domain_errors_on(form: Form) -> Iterator[None]:
    """Turn a DomainError raised inside the block into an error on ``form``, after a rollback.

    The rollback leaves the database as it was before the failed write; the block's remaining
    statements (the commit, the redirect) are skipped, and the view goes on to show the form
    again with what was typed. The error lands on the field it names, or on the form as a whole.
    """
    try:
        yield
    except DomainError as error:
        db.session.rollback()
        name = FIELD_ALIASES.get(error.field or "", error.field or "")
        if name in form._fields:
            form[name].errors = [*form[name].errors, error.message]
        else:
            form.form_errors.append(error.message)


def flash_errors(form: Form) -> None:
    """Flash what is wrong with a small form (a button, a note) whose page the view redirects back to."""
    messages = [str(message) for message in form.form_errors]
    for field in form:
        if field.errors and field.type == "CSRFTokenField":
            messages.append(_l("Het formulier is verlopen; probeer het opnieuw."))
        elif field.errors:
            text = " ".join(str(message) for message in field.errors)
            messages.append(text if field.type == "HiddenField" else f"{field.label.text}: {text}")
    if messages:
        flash(" ".join(str(message) for message in messages), "danger")


class StatusForm(FlaskForm):
    """The next status of a question or solution; ``allowed`` are the statuses it may move to.

    A move in ``status_moves.CONFIRM`` needs ``confirmed``: without it the view shows what will happen
    and asks again, so one click never archives or withdraws anything.
    """

    status = SelectField(_l("Nieuwe status"), validators=[DataRequired()], validate_choice=False)
    confirmed = BooleanField(_l("Ja, ik weet het zeker"))

    def __init__(self, allowed: Iterable[LabelledEnum], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        ordered = sorted(allowed, key=lambda status: list(type(status)).index(status))
        self.allowed = {status.value: status for status in ordered}
        self.status.choices = choices((status.value, status.label) for status in ordered)

    def validate_status(self, field) -> None:
        if field.data not in self.allowed:
            raise ValidationError(_l("Deze statuswijziging is niet mogelijk."))

    @property
    def new_status(self) -> LabelledEnum:
        return self.allowed[self.status.data]

    @property
    def needs_confirmation(self) -> bool:
        return self.new_status in status_moves.CONFIRM and not self.confirmed.data


def choices(pairs, optgroup: str | None = None) -> list[SelectChoice]:
    """``SelectField`` choices from a mapping or (value, label) pairs."""
    items = pairs.items() if hasattr(pairs, "items") else pairs
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in items]


def municipality_choices() -> list[SelectChoice]:
    """Municipalities grouped by province, for a ``<select>`` with ``<optgroup>``s."""
    rows = db.session.scalars(select(Municipality).order_by(Municipality.name)).all()
    rows = sorted(rows, key=lambda m: (m.province.name, m.name))
    return [SelectChoice(m.id, m.name, optgroup=m.province.name) for m in rows]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; ``_macros.field`` renders it as a fieldset."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
