from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField

from circular_platform.forms import choices
from circular_platform.i18n import lazy_gettext as _l

KIND_LABELS = {"questions": _l("Vragen"), "solutions": _l("Aanbod")}


class ImportForm(FlaskForm):
    kind = RadioField(_l("Wat importeert u?"), choices=choices(KIND_LABELS), default="questions")
    file = FileField(
        _l("CSV-bestand"),
        validators=[FileRequired(_l("Kies een CSV-bestand."))],
        description=_l("Opgeslagen als CSV UTF-8, met ; of , als scheidingsteken."),
        render_kw={"accept": ".csv,text/csv"},
    )
    dry_run = BooleanField(_l("Alleen controleren (proefimport): er wordt niets opgeslagen"), default=True)
