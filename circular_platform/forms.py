"""Form pieces shared by several features."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from flask import current_app, flash
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import Form, PasswordField, SelectField, SelectMultipleField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo
from wtforms.widgets import CheckboxInput, ListWidget

from circular_platform.db import db
from circular_platform.errors import DomainError
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
    """The next status of a question or solution; ``allowed`` are the statuses it may move to."""

    status = SelectField(_l("Nieuwe status"), validators=[DataRequired()], validate_choice=False)

    def __init__(self, allowed: Iterable[StrEnum], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.allowed = {status.value: status for status in allowed}
        self.status.choices = [(value, value) for value in sorted(self.allowed)]

    def validate_status(self, field) -> None:
        if field.data not in self.allowed:
            raise ValidationError(_l("Deze statuswijziging is niet mogelijk."))

    @property
    def new_status(self) -> StrEnum:
        return self.allowed[self.status.data]


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


def parse_dutch_number(text: str, decimal_comma: bool = True) -> Decimal:
    """``2.500,5`` and ``2500.5`` and ``40,5`` alike; raises ValueError for anything else.

    With ``decimal_comma=False`` (English) the roles swap: ``2,500.5``.
    """
    text = text.strip().replace(" ", "").replace("€", "")
    if not decimal_comma:
        text = text.replace(",", "")
    elif "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValueError(text)
    return Decimal(text)


def _decimal_comma() -> bool:
    return str(get_locale()) != "en"


class DutchDecimalField(StringField):
    """A number as Dutch people type it (decimal comma, dots between thousands); in English, 2,500.5."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip()
        self.raw_data = [raw]
        if raw:
            try:
                self.data = parse_dutch_number(raw, decimal_comma=_decimal_comma())
            except (ValueError, InvalidOperation):
                raise ValidationError(_l("Vul een getal in, bijvoorbeeld 2.500 of 40,5.")) from None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        text = format(self.data.normalize(), "f")
        return text.replace(".", ",") if _decimal_comma() else text


class EuroField(DutchDecimalField):
    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None:
            if self.data != self.data.to_integral_value() or self.data > 2_000_000_000:
                raise ValidationError(_l("Vul een bedrag in hele euro's in, bijvoorbeeld 250.000."))
            self.data = int(self.data)


class MonthField(StringField):
    """A month as ``2027-03`` (what ``<input type=month>`` sends) or ``03-2027``; data is its first day."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip()
        self.raw_data = [raw]
        if not raw:
            return
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", raw) or re.fullmatch(r"(\d{1,2})[-/](\d{4})", raw)
        if match:
            year, month = match.groups() if len(match.group(1)) == 4 else reversed(match.groups())
            if 1 <= int(month) <= 12 and 2000 <= int(year) <= 2100:
                self.data = date(int(year), int(month), 1)
                return
        raise ValidationError(_l("Vul een maand in als jjjj-mm, bijvoorbeeld 2027-03."))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%Y-%m") if self.data else ""
