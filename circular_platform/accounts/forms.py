from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from circular_platform.forms import choices, new_password_fields
from circular_platform.taxonomy import LANGUAGES


class ProfileForm(FlaskForm):
    name = StringField(_l("Uw naam"), validators=[DataRequired(), Length(max=120)])
    language = SelectField(_l("Taal"), choices=choices(LANGUAGES))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Huidig wachtwoord"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    password, password_repeat = new_password_fields()


class DeleteAccountForm(FlaskForm):
    current_password = PasswordField(
        _l("Uw wachtwoord, ter bevestiging"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
