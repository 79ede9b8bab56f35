from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Length, ValidationError

from circular_platform.forms import choices, chosen
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import MaterialLine


class ConfirmSupplyBundleForm(FlaskForm):
    """A proposal as the coordinator keeps it: the ticked lines and a name."""

    proposal = HiddenField()  # Proposal.key: which proposal shows the form again when refused
    label = StringField(_l("Naam van de bundel"), validators=[Length(max=160)])
    # Rendered as checkboxes per proposal; whether they may be bundled is the service's rule.
    line_ids = SelectMultipleField(_l("Materialen"), coerce=int, validate_choice=False)

    def validate_line_ids(self, field) -> None:
        if len(set(field.data or [])) < 2:
            raise ValidationError(_l("Kies minstens twee materialen."))


class AddLineForm(FlaskForm):
    """One of ``addable`` lines; ``line`` is the chosen row once the form validates."""

    line: MaterialLine
    line_id = SelectField(_l("Materiaal toevoegen"), coerce=int)

    def __init__(self, addable: list[MaterialLine], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.addable = {line.id: line for line in addable}
        self.line_id.choices = choices((line.id, _choice_label(line)) for line in addable)

    def validate_line_id(self, field) -> None:
        self.line = chosen(self.addable, field.data)


def _choice_label(line: MaterialLine) -> str:
    passport = line.passport
    return f"{line.material} ({passport.name}, {passport.organisation})" if passport else line.material
