from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp, ValidationError

from circular_platform.db import db
from circular_platform.forms import choices, municipality_choices, one_line
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import Membership, Organisation, OrganisationKind
from circular_platform.organisations.services import MembershipDecision


class OrganisationFields(Form):
    """The organisation's own fields: on its edit page and nested in the registration form."""

    name = StringField(
        _l("Naam van de organisatie"), validators=[DataRequired(), Length(max=160)], filters=[one_line]
    )
    kind = SelectField(_l("Soort organisatie"), choices=choices(OrganisationKind.labels()))
    municipality_id = SelectField(_l("Gemeente"), coerce=int, validators=[DataRequired()])
    kvk_number = StringField(
        _l("KvK-nummer"),
        validators=[Optional(), Regexp(r"^\d{8}$", message=_l("Een KvK-nummer bestaat uit 8 cijfers."))],
    )
    website = StringField(
        _l("Website"),
        validators=[
            Optional(),
            URL(message=_l("Vul een volledig webadres in, met https://.")),
            Length(max=300),
        ],
    )
    description = TextAreaField(_l("Korte beschrijving"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.municipality_id.choices = municipality_choices()

    def organisation_data(self) -> dict:
        """The values as the services take them: trimmed, with empty optional fields as None."""
        return {
            "name": self.name.data.strip(),
            "kind": self.kind.data,
            "municipality_id": self.municipality_id.data,
            "kvk_number": self.kvk_number.data or None,
            "website": self.website.data or None,
            "description": (self.description.data or "").strip(),
        }


class OrganisationForm(FlaskForm, OrganisationFields):
    pass


class MembershipDecisionForm(FlaskForm):
    """A button on the members page; ``membership`` is the row, once checked to be of ``organisation``."""

    membership: Membership

    membership_id = HiddenField(validators=[DataRequired()])
    decision = SelectField(choices=[d.value for d in MembershipDecision], validators=[DataRequired()])

    def __init__(self, organisation: Organisation, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def validate_membership_id(self, field) -> None:
        membership = db.session.get(Membership, int(field.data)) if field.data.isdigit() else None
        if membership is None or membership.organisation_id != self.organisation.id:
            raise ValidationError(_l("Dit lidmaatschap hoort niet bij deze organisatie."))
        self.membership = membership

    @property
    def chosen(self) -> MembershipDecision:
        return MembershipDecision(self.decision.data)
