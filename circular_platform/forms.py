"""Form pieces shared by several features."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TypeVar

from flask import current_app, flash
from flask_login import current_user
from sqlalchemy import select
from wtforms import Form, PasswordField, SelectMultipleField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from circular_platform.db import db
from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.marketplace import filter_options, members_of
from circular_platform.models import Municipality, Organisation, Province, User
from circular_platform.passwords import is_common, is_weak, normalise

T = TypeVar("T")


def one_line(value: str | None) -> str | None:
    """A WTForms filter for names and titles: line breaks, tabs and invisible characters go,
    runs of spaces become one. A name ends up in mail subjects and headings."""
    if value is None:
        return None
    kept = (
        "" if category == "Cf" else " " if category[0] in "CZ" else char
        for char, category in ((char, unicodedata.category(char)) for char in value)
    )
    return " ".join("".join(kept).split())


def password_context(form: Form) -> list[str]:
    """What the password must not be built from: the address, name and organisation being
    registered, or those of the user whose password changes (``form.user`` or the logged-in one)."""
    words = [str(form[name].data or "") for name in ("email", "name") if name in form._fields]
    if "organisation" in form._fields:
        words.append(str(form["organisation"]["name"].data or ""))
    user = getattr(form, "user", None) or (current_user if current_user.is_authenticated else None)
    if user is not None:
        words += [user.email, user.name, *(organisation.name for organisation in user.organisations)]
    return [word for word in words if word]


def check_password_policy(form, field) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    password = normalise(field.data or "")
    if len(password) < minimum:
        raise ValidationError(_l("Gebruik minstens %(n)d tekens.", n=minimum))
    if is_common(password):
        raise ValidationError(_l("Dit wachtwoord is te bekend en makkelijk te raden. Kies een ander."))
    if is_weak(password, password_context(form)):
        raise ValidationError(
            _l(
                "Dit wachtwoord is te makkelijk te raden, bijvoorbeeld omdat het op uw naam, e-mailadres "
                "of organisatie lijkt of een toetsenbordreeks is. Kies een zin van een paar woorden."
            )
        )


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
    if messages := error_messages(form):
        flash(" ".join(messages), "danger")


def error_messages(form: Form, row: int | None = None) -> list[str]:
    """What is wrong, field by field; the rows of a repeated sub-form are named by number."""
    messages = [str(message) for message in form.form_errors]
    for field in form:
        if not field.errors:
            continue
        if field.type == "CSRFTokenField":
            messages.append(str(_l("Het formulier is verlopen; probeer het opnieuw.")))
        elif field.type == "FieldList":
            for number, entry in enumerate(field, start=1):
                if entry.errors and entry.type == "FormField":
                    messages.extend(error_messages(entry.form, number))
        else:
            text = " ".join(str(message) for message in field.errors)
            label = field.label.text
            if row:
                label = str(_l("Regel %(n)d, %(field)s", n=row, field=label))
            messages.append(text if field.type == "HiddenField" else f"{label}: {text}")
    return messages


def chosen(rows: Mapping[int, T], key: int) -> T:
    """The row picked in a select field; the field's own choice check has reported a foreign key."""
    if key not in rows:
        raise StopValidation()
    return rows[key]


def choices(pairs, optgroup: str | None = None) -> list[SelectChoice]:
    """``SelectField`` choices from a mapping or (value, label) pairs."""
    items = pairs.items() if hasattr(pairs, "items") else pairs
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in items]


def contacts(organisations: list[Organisation]) -> tuple[dict[int, User], list[SelectChoice]]:
    """Whom a question or solution of ``organisations`` may name as contact, by id, and the form's
    list of them: by name, under their organisation's name when there are several (a
    coordinator's form lists the people of every organisation)."""
    members = members_of(db.session, organisations)
    names = {o.id: o.name for o in organisations}
    grouped = len(names) > 1
    rows = sorted(
        (names[organisation_id] if grouped else "", user.name, user.id) for organisation_id, user in members
    )
    people = {user.id: user for _, user in members}
    return people, [SelectChoice(user_id, name, optgroup=group or None) for group, name, user_id in rows]


def province_choices() -> list[SelectChoice]:
    """The provinces by name, as the list pages' filters keep them."""
    return choices(filter_options()["provinces"])


def municipality_choices() -> list[SelectChoice]:
    """Municipalities grouped by province, for a ``<select>`` with ``<optgroup>``s."""
    query = select(Province.name, Municipality.name, Municipality.id).join(Municipality.province)
    rows = sorted(db.session.execute(query).all())  # Python's order, whatever the database's collation
    return [SelectChoice(id_, name, optgroup=province) for province, name, id_ in rows]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; ``_macros.field`` renders it as a fieldset."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
