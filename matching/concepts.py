"""A hand-written glossary of circular-economy concepts: Dutch and English words for one thing.

Each group becomes one shared feature (``~isolatie``) that every member word adds next to its own
stem, so ``isolatie``, ``geïsoleerd`` and ``insulation`` meet even though their stems differ.
Members are looked up by stem in both languages, so inflections and compound parts
(``isolatie|materiaal``) carry the concept too. Concept features never reach users: explanations
show the words the documents contain.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

from matching.analysis import LANGUAGES, stem, token_words

GLOSSARY = Path(__file__).with_name("data") / "concepts.tsv"
PREFIX = "~"  # stems never start with it: tokens are letters and digits only


class Concepts:
    """Stem -> concept features, per language."""

    def __init__(self, groups: Mapping[str, Iterable[str]]) -> None:
        found: dict[str, defaultdict[str, set[str]]] = {lang: defaultdict(set) for lang in LANGUAGES}
        self.words: list[str] = []  # as written in the glossary, for the compound lexicon
        self._members = {PREFIX + name: tuple(words) for name, words in groups.items()}
        for name, words in groups.items():
            for word in words:
                self.words.append(word)
                for lang in LANGUAGES:
                    for w in token_words(word, lang)[:1]:  # a hyphenated word: its joined form
                        found[lang][stem(w, lang)].add(PREFIX + name)
        self._by_stem = {
            lang: {s: tuple(sorted(c)) for s, c in table.items()} for lang, table in found.items()
        }

    @classmethod
    def load(cls, path: Path = GLOSSARY) -> Concepts:
        """Read ``name<TAB>word, word, ...`` lines; ``#`` starts a comment line."""
        groups: dict[str, list[str]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                name, words = line.split("\t")
                groups.setdefault(name, []).extend(w.strip() for w in words.split(","))
        return cls(groups)

    def of(self, term: str, lang: str) -> tuple[str, ...]:
        """Concept features of a stem (empty for most stems)."""
        return self._by_stem[lang].get(term, ())

    def members(self, concept: str) -> tuple[str, ...]:
        """The glossary's words of a concept feature (``~isolatie``), as written there."""
        return self._members.get(concept, ())


def is_concept(term: str) -> bool:
    return term.startswith(PREFIX)
