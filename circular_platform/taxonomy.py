"""Fixed vocabularies stored as plain keys: themes, sectors, transition paths, units, languages.

The labels users read are translated here, in one place. Vocabularies stored in enum columns
(statuses, maturity, visibility, organisation kinds) carry their labels on the enum, in ``models``.
"""

from __future__ import annotations

from circular_platform.i18n import lazy_gettext as _l

THEMES = {
    "biomassa_voedsel": _l("Biomassa en voedsel"),
    "kunststoffen": _l("Kunststoffen"),
    "maakindustrie": _l("Maakindustrie"),
    "bouw": _l("Bouw"),
    "consumptiegoederen": _l("Consumptiegoederen"),
}

BUILDING_SECTORS = {
    "WU": _l("Woning- en utiliteitsbouw (WU)"),
    "GWW": _l("Grond-, weg- en waterbouw (GWW)"),
}

# The nine transition paths of the northern raw-materials analysis, with one line each.
TRANSITION_PATHS = {
    1: (
        _l("Hoogwaardige mestverwerkingsketens"),
        _l("Mest verwerken tot meststoffen, energie en grondstoffen in plaats van uitrijden."),
    ),
    2: (
        _l("Centrale coöperatie voor regionale veevoerproductie"),
        _l("Veevoer uit regionale reststromen en eiwitgewassen, samen georganiseerd."),
    ),
    3: (
        _l("Urban mining"),
        _l("Materialen uit gebouwen, infrastructuur en producten terugwinnen voor hergebruik."),
    ),
    4: (
        _l("Openbare aanbestedingen woning- en utiliteitsbouw en GWW"),
        _l("Circulaire eisen in aanbestedingen van bouw en infrastructuur."),
    ),
    5: (
        _l("Hoogwaardige verwerking cellulose-rijke reststromen"),
        _l("Bermgras, papierslib, stro en andere vezels omzetten in producten."),
    ),
    6: (
        _l("Marktgedreven grondstofproducerende keten"),
        _l("Afval wordt grondstof waar de markt om vraagt, met vaste afnemers."),
    ),
    7: (
        _l("Bioraffinage"),
        _l("Biomassa scheiden in eiwitten, vezels, suikers en chemicaliën met meer waarde."),
    ),
    8: (
        _l("Verduurzaming energievraag chemische sector"),
        _l("De chemie in Noord-Nederland overschakelen op duurzame energie en grondstoffen."),
    ),
    9: (
        _l("Minerale grondstoffen"),
        _l("Zand, grind, klei en bouwmineralen zuinig winnen en hoogwaardig hergebruiken."),
    ),
}

UNITS = {
    "woning": _l("woningen"),
    "gebouw": _l("gebouwen"),
    "stuk": _l("stuks"),
    "m2": _l("m²"),
    "m3": _l("m³"),
    "m": _l("strekkende meter"),
    "ton": _l("ton"),
    "ton_per_jaar": _l("ton per jaar"),
    "kg": _l("kg"),
    "liter": _l("liter"),
}

# Units of a material line: a subset of UNITS, by the same keys.
MATERIAL_UNITS = {
    "ton": _l("t"),
    "kg": _l("kg"),
    "m3": _l("m³"),
    "m2": _l("m²"),
    "m": _l("m"),
    "stuk": _l("stuks"),
}

LANGUAGES = {"nl": "Nederlands", "en": "English"}
