"""Forms of the review queue and the pipeline; the business rules live in ``review.services``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from circular_platform.formats import DateField
from circular_platform.forms import choices
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.review.services import REJECT_REASONS, SNOOZE_DAYS


def _snooze_default():
    return datetime.now(UTC).date() + timedelta(days=SNOOZE_DAYS)


class IntroduceForm(FlaskForm):
    note = TextAreaField(
        _l("Uw toelichting voor beide partijen"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Bijvoorbeeld waarom u denkt dat ze elkaar kunnen helpen. Komt in de e-mail."),
        render_kw={"rows": 3},
    )


class RejectForm(FlaskForm):
    reason = RadioField(_l("Reden"), choices=choices(REJECT_REASONS), validators=[DataRequired()])
    text = StringField(_l("Toelichting (verplicht bij Anders)"), validators=[Optional(), Length(max=500)])


class SnoozeForm(FlaskForm):
    until = DateField(_l("Uitstellen tot"), default=_snooze_default, validators=[DataRequired()])


class MoveForm(FlaskForm):
    status = SelectField(_l("Nieuwe fase"), validators=[DataRequired()])
    reason = StringField(
        _l("Waarom niet doorgegaan?"),
        validators=[Optional(), Length(max=500)],
        description=_l("Alleen nodig als het niet is doorgegaan."),
    )
    note = TextAreaField(
        _l("Notitie (optioneel)"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}
    )

    def __init__(self, statuses, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        pick = [("", _l("Kies de nieuwe fase"))] if statuses else []
        self.status.choices = choices(pick + [(s.value, s.label) for s in statuses])


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Notitie"), validators=[DataRequired(), Length(max=2000)], render_kw={"rows": 2})


class InviteCompanyForm(FlaskForm):
    """A company that is not on the platform yet, invited to answer one question."""

    email = EmailField(_l("E-mailadres"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Naam van de contactpersoon"), validators=[Optional(), Length(max=120)])
    note = TextAreaField(
        _l("Uw toelichting"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Bijvoorbeeld waarom u aan dit bedrijf denkt. Komt in de e-mail."),
        render_kw={"rows": 2},
    )
