from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from circular_platform.forms import choices, new_password_fields, one_line
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


class EndSessionsForm(FlaskForm):
    """Log out on every device: the button carries only the CSRF token."""
