"""The admin pages' buttons: each posts one action for one organisation or user."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired

from circular_platform.admin.services import OrganisationAction, UserAction


class OrganisationActionForm(FlaskForm):
    action = SelectField(choices=[a.value for a in OrganisationAction], validators=[DataRequired()])

    @property
    def chosen(self) -> OrganisationAction:
        return OrganisationAction(self.action.data)


class UserActionForm(FlaskForm):
    action = SelectField(choices=[a.value for a in UserAction], validators=[DataRequired()])
    # Blocking asks first: the confirmation page ticks this (works without JavaScript).
    confirm = BooleanField(_l("Ja, ik weet het zeker"))

    @property
    def unconfirmed_block(self) -> bool:
        return self.chosen == UserAction.DEACTIVATE and not self.confirm.data

    @property
    def chosen(self) -> UserAction:
        return UserAction(self.action.data)
