from __future__ import annotations

from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from circular_platform import texts
from circular_platform.db import db
from circular_platform.formats import DateField, EuroField, MonthField, QuantityField
from circular_platform.forms import MultiCheckboxField, choices, chosen, contacts, municipality_choices
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.materials.forms import add_line_button, filled_lines, material_lines_field
from circular_platform.models import Municipality, Organisation, User, Visibility
from circular_platform.taxonomy import BUILDING_SECTORS, THEMES, TRANSITION_PATHS, UNITS
from circular_platform.texts import QUESTION_TEXTS


class QuestionForm(FlaskForm):
    organisation: Organisation  # the rows the ids stand for, set while validating
    municipality: Municipality

    organisation_id = SelectField(_l("Namens organisatie"), coerce=int)
    title = StringField(
        _l("Titel"),
        validators=[DataRequired(), *texts.validators(QUESTION_TEXTS["title"])],
        description=_l("Kort en concreet, bijvoorbeeld: Hergebruikte kozijnen voor renovatie 180 woningen."),
    )
    description = TextAreaField(
        _l("Omschrijving"),
        validators=[DataRequired(), *texts.validators(QUESTION_TEXTS["description"])],
        description=_l(
            "Wat zoekt u, waarvoor en wanneer? U kunt Markdown gebruiken: **vet**, lijstjes met -."
        ),
        render_kw={"rows": 8},
    )
    theme = SelectField(_l("Thema"), choices=choices({"": _l("Kies een thema"), **THEMES}))
    sector = SelectField(
        _l("Sector (bij Bouw)"),
        choices=choices({"": _l("n.v.t."), **BUILDING_SECTORS}),
        validators=[Optional()],
    )
    transition_paths = MultiCheckboxField(
        _l("Transitiepaden"), coerce=int, choices=choices((k, v[0]) for k, v in TRANSITION_PATHS.items())
    )
    # validate_municipality_id looks the choice up, so the list is read only to show the form
    municipality_id = SelectField(
        _l("Gemeente"), coerce=int, validators=[DataRequired()], validate_choice=False
    )
    quantity = QuantityField(_l("Hoeveelheid"), description=_l("Bijvoorbeeld 180 of 2.500,5"))
    unit = SelectField(_l("Eenheid"), choices=choices({"": "—", **UNITS}), validators=[Optional()])
    budget_min = EuroField(_l("Budget vanaf (€)"))
    budget_max = EuroField(_l("Budget tot en met (€)"))
    desired_start = MonthField(_l("Gewenste start"), render_kw={"placeholder": "2027-03"})
    valid_until = DateField(
        _l("Geldig tot"),
        validators=[Optional()],
        description=_l(
            "Leeg: zes maanden na publicatie, of drie maanden na de gewenste start als dat later is. "
            "Twee weken vooraf krijgt u een herinnering."
        ),
    )
    is_procurement = BooleanField(_l("Dit is een aanbesteding of inkoopvraag"))
    has_circular_criteria = BooleanField(_l("De aanbesteding stelt circulaire criteria"))
    circular_criteria = TextAreaField(
        _l("Welke circulaire criteria?"),
        validators=[Optional(), *texts.validators(QUESTION_TEXTS["circular_criteria"])],
        description=_l(
            "Bijvoorbeeld: een minimumaandeel hergebruikt materiaal (50%), MPG-score, materialenpaspoort."
        ),
        render_kw={"rows": 3},
    )
    visibility = RadioField(
        _l("Wie mag deze vraag zien?"), choices=choices(Visibility.labels()), default="public"
    )
    contact_id = SelectField(_l("Contactpersoon"), coerce=int)
    material_lines = material_lines_field()
    add_line = add_line_button()
    publish = SubmitField(_l("Publiceren"))  # the other button saves a draft

    def __init__(self, organisations: list[Organisation], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = {o.id: o for o in organisations}
        self.organisation_id.choices = choices((o.id, o.name) for o in organisations)
        self.municipality_id.choices = municipality_choices  # called when the form is shown
        self.people, self.contact_id.choices = contacts(organisations)
        self.contact: User | None = None

    def validate_organisation_id(self, field) -> None:
        self.organisation = chosen(self.organisations, field.data)

    def validate_municipality_id(self, field) -> None:
        # With its province, which the question's matching document names: one query, not two.
        municipality = db.session.get(
            Municipality, field.data or 0, options=[joinedload(Municipality.province)]
        )
        if municipality is None:
            raise ValidationError(_l("Kies een bestaande gemeente."))
        self.municipality = municipality

    def validate_contact_id(self, field) -> None:
        self.contact = self.people.get(field.data)

    def data_for_service(self) -> dict:
        """The fields as ``questions.services`` takes them, with the municipality and contact as rows."""
        return {
            "title": self.title.data.strip(),
            "description": self.description.data.strip(),
            "theme": self.theme.data,
            "sector": self.sector.data or None,
            "transition_paths": sorted(self.transition_paths.data or []),
            "municipality": self.municipality,
            "quantity": self.quantity.data,
            "unit": self.unit.data or None,
            "budget_min": self.budget_min.data,
            "budget_max": self.budget_max.data,
            "desired_start": self.desired_start.data,
            "valid_until": self.valid_until.data,
            "is_procurement": self.is_procurement.data,
            "has_circular_criteria": self.has_circular_criteria.data,
            "circular_criteria": (self.circular_criteria.data or "").strip(),
            "visibility": self.visibility.data,
            "contact": self.contact,
            "material_lines": filled_lines(self.material_lines),
        }
