from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from circular_platform.forms import choices, chosen
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import BundleStatus, Question


class ConfirmBundleForm(FlaskForm):
    """A proposal as the coordinator keeps it: the ticked questions and a label."""

    label = StringField(_l("Naam van de bundel"), validators=[Length(max=160)])
    # Rendered as checkboxes per proposal; whether they may be bundled is the service's rule.
    question_ids = SelectMultipleField(_l("Vragen"), coerce=int, validate_choice=False)

    def validate_question_ids(self, field) -> None:
        if len(set(field.data or [])) < 2:
            raise ValidationError(_l("Kies minstens twee vragen."))


class RenameBundleForm(FlaskForm):
    label = StringField(_l("Naam van de bundel"), validators=[DataRequired(), Length(min=3, max=160)])


class BundleStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=choices(BundleStatus.labels()))


class AddQuestionForm(FlaskForm):
    """One of ``addable`` questions; ``question`` is the chosen row once the form validates."""

    question: Question
    question_id = SelectField(_l("Open vraag toevoegen"), coerce=int)

    def __init__(self, addable: list[Question], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.addable = {q.id: q for q in addable}
        self.question_id.choices = choices((q.id, f"{q.title} ({q.organisation})") for q in addable)

    def validate_question_id(self, field) -> None:
        self.question = chosen(self.addable, field.data)
