from __future__ import annotations

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    EmailField,
    FormField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from circular_platform.db import db
from circular_platform.forms import choices, chosen, new_password_fields, one_line
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import Organisation, User
from circular_platform.organisations.forms import OrganisationFields
from circular_platform.taxonomy import LANGUAGES


class AccountFieldsForm(FlaskForm):
    name = StringField(
        _l("Uw naam"),
        validators=[DataRequired(), Length(max=120)],
        filters=[one_line],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("E-mailadres"),
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    password, password_repeat = new_password_fields()
    language = SelectField(_l("Taal"), choices=choices(LANGUAGES), default="nl")


class RegisterOrganisationForm(AccountFieldsForm):
    organisation = FormField(OrganisationFields)


class JoinOrganisationForm(AccountFieldsForm):
    organisation: Organisation  # the row of organisation_id, set while validating
    organisation_id = SelectField(_l("Organisatie"), coerce=int, validators=[DataRequired()])
    message = TextAreaField(
        _l("Bericht aan de beheerder"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Bijvoorbeeld uw functie, zodat de beheerder u herkent."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        organisations = list(db.session.scalars(select(Organisation).order_by(Organisation.name)))
        self.organisations = {o.id: o for o in organisations}
        self.organisation_id.choices = choices((o.id, o.name) for o in organisations)

    def validate_organisation_id(self, field) -> None:
        self.organisation = chosen(self.organisations, field.data)


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"), validators=[DataRequired(), Email()], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        _l("Wachtwoord"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField(_l("Ingelogd blijven (30 dagen)"))


class EmailForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"), validators=[DataRequired(), Email()], render_kw={"autocomplete": "email"}
    )


class ResetPasswordForm(FlaskForm):
    password, password_repeat = new_password_fields()

    def __init__(self, user: User, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user  # the password policy refuses the user's own name and address
