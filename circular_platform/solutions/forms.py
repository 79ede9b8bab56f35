from __future__ import annotations

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from circular_platform import texts
from circular_platform.db import db
from circular_platform.forms import (
    MultiCheckboxField,
    choices,
    chosen,
    contacts,
    municipality_choices,
    province_choices,
)
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.materials.forms import add_line_button, filled_lines, material_lines_field
from circular_platform.models import Maturity, Municipality, Organisation, Province, User
from circular_platform.taxonomy import THEMES
from circular_platform.texts import SOLUTION_TEXTS


class SolutionForm(FlaskForm):
    organisation: Organisation  # set while validating

    organisation_id = SelectField(_l("Namens organisatie"), coerce=int)
    title = StringField(
        _l("Titel"),
        validators=[DataRequired(), *texts.validators(SOLUTION_TEXTS["title"])],
        description=_l("Wat levert u? Bijvoorbeeld: Hennepvezel isolatie voor na-isolatie van woningen."),
    )
    description = TextAreaField(
        _l("Omschrijving"),
        validators=[DataRequired(), *texts.validators(SOLUTION_TEXTS["description"])],
        description=_l("Wat is het, voor wie, welke resultaten? U kunt Markdown gebruiken."),
        render_kw={"rows": 8},
    )
    themes = MultiCheckboxField(_l("Thema's"), choices=choices(THEMES))
    nationwide = BooleanField(_l("Wij leveren in heel Nederland"))
    # The regions chosen are checked against the database (validate_*_ids), not the lists: a post
    # reads only the rows it names, and the lists only when the form is shown.
    province_ids = SelectMultipleField(
        _l("Provincies"), coerce=int, validators=[Optional()], validate_choice=False, render_kw={"size": 6}
    )
    municipality_ids = SelectMultipleField(
        _l("Gemeenten"),
        coerce=int,
        validators=[Optional()],
        validate_choice=False,
        render_kw={"size": 8},
        description=_l("Houd Ctrl (of Cmd) ingedrukt om er meer te kiezen."),
    )
    maturity = RadioField(
        _l("Hoe ver is de oplossing?"), choices=choices(Maturity.labels()), default="marktrijp"
    )
    capacity = StringField(
        _l("Capaciteit"),
        validators=[Optional(), *texts.validators(SOLUTION_TEXTS["capacity"])],
        description=_l("Bijvoorbeeld: ca. 3.000 m² per maand"),
    )
    certifications = StringField(
        _l("Certificaten"), validators=[Optional(), *texts.validators(SOLUTION_TEXTS["certifications"])]
    )
    price_indication = StringField(
        _l("Prijsindicatie"), validators=[Optional(), *texts.validators(SOLUTION_TEXTS["price_indication"])]
    )
    contact_id = SelectField(_l("Contactpersoon"), coerce=int)
    material_lines = material_lines_field()
    add_line = add_line_button()

    def __init__(self, organisations: list[Organisation], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = {o.id: o for o in organisations}
        self.organisation_id.choices = choices((o.id, o.name) for o in organisations)
        self.province_ids.choices = province_choices  # called when the form is shown
        self.municipality_ids.choices = municipality_choices
        self.people, self.contact_id.choices = contacts(organisations)
        self.provinces: list[Province] = []
        self.municipalities: list[Municipality] = []
        self.contact: User | None = None

    def validate_organisation_id(self, field) -> None:
        self.organisation = chosen(self.organisations, field.data)

    def validate_province_ids(self, field) -> None:
        self.provinces = _rows(Province, field.data)

    def validate_municipality_ids(self, field) -> None:
        self.municipalities = _rows(Municipality, field.data)

    def validate_contact_id(self, field) -> None:
        self.contact = self.people.get(field.data)

    def data_for_service(self) -> dict:
        """The fields as ``solutions.services`` takes them, with the area and contact as rows."""
        return {
            "title": self.title.data.strip(),
            "description": self.description.data.strip(),
            "themes": self.themes.data or [],
            "nationwide": self.nationwide.data,
            "provinces": self.provinces,
            "municipalities": self.municipalities,
            "maturity": self.maturity.data,
            "capacity": (self.capacity.data or "").strip(),
            "certifications": (self.certifications.data or "").strip(),
            "price_indication": (self.price_indication.data or "").strip(),
            "contact": self.contact,
            "material_lines": filled_lines(self.material_lines),
        }


def _rows(model: type[Province] | type[Municipality], ids: list[int] | None) -> list:
    """The rows with these ids; raises ValidationError when one does not exist."""
    wanted = set(ids or [])
    rows = list(db.session.scalars(select(model).where(model.id.in_(wanted))))
    if len(rows) != len(wanted):
        raise ValidationError(_l("Kies uit de lijst."))
    return rows
