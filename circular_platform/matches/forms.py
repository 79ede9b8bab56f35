from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired

from circular_platform.forms import choices
from circular_platform.models import Feedback


class FeedbackForm(FlaskForm):
    """An owner's verdict on a suggestion: the two buttons of a suggestion card."""

    feedback = RadioField(choices=choices((f.value, f.value) for f in Feedback), validators=[InputRequired()])
