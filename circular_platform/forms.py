"""Form pieces shared by several features."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import PasswordField, SelectMultipleField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo
from wtforms.widgets import CheckboxInput, ListWidget

from circular_platform.db import db
from circular_platform.models import Municipality
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
