"""A hand-written glossary of circular-economy concepts: Dutch and English words for one thing.

Each group becomes one shared feature (``~isolatie``) that every member word adds next to its own
stem, so ``isolatie``, ``geïsoleerd`` and ``insulation`` meet even though their stems differ.
Every member carries its language (the glossary's Dutch and English columns) and is looked up
by its stem in that language only, so inflections and compound parts (``isolatie|materiaal``)
carry the concept, while a word of the other language never gets in through a shared stem: the
Dutch stemmer turns both ``concreet`` and ``concrete`` into ``concret``, but ``concrete`` is an
English member of ``~beton``, found by its English stem. A text counts the members of its own
language, or of both when no stop words tell its language
(:func:`matching.analysis.glossary_languages`). Concept features never reach users:
explanations show the words the documents contain.
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

    def __init__(self, groups: Mapping[str, Mapping[str, Iterable[str]]]) -> None:
        """``groups``: concept name -> language -> the words of that language."""
        found: dict[str, defaultdict[str, set[str]]] = {lang: defaultdict(set) for lang in LANGUAGES}
        self.words: list[str] = []  # as written in the glossary, for the compound lexicon
        members: dict[str, list[str]] = defaultdict(list)
        for name, by_language in groups.items():
            for lang, words in by_language.items():
                for word in words:
                    self.words.append(word)
                    if word not in members[PREFIX + name]:
                        members[PREFIX + name].append(word)
                    for w in token_words(word, lang)[:1]:  # a hyphenated word: its joined form
                        found[lang][stem(w, lang)].add(PREFIX + name)
        self._members = {concept: tuple(words) for concept, words in members.items()}
        self._by_stem = {
            lang: {s: tuple(sorted(c)) for s, c in table.items()} for lang, table in found.items()
        }

    @classmethod
    def load(cls, path: Path = GLOSSARY) -> Concepts:
        """Read ``name<TAB>Dutch words<TAB>English words`` lines (words comma-separated, a column
        may be empty); ``#`` starts a comment line."""
        groups: dict[str, dict[str, list[str]]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                name, *columns = line.split("\t")
                group = groups.setdefault(name, {lang: [] for lang in LANGUAGES})
                for lang, words in zip(LANGUAGES, columns, strict=True):
                    group[lang].extend(w.strip() for w in words.split(",") if w.strip())
        return cls(groups)

    def of(self, term: str, lang: str) -> tuple[str, ...]:
        """Concept features of a stem of language ``lang`` (empty for most stems)."""
        return self._by_stem[lang].get(term, ())

    def of_word(self, word: str, languages: Iterable[str] = LANGUAGES) -> tuple[str, ...]:
        """Concept features of a folded word read in any of ``languages``, each by its own stem."""
        return tuple(sorted({c for lang in languages for c in self.of(stem(word, lang), lang)}))

    def members(self, concept: str) -> tuple[str, ...]:
        """The glossary's words of a concept feature (``~isolatie``), as written there."""
        return self._members.get(concept, ())


def is_concept(term: str) -> bool:
    return term.startswith(PREFIX)
