"""The query language both search backends read, and the word rules they share.

Words are ANDed; ``"..."`` is a phrase; ``-word`` excludes. Anything else (an unbalanced quote,
``AND``/``OR``/``*``/brackets) is read as plain words, so no query fails. Each query word
matches its Dutch or English stem (the language of a query is unknown). Compounds, both ways:

* the query word is a part of an indexed compound (``isolatie`` -> ``hennepisolatie``): indexed
  stems of at least :data:`MIN_AFFIX` letters that start or end with the query stem, at most
  :data:`MAX_AFFIXED` of them, the shortest;
* the query word is a compound of indexed words (``hennepisolatie`` -> ``hennep isolatie``):
  :func:`compound_parts`.

Spelling suggestions are the closest indexed word (:func:`closest_word`), put back into the
query text by :func:`suggest_text`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from matching import analysis
from matching.search.types import LANGUAGES

TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")  # analysis.tokens(), with offsets
MIN_AFFIX = 4  # shortest stem that also matches as part of a compound
MAX_AFFIXED = 32  # compounds per query stem; the shortest, being closest to the query word
_QUERY_PART = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')


@dataclass(frozen=True)
class ParsedQuery:
    """A query as words, phrases and excluded words, each a list of folded content words."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[str, ...] = ()
    raw: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases)

    @property
    def terms(self) -> frozenset[str]:
        words = [*self.words, *(w for phrase in self.phrases for w in phrase)]
        return frozenset(s for w in words for s in stems(w))


def parse_query(text: str) -> ParsedQuery:
    """Read ``text`` leniently; stop words (Dutch or English) and punctuation are dropped."""
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[str] = []
    for match in _QUERY_PART.finditer(text[:500]):
        minus, phrase, minus_word, word = match.groups()
        content = query_words(phrase if phrase is not None else word)
        if minus or minus_word:
            excluded.extend(content)
        elif phrase is not None and len(content) > 1:
            phrases.append(tuple(content))
        else:
            words.extend(content)
    return ParsedQuery(tuple(dict.fromkeys(words)), tuple(phrases), tuple(excluded), text)


def query_words(text: str) -> list[str]:
    """Folded content words of a query; a word on either stop list is dropped."""
    found = []
    for token in TOKEN.findall(text):
        for word in analysis.token_words(token, "nl"):
            if word not in analysis.STOP_WORDS["en"]:
                found.append(word)
    return found


def stems(word: str) -> tuple[str, ...]:
    """The Dutch and the English stem of a folded word."""
    return tuple(dict.fromkeys(analysis.stem(word, lang) for lang in LANGUAGES))


def compound_parts(word: str, known: Callable[[set[str]], set[str]]) -> list[str]:
    """Parts of a compound query word, checked against the index vocabulary by ``known``."""
    if len(word) < 6 or not word.isalpha():
        return []
    candidates = {word[i:j] for i in range(len(word)) for j in range(i + 3, len(word) + 1)}
    return analysis.split_compound(word, known(candidates))


def suggest_text(parsed: ParsedQuery, corrections: dict[str, str]) -> str | None:
    """The query text with misspelled words replaced, or None when nothing was corrected."""
    if not corrections:
        return None
    text = parsed.raw
    for wrong, right in corrections.items():
        text = re.sub(rf"(?<!\w){re.escape(wrong)}(?!\w)", right, text, flags=re.IGNORECASE)
    if analysis.fold(text) == analysis.fold(parsed.raw):
        return " ".join(corrections.get(w, w) for w in parsed.words)
    return text


def closest_word(word: str, candidates: Iterable[str], maxdist: int = 2) -> str | None:
    """The candidate with the smallest edit distance to ``word`` (at most ``maxdist``; ties go to
    the first in alphabetical order)."""
    choices = [c for c in candidates if c != word]
    found = process.extract(word, choices, scorer=Levenshtein.distance, score_cutoff=maxdist, limit=None)
    return min(((distance, choice) for choice, distance, _ in found), default=(0, None))[1]
