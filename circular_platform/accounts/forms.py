from __future__ import annotations

from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from circular_platform import texts
from circular_platform.forms import choices, new_password_fields, one_line
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import Frequency, TokenScope, User
from circular_platform.passwords import verify_password
from circular_platform.taxonomy import LANGUAGES


class ProfileForm(FlaskForm):
    name = StringField(_l("Uw naam"), validators=[DataRequired(), Length(max=120)], filters=[one_line])
    language = SelectField(_l("Taal"), choices=choices(LANGUAGES))


def check_current_password(_form, field) -> None:
    """The logged-in user's password, asked again before a change that matters."""
    if not verify_password(current_user.password_hash, field.data or ""):
        raise ValidationError(_l("Dit is niet uw huidige wachtwoord."))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Huidig wachtwoord"),
        validators=[DataRequired(), check_current_password],
        render_kw={"autocomplete": "current-password"},
    )
    password, password_repeat = new_password_fields()


class DeleteAccountForm(FlaskForm):
    current_password = PasswordField(
        _l("Uw wachtwoord, ter bevestiging"),
        validators=[DataRequired(), check_current_password],
        render_kw={"autocomplete": "current-password"},
    )


class NotificationsForm(FlaskForm):
    """One select per organisation of the user (``org_<id>``), and ``provinces`` for a coordinator's
    digest; build it with :func:`notifications_form`."""

    field_names: dict[int | None, str]  # organisation id (None: province digest) to field name

    def chosen(self) -> dict[int | None, Frequency]:
        return {key: Frequency(self[name].data) for key, name in self.field_names.items()}


def notifications_form(user: User, current: dict[int | None, Frequency], **kwargs) -> NotificationsForm:
    """``current``: organisation id (None for the province digest) to frequency, from the service."""
    names = {o.id: o.name for o in user.organisations}

    class Form(NotificationsForm):
        pass

    keys: dict[int | None, str] = {}
    for key in current:
        name = "provinces" if key is None else f"org_{key}"
        options = [f for f in Frequency if key is not None or f != Frequency.IMMEDIATELY]
        label = _l("Overzicht van mijn provincies") if key is None else names[key]
        setattr(Form, name, SelectField(label, choices=choices((f.value, f.label) for f in options)))
        keys[key] = name
    form = Form(data={keys[key]: frequency.value for key, frequency in current.items()}, **kwargs)
    form.field_names = keys
    return form


class SaveSearchForm(FlaskForm):
    q = HiddenField(validators=[DataRequired(), Length(max=200)])
    kind = HiddenField()
    theme = HiddenField()
    province = HiddenField()
    status = HiddenField()

    def filters(self) -> dict[str, str]:
        return {name: self[name].data for name in ("kind", "theme", "province", "status") if self[name].data}


class EndSessionsForm(FlaskForm):
    """Log out on every device: the button carries only the CSRF token."""


class ApiTokenForm(FlaskForm):
    """A new personal API token: a name to recognise it by, and what it may do."""

    name = StringField(
        _l("Naam van de sleutel"),
        validators=[DataRequired(), *texts.validators(texts.TextRule(max=80))],
        filters=[one_line],
        description=_l("Bijvoorbeeld: inkoopsysteem of provinciale monitor."),
    )
    scope = RadioField(_l("Wat mag de sleutel?"), choices=choices(TokenScope.labels()), default="read")


class RevokeApiTokenForm(FlaskForm):
    """Revoke a token: the button carries only the CSRF token."""
