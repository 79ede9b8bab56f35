from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired

from circular_platform.forms import choices
from circular_platform.taxonomy import LANGUAGES


class LanguageForm(FlaskForm):
    """The language switch in the navigation bar: one button per language."""

    language = SelectField(choices=choices(LANGUAGES), validators=[DataRequired()])
