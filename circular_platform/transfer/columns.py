"""The columns of the import and export files, as the import page documents them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from circular_platform import taxonomy
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import Maturity, QuestionStatus, SolutionStatus, Visibility


@dataclass(frozen=True)
class Column:
    name: str
    help: Any  # a lazy string, translated when shown
    required: bool = False
    values: Mapping[Any, Any] | None = None  # allowed keys; their Dutch labels are accepted too


ORGANISATION = Column("organisatie", _l("Naam van een organisatie die al op het platform staat."), True)
TITLE = Column("titel", _l("Kort en concreet, hoogstens 160 tekens."), True)
DESCRIPTION = Column(
    "omschrijving", _l("Markdown mag; een tekst met regeleinden tussen aanhalingstekens."), True
)
LIST_HELP = _l("Meerdere waarden scheidt u met |, bijvoorbeeld 3|4.")


def material_columns(date_help: Any) -> tuple[Column, ...]:
    """One material line per row: the first on the item's own row, further ones on the rows right
    below it with every other column empty (``csvfile.attach_continuations``)."""
    return (
        Column(
            "materiaal",
            _l(
                "Eén materiaal per rij. Meer materialen? Zet elk volgend materiaal op een eigen rij direct "
                "onder de vraag of het aanbod, met alleen de materiaalkolommen ingevuld."
            ),
        ),
        Column(
            "euralcode",
            _l("Code uit de Euralijst, bijvoorbeeld 17 01 01. Leeg: het platform stelt er een voor."),
        ),
        Column("materiaal_hoeveelheid", _l("Een getal; alleen samen met materiaal_eenheid.")),
        Column(
            "materiaal_eenheid", _l("Alleen samen met materiaal_hoeveelheid."), values=taxonomy.MATERIAL_UNITS
        ),
        Column("materiaal_staat", _l("Vrije tekst, bijvoorbeeld gebruikt, goed.")),
        Column("materiaal_vanaf", date_help),
    )


MATERIAL_COLUMN_NAMES = frozenset(column.name for column in material_columns(""))

QUESTION_COLUMNS = (
    ORGANISATION,
    TITLE,
    DESCRIPTION,
    Column("thema", _l("Eén thema."), True, taxonomy.THEMES),
    Column("sector", _l("Alleen bij het thema bouw, en daar verplicht."), values=taxonomy.BUILDING_SECTORS),
    Column("transitiepaden", LIST_HELP, values=taxonomy.TRANSITION_PATHS),
    Column("gemeente", _l("De gemeente waar de vraag speelt."), True),
    Column("hoeveelheid", _l("Een getal, bijvoorbeeld 2.500 of 40,5; alleen samen met een eenheid.")),
    Column("eenheid", _l("Alleen samen met een hoeveelheid."), values=taxonomy.UNITS),
    Column("budget_min", _l("Hele euro's, bijvoorbeeld 250.000.")),
    Column("budget_max", _l("Hele euro's, niet lager dan budget_min.")),
    Column("start", _l("Gewenste start als jjjj-mm, bijvoorbeeld 2027-03.")),
    Column("aanbesteding", _l("ja of nee; leeg is nee.")),
    Column("circulaire_criteria", _l("De circulaire criteria van de aanbesteding; dan is aanbesteding ja.")),
    Column("zichtbaarheid", _l("Leeg is public (iedereen)."), values=Visibility.labels()),
    Column("status", _l("Leeg is open."), values=QuestionStatus.labels()),
    *material_columns(_l("Nodig vanaf, als jjjj-mm of jjjj-mm-dd.")),
)

SOLUTION_COLUMNS = (
    ORGANISATION,
    TITLE,
    DESCRIPTION,
    Column("themas", _l("Eén of meer thema's, gescheiden door |."), True, taxonomy.THEMES),
    Column(
        "werkgebied",
        _l(
            "Nederland, of namen van provincies en gemeenten gescheiden door |. Groningen is de provincie; "
            "schrijf gemeente Groningen voor de gemeente."
        ),
        True,
    ),
    Column("volwassenheid", _l("Leeg is marktrijp."), values=Maturity.labels()),
    Column("capaciteit", _l("Vrije tekst.")),
    Column("certificaten", _l("Vrije tekst.")),
    Column("prijsindicatie", _l("Vrije tekst, hoogstens 200 tekens.")),
    Column("status", _l("Leeg is actief."), values=SolutionStatus.labels()),
    *material_columns(_l("Beschikbaar vanaf, als jjjj-mm of jjjj-mm-dd.")),
)

# The file the import page offers: each kind's example item; the question's has a second material.
EXAMPLES = {
    "questions": {
        "organisatie": "Woonstichting Hondsrug",
        "titel": "Hergebruikte kozijnen voor 180 woningen",
        "omschrijving": "Wij renoveren 180 woningen in Emmen en zoeken hergebruikte kozijnen.",
        "thema": "bouw",
        "sector": "WU",
        "transitiepaden": "3|4",
        "gemeente": "Emmen",
        "hoeveelheid": "2500,5",
        "eenheid": "m2",
        "budget_min": "250000",
        "budget_max": "400000",
        "start": "2027-03",
        "aanbesteding": "ja",
        "circulaire_criteria": "Minimaal 50% hergebruikt materiaal",
        "zichtbaarheid": "public",
        "status": "open",
        "materiaal": "houten kozijnen",
        "euralcode": "17 02 01",
        "materiaal_hoeveelheid": "180",
        "materiaal_eenheid": "stuk",
        "materiaal_staat": "gebruikt, goed",
        "materiaal_vanaf": "2027-03",
    },
    "solutions": {
        "organisatie": "Hempflax Oude Pekela",
        "titel": "Hennepvezel isolatie voor woningen",
        "omschrijving": "Isolatiemateriaal van hennep uit de regio, biobased.",
        "themas": "bouw|biomassa_voedsel",
        "werkgebied": "Groningen|Drenthe|Fryslân",
        "volwassenheid": "marktrijp",
        "capaciteit": "20.000 m² per jaar",
        "certificaten": "NL-BSB",
        "prijsindicatie": "Op aanvraag",
        "status": "actief",
        "materiaal": "hennepvezel isolatie",
        "euralcode": "",
        "materiaal_hoeveelheid": "20000",
        "materiaal_eenheid": "m2",
        "materiaal_staat": "nieuw",
        "materiaal_vanaf": "",
    },
}

EXAMPLE_CONTINUATIONS = {
    "questions": [
        {
            "materiaal": "betongranulaat",
            "euralcode": "17 01 01",
            "materiaal_hoeveelheid": "40,5",
            "materiaal_eenheid": "ton",
            "materiaal_vanaf": "2027-06",
        }
    ],
    "solutions": [],
}
