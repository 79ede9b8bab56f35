"""What the question and solution pages share: the user's organisations, filters, and form errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import Form

from circular_platform import permissions
from circular_platform.db import db
from circular_platform.errors import DomainError
from circular_platform.models import Municipality, Organisation, Province, User

T = TypeVar("T")
FIELD_ALIASES = {"contact": "contact_id", "provinces": "province_ids", "municipalities": "municipality_ids"}


def organisations_for(user: User, *, publishing: bool = False) -> list[Organisation]:
    """The organisations ``user`` may post for; coordinators may post for any."""
    if permissions.is_coordinator(user):
        query = select(Organisation).order_by(Organisation.name)
        organisations = list(db.session.scalars(query))
    else:
        organisations = user.organisations
    if publishing:
        organisations = [o for o in organisations if permissions.can_publish_solution(user, o)]
    return organisations


def show_domain_error(form: Form, error: DomainError) -> None:
    """Attach a business-rule error to the field it concerns, or to the form as a whole."""
    name = FIELD_ALIASES.get(error.field or "", error.field or "")
    if name in form._fields:
        form[name].errors = [*form[name].errors, error.message]
    else:
        form.form_errors.append(error.message)


def list_filters(*names: str) -> dict:
    """The list page's filters from the query string, ignoring empty and malformed values."""
    filters: dict = {}
    for name in names:
        value = request.args.get(name, "").strip()
        if value:
            filters[name] = int(value) if name in {"province", "municipality"} and value.isdigit() else value
    for name in ("province", "municipality"):
        if isinstance(filters.get(name), str):
            del filters[name]
    return filters


def filter_options() -> dict:
    return {
        "provinces": list(db.session.scalars(select(Province).order_by(Province.name))),
        "municipalities": list(db.session.scalars(select(Municipality).order_by(Municipality.name))),
    }


def save_form(form: FlaskForm, save: Callable[[], T], message: str) -> T | None:
    """Validate ``form`` and call ``save``; on success commit, flash ``message`` and return the item.

    On a validation or business-rule error the database is rolled back, the error is attached
    to the form, and None is returned so the view can show the form again with what was typed.
    """
    if not form.validate():
        return None
    try:
        item = save()
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return None
    db.session.commit()
    flash(message, "success")
    return item


def change_status_or_refuse(change: Callable[[], None]) -> None:
    """Run a status change and commit, or roll back and tell the user it is not possible."""
    try:
        change()
    except (ValueError, DomainError):
        db.session.rollback()
        flash(_("Deze statuswijziging is niet mogelijk."), "danger")
        return
    db.session.commit()
    flash(_("De status is gewijzigd."), "success")
