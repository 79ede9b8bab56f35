from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from circular_platform.db import db
from circular_platform.formats import DateField
from circular_platform.forms import choices, chosen, municipality_choices, one_line
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.materials.forms import add_line_button, filled_lines, material_lines_field
from circular_platform.models import Intervention, Municipality, Organisation


class PassportForm(FlaskForm):
    organisation: Organisation  # the rows the ids stand for, set while validating
    municipality: Municipality

    organisation_id = SelectField(_l("Eigenaar"), coerce=int)
    name = StringField(
        _l("Naam van het gebouw"), filters=[one_line], validators=[DataRequired(), Length(max=160)]
    )
    address = StringField(_l("Adres"), filters=[one_line], validators=[Optional(), Length(max=200)])
    municipality_id = SelectField(_l("Gemeente"), coerce=int, validators=[DataRequired()])
    construction_year = IntegerField(_l("Bouwjaar"), validators=[Optional(), NumberRange(1000, 2100)])
    floor_area = IntegerField(
        _l("Bruto vloeroppervlak (m²)"), validators=[Optional(), NumberRange(1, 10_000_000)]
    )
    intervention = SelectField(
        _l("Geplande ingreep"), choices=choices({"": _l("geen"), **Intervention.labels()})
    )
    intervention_date = DateField(_l("Datum van de ingreep"), validators=[Optional()])
    published = BooleanField(
        _l("Openbaar: iedereen mag dit gebouw en zijn materialen zien"),
        description=_l("Anders zien alleen leden van uw organisatie en de coördinatoren het."),
    )
    material_lines = material_lines_field()
    add_line = add_line_button()

    def __init__(self, organisations: list[Organisation], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = {o.id: o for o in organisations}
        self.organisation_id.choices = choices((o.id, o.name) for o in organisations)
        self.municipality_id.choices = municipality_choices()

    def validate_organisation_id(self, field) -> None:
        self.organisation = chosen(self.organisations, field.data)

    def validate_municipality_id(self, field) -> None:
        municipality = db.session.get(Municipality, field.data or 0)
        if municipality is None:
            raise ValidationError(_l("Kies een bestaande gemeente."))
        self.municipality = municipality

    def data_for_service(self) -> dict:
        return {
            "name": self.name.data,
            "address": self.address.data or "",
            "municipality": self.municipality,
            "construction_year": self.construction_year.data,
            "floor_area": self.floor_area.data,
            "intervention": Intervention(self.intervention.data) if self.intervention.data else None,
            "intervention_date": self.intervention_date.data,
            "published": self.published.data,
            "material_lines": filled_lines(self.material_lines),
        }


class InventoryImportForm(FlaskForm):
    file = FileField(
        _l("CSV-bestand"),
        validators=[FileRequired(_l("Kies een CSV-bestand."))],
        description=_l(
            "Kolommen: materiaal, euralcode, hoeveelheid, eenheid, locatie (en eventueel staat en "
            "beschikbaar_vanaf), zoals een export uit Madaster, een inventarisatie of de CSV van de "
            "gebouwenlijst. De regels komen bij de bestaande."
        ),
        render_kw={"accept": ".csv,text/csv"},
    )
