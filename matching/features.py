"""Weighted term counts for one document: word stems plus the stems of compound parts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from matching.analysis import (
    STOP_WORDS,
    language_of,
    split_compound,
    stem,
    token_words,
    tokens,
)

_MIN_COMPOUND = 6


class TermExtractor:
    """Turns title and description into ``{term: weight}`` using a fixed compound lexicon.

    A compound contributes its own stem (weight 1) and each part's stem (``part_weight``), so
    ``isolatiemateriaal`` also matches ``isolatie``. Title words count ``title_weight`` times.
    """

    def __init__(
        self, lexicon: Iterable[str], *, title_weight: float = 2.0, part_weight: float = 0.5
    ) -> None:
        self.lexicon = frozenset(lexicon)
        self.title_weight = title_weight
        self.part_weight = part_weight
        self._cache: dict[tuple[str, str], tuple[tuple[str, float], ...]] = {}
        self.part_forms: dict[str, str] = {}  # part stem -> part as written inside a compound

    @classmethod
    def lexicon_from(cls, token_counts: Counter[str]) -> set[str]:
        """Folded words and their stems, minus stop words and short words."""
        stops = STOP_WORDS["nl"] | STOP_WORDS["en"]
        words = {w for t in token_counts for w in token_words(t) if w.isalpha()}
        words = {w for w in words if len(w) >= 3 and w not in stops}
        return words | {stem(w) for w in words}

    def counts(self, title: str, description: str) -> tuple[str, dict[str, float]]:
        """(language, weighted term counts) of one document."""
        title_tokens = Counter(tokens(title))
        desc_tokens = Counter(tokens(description))
        lang = language_of(title_tokens + desc_tokens)
        acc: dict[str, float] = {}
        self._add(acc, title_tokens, lang, self.title_weight)
        self._add(acc, desc_tokens, lang, 1.0)
        return lang, acc

    def _add(self, acc: dict[str, float], token_counts: Counter[str], lang: str, w: float) -> None:
        for token, n in token_counts.items():
            for term, tw in self.token_features(token, lang):
                acc[term] = acc.get(term, 0.0) + n * w * tw

    def token_features(self, token: str, lang: str) -> tuple[tuple[str, float], ...]:
        key = (token, lang)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = tuple(self._features(token, lang))
        return found

    def _features(self, token: str, lang: str) -> Iterable[tuple[str, float]]:
        for word in token_words(token, lang):
            yield stem(word, lang), 1.0
            if lang == "nl" and len(word) >= _MIN_COMPOUND:
                yield from self._parts(word, lang)

    def _parts(self, word: str, lang: str) -> Iterable[tuple[str, float]]:
        for part in split_compound(word, self.lexicon):
            part_stem = stem(part, lang)
            self.part_forms.setdefault(part_stem, part)
            yield part_stem, self.part_weight

    def __getstate__(self) -> dict:
        # The token cache is rebuilt on demand; persisting it would only bloat saved models.
        return {**self.__dict__, "_cache": {}}
