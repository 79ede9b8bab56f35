"""Text analysis for Dutch (and English) texts: folding, tokens, stop words, stems, compounds.

All functions are pure functions on strings so the same analysis can serve the matcher and a
Whoosh analyzer. Pipeline for one text:

1. lower-case, split into word tokens (letters/digits, hyphenated words kept together);
2. fold accents per token (``é`` -> ``e``, ``ĳ`` -> ``ij``);
3. a hyphenated token yields its joined form and its parts (``bio-based`` -> ``biobased``,
   ``bio``, ``based``) so both spellings match;
4. drop stop words and one-letter tokens (numbers are kept);
5. Snowball-stem in the text's language.

Language detection counts stop words: a text is English when it contains more English than
Dutch stop words, otherwise Dutch (the platform's default). Words on both lists count for both.

Compounds: :func:`split_compound` splits a Dutch compound against a lexicon (the words and stems
of the fitted corpus), allowing the linking letters ``s``/``e``/``en`` and at most one part that
is not in the lexicon. Dictionary decompounding was chosen over character n-grams: it links
``isolatiemateriaal`` to ``isolatie`` with two extra features instead of dozens of n-grams,
which keeps the index small and avoids n-gram noise (``atie`` matching every ``-atie`` word).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection
from functools import cache, lru_cache

from whoosh.lang import stemmer_for_language, stopwords_for_language

DEFAULT_LANGUAGE = "nl"
LANGUAGES = ("nl", "en")
UNDECIDED = "nl+en"  # a reading (see reading_of): no stop words tell; stemmed as Dutch
READINGS = (*LANGUAGES, UNDECIDED)

_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_COMBINING = re.compile(r"[\u0300-\u036f]+")

# Function words missing from the Snowball lists; no domain words (those are left to IDF).
_EXTRA_STOP_WORDS = {
    "nl": {
        "we",
        "wij",
        "onze",
        "ons",
        "jullie",
        "hen",
        "zoals",
        "waar",
        "waarbij",
        "waarmee",
        "welke",
        "welk",
        "wel",
        "zeer",
        "heel",
        "erg",
        "alle",
        "elk",
        "elke",
        "ieder",
        "iedere",
        "binnen",
        "buiten",
        "tussen",
        "via",
        "per",
        "bijv",
        "bijvoorbeeld",
        "etc",
        "enz",
        "d",
        "m",
        "v",
        "t",
        "n",
        "s",
        "dus",
        "echter",
        "daarom",
        "hierbij",
        "daarbij",
        "zodat",
        "zowel",
        "andere",
        "ander",
        "anders",
        "wordt",
        "werden",
        "kunnen",
        "kan",
        "zullen",
        "gaan",
        "gaat",
        "komen",
        "komt",
        "hebben",
        "heeft",
        "had",
        "mogen",
        "moeten",
        "ten",
        "ter",
        "mee",
        "twee",
        "drie",
        "vier",
        "vijf",
        "zes",
        "zeven",
        "acht",
        "negen",
        "tien",
    },
    "en": {"also", "can", "could", "would", "via", "etc", "per", "within", "e", "g", "us"},
}
STOP_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(stopwords_for_language(lang)) | _EXTRA_STOP_WORDS[lang] for lang in LANGUAGES
}
_LINKS = ("", "s", "e", "en")


def fold(text: str) -> str:
    """Lower-case and strip diacritics; ligatures are expanded (``ĳ`` -> ``ij``)."""
    text = text.lower()
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def tokens(text: str) -> list[str]:
    """Lower-cased, unfolded word tokens; hyphenated words stay one token."""
    return _TOKEN.findall(text.lower())


def detect_language(text: str) -> str:
    """``"en"`` if the text has more English than Dutch stop words, else ``"nl"``."""
    return language_of(Counter(tokens(text)))


def language_of(token_counts: Counter[str]) -> str:
    return stem_language(reading_of(token_counts))


def reading_of(token_counts: Counter[str]) -> str:
    """``"nl"`` or ``"en"`` when the text has more stop words of that language, else
    :data:`UNDECIDED` (short texts such as queries and titles often have none): the glossary
    then looks a word up in both languages (:mod:`matching.concepts`)."""
    nl = en = 0
    dutch, english = STOP_WORDS["nl"], STOP_WORDS["en"]
    for token, n in token_counts.items():  # one pass: a card's highlight reads its language too
        if token in dutch:
            nl += n
        if token in english:
            en += n
    return "en" if en > nl else "nl" if nl > en else UNDECIDED


def stem_language(reading: str) -> str:
    """The language a text of ``reading`` is stemmed in: undecided texts as Dutch, the default."""
    return DEFAULT_LANGUAGE if reading == UNDECIDED else reading


def glossary_languages(reading: str) -> tuple[str, ...]:
    """The languages whose glossary words count in a text of ``reading``."""
    return LANGUAGES if reading == UNDECIDED else (reading,)


@cache
def _stemmer(lang: str):
    return stemmer_for_language(lang)


@lru_cache(maxsize=500_000)
def stem(word: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Snowball stem of a folded word; numbers are returned unchanged."""
    if not word.isalpha():
        return word
    return _stemmer(lang)(word)


