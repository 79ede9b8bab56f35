"""The query language both search backends read, and the word rules they share.

A document matches when it has at least one query word; ``"..."`` is a phrase, which counts as
one query word; ``-word`` excludes. Results come with the most query words first (the backends
rank by :attr:`ParsedQuery.labels` present, then by relevance) and show the words they lack.
Anything else (an unbalanced quote, ``AND``/``OR``/``*``/brackets) is read as plain words, so
no query fails. Each query word
matches its Dutch or English stem (the language of a query is unknown). Compounds, both ways:

* the query word is a part of an indexed compound (``isolatie`` -> ``hennepisolatie``): indexed
  stems of at least :data:`MIN_AFFIX` letters that start or end with the query stem, at most
  :data:`MAX_AFFIXED` of them, the shortest;
* the query word is a compound of indexed words (``hennepisolatie`` -> ``hennep isolatie``):
  :func:`compound_parts`.

The work per query is bounded, so no query can keep a worker busy: at most :data:`MAX_WORDS`
words are read (words, phrase words and excluded words together), and only words of at most
:data:`MAX_COMPOUND` letters are split (a word of n letters has n²/2 substrings, each stemmed:
500 letters took 6 s, 40 letters take about 2 ms).

A query word also matches the other words of its concept in the glossary
(:mod:`matching.concepts`), Dutch or English: :func:`alternatives` (``concrete`` -> ``beton``).

Spelling suggestions are the closest indexed word (:func:`closest_word`), put back into the
query text by :func:`suggest_text`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from matching import analysis
from matching.concepts import Concepts
from matching.search.types import LANGUAGES

TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")  # analysis.tokens(), with offsets
MIN_AFFIX = 4  # shortest stem that also matches as part of a compound
MAX_AFFIXED = 32  # compounds per query stem; the shortest, being closest to the query word
MAX_WORDS = 12  # words read from a query; the rest is ignored
MAX_ALTERNATIVES = 8  # glossary words per query word, besides the word itself
MAX_COMPOUND = 40  # longest query word split into parts ("arbeidsongeschiktheidsverzekering": 32)
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
    def labels(self) -> tuple[str, ...]:
        """The query words a result has or lacks: each word, and each phrase as one."""
        return (*self.words, *('"' + " ".join(phrase) + '"' for phrase in self.phrases))

    @property
    def terms(self) -> frozenset[str]:
        """Stems to highlight: of the words, their glossary alternatives and the phrases."""
        words = [*(a for w in self.words for a in alternatives(w)), *(w for p in self.phrases for w in p)]
        return frozenset(s for w in words for s in stems(w))


def parse_query(text: str) -> ParsedQuery:
    """Read ``text`` leniently; stop words (Dutch or English) and punctuation are dropped."""
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[str] = []
    budget = MAX_WORDS
    for match in _QUERY_PART.finditer(text[:500]):
        minus, phrase, minus_word, word = match.groups()
        content = query_words(phrase if phrase is not None else word)[:budget]
        budget -= len(content)
        if minus or minus_word:
            excluded.extend(content)
        elif phrase is not None and len(content) > 1:
            phrases.append(tuple(content))
        else:
            words.extend(content)
        if budget <= 0:
            break
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


def alternatives(word: str) -> tuple[str, ...]:
    """``word`` and the words of its narrowest glossary concept (the group with the fewest
    words, so ``hemp`` brings ``hennep``, not every fibre crop), one per stem not yet covered,
    at most :data:`MAX_ALTERNATIVES` besides ``word``."""
    concepts = _concepts()
    features = set(concepts.of_word(word))  # each glossary word by its own language's stem
    if not features:
        return (word,)
    narrowest = min(len(concepts.members(c)) for c in features)
    found = [word]
    covered = set(stems(word))
    for feature in sorted(features):
        if len(concepts.members(feature)) != narrowest:
            continue
        for member in concepts.members(feature):
            for alternative in query_words(member)[:1]:
                if len(found) <= MAX_ALTERNATIVES and covered.isdisjoint(stems(alternative)):
                    found.append(alternative)
                    covered.update(stems(alternative))
    return tuple(found)


@cache
def _concepts() -> Concepts:
    return Concepts.load()


def compound_candidates(word: str) -> set[str]:
    """The substrings of 3+ letters (the word included) that may be parts of the compound
    ``word``; none for a word too short, too long (:data:`MAX_COMPOUND`) or not all letters."""
    if not 6 <= len(word) <= MAX_COMPOUND or not word.isalpha():
        return set()
    return {word[i:j] for i in range(len(word)) for j in range(i + 3, len(word) + 1)}


def compound_parts(word: str, known: Callable[[set[str]], set[str]]) -> list[str]:
    """Parts of a compound query word, checked against the index vocabulary by ``known``."""
    candidates = compound_candidates(word)
    return analysis.split_compound(word, known(candidates)) if candidates else []


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
    return next(iter(closest_words(word, candidates, maxdist)), None)


def closest_words(word: str, candidates: Iterable[str], maxdist: int = 2) -> list[str]:
    """The candidates within edit distance ``maxdist`` of ``word``, closest first (ties in
    alphabetical order)."""
    choices = [c for c in candidates if c != word]
    found = process.extract(word, choices, scorer=Levenshtein.distance, score_cutoff=maxdist, limit=None)
    return [choice for _, choice in sorted((distance, choice) for choice, distance, _ in found)]
