"""The admin pages' buttons: each posts one action for one organisation or user."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired

from circular_platform.admin.services import OrganisationAction, UserAction
from circular_platform.i18n import lazy_gettext as _l


class OrganisationActionForm(FlaskForm):
    action = SelectField(choices=[a.value for a in OrganisationAction], validators=[DataRequired()])

    @property
    def chosen(self) -> OrganisationAction:
        return OrganisationAction(self.action.data)


class CoordinatorProvinceForm(FlaskForm):
    """The province a coordinator handles supply bundles for; 0 is the whole north."""

    province_id = SelectField(_l("Provincie"), coerce=int)

    def __init__(self, provinces, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.province_id.choices = [(0, _l("Heel Noord-Nederland")), *((p.id, p.name) for p in provinces)]


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