@lru_cache(maxsize=500_000)
def token_words(token: str, lang: str = DEFAULT_LANGUAGE) -> tuple[str, ...]:
    """Folded, non-stop words of one raw token (a hyphenated token gives joined form + parts)."""
    folded = fold(token)
    parts = folded.split("-")
    candidates = [folded.replace("-", ""), *parts] if len(parts) > 1 else parts
    stops = STOP_WORDS[lang]
    return tuple(w for w in candidates if w not in stops and (len(w) > 1 or w.isdigit()))


@lru_cache(maxsize=500_000)
def token_terms(token: str, lang: str = DEFAULT_LANGUAGE) -> tuple[str, ...]:
    return tuple(stem(w, lang) for w in token_words(token, lang))


def _words(text: str, lang: str | None) -> tuple[str, list[tuple[str, str]]]:
    """(language, [(raw token, folded word), ...])."""
    raw = tokens(text)
    lang = lang or language_of(Counter(raw))
    return lang, [(t, w) for t in raw for w in token_words(t, lang)]


def word_terms(text: str, lang: str | None = None) -> list[str]:
    """Stems of the text's content words, in text order; language detected when not given."""
    lang, words = _words(text, lang)
    return [stem(w, lang) for _, w in words]


def surface_forms(text: str, lang: str | None = None) -> dict[str, str]:
    """Map each stem to the word form (lower-cased, accents kept) most frequent in the text."""
    lang, words = _words(text, lang)
    return most_frequent_forms(Counter((stem(w, lang), display_form(raw, w)) for raw, w in words))


def most_frequent_forms(counts: Counter[tuple[str, str]]) -> dict[str, str]:
    """Of (stem, form) counts, each stem's most frequent form."""
    best: dict[str, str] = {}
    for (term, form), _ in counts.most_common():
        best.setdefault(term, form)
    return best


def display_form(raw: str, word: str) -> str:
    """How ``word`` (from raw token ``raw``) is written: the raw token with its accents, or for
    a part of a hyphenated token, which has no unfolded form of its own, the folded part
    (``take-back`` for ``takeback``, ``back`` for ``back``)."""
    return raw if fold(raw).replace("-", "") == word else word


def split_compound(
    word: str,
    lexicon: Collection[str],
    *,
    min_known: int = 3,
    min_unknown: int = 5,
    min_beside_unknown: int = 4,
) -> list[str]:
    """Split a folded compound into parts, or return ``[]`` when no split is found.

    Parts are lexicon words of at least ``min_known`` letters; linking ``s``/``e``/``en``
    between parts is dropped. A split made only of known parts is preferred; failing that, one
    part may be missing from the lexicon if it has at least ``min_unknown`` letters and the
    known parts have at least ``min_beside_unknown`` (``isolatie|materiaal`` splits when only
    ``materiaal`` is known, but not ``bin|dmiddel`` or ``won|ingen``: a short known word next
    to an unknown rest is usually a coincidence). The last part must reach at least three
    letters into the word's stem, so an inflection is never a part (``viaduc|ten``,
    ``beton|nen``). Among splits, the fewest parts then the fewest linking letters win.
    """
    if len(word) < 2 * min_known or not word.isalpha():
        return []
    ending = _inflection_length(word)
    for mk, budget in ((min_known, 0), (max(min_known, min_beside_unknown), 1)):
        best = _best_split(word, 0, budget, lexicon, mk, min_unknown, {}, top=True)
        if best and len(best[3][-1]) - ending >= _MIN_STEM_IN_LAST:
            return list(best[3])
    return []


_MIN_STEM_IN_LAST = 3


def _inflection_length(word: str) -> int:
    """Letters after the Dutch stem (``viaducten`` -> 2), 0 when the stem is no prefix."""
    base = stem(word, "nl")
    return len(word) - len(base) if word.startswith(base) else 0


_Parse = tuple[int, int, int, tuple[str, ...]]  # (unknown parts, parts, link letters, parts)


def _best_split(
    word: str,
    start: int,
    budget: int,
    lexicon: Collection[str],
    mk: int,
    mu: int,
    memo: dict[tuple[int, int, bool], _Parse | None],
    top: bool = False,
) -> _Parse | None:
    """Best split of ``word[start:]`` using at most ``budget`` unknown parts (memoised per call
    in ``memo``); ``top``: of the whole word, which must split. Options are compared as they
    come, without generators or lists: every distinct word of a corpus is split, once per model."""
    key = (start, budget, top)
    if key in memo:
        return memo[key]
    n = len(word)
    best: _Parse | None = None
    if not top:
        rest = word[start:]
        if rest in lexicon and n - start >= mk:
            best = (0, 1, 0, (rest,))
        elif budget and n - start >= mu:
            best = (1, 1, 0, (rest,))
    for end in range(start + mk, n - mk + 1):
        head = word[start:end]
        unknown = 0 if head in lexicon else 1
        if unknown > budget or (unknown and end - start < mu):
            continue
        for link in _LINKS:
            tail_start = end + len(link)
            if n - tail_start < mk or not word.startswith(link, end):
                continue
            tail = _best_split(word, tail_start, budget - unknown, lexicon, mk, mu, memo)
            if tail:
                option = (tail[0] + unknown, tail[1] + 1, tail[2] + len(link), (head, *tail[3]))
                if (not top or option[0] < option[1]) and (best is None or option < best):
                    best = option
    memo[key] = best
    return best
