"""Showing matched text: the one highlighter of the project, and search snippets.

:func:`highlight` serves the search results (terms: the query's stems) and the match cards
(terms: the words that explain a match). Its rule: a word of the text is marked when one of its
stems (in the text's language; a hyphenated word also by its parts) equals a term, or starts or
ends with a term of at least :data:`~matching.search.query.MIN_AFFIX` letters, so a compound is
marked for its parts (``hennepvezel`` for ``hennep``, ``dakisolatie`` for ``isolatie``).

Start or end, not anywhere inside: that is how the search finds compounds, so what is marked is
what matched; and a stem found anywhere marks unrelated words (``installatie`` for ``stal``).
The fragments it returns are plain text: the caller escapes them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from matching import analysis
from matching.search.query import MIN_AFFIX, TOKEN

Fragments = list[tuple[str, bool]]  # (text, marked)
_PIECES = re.compile(f"({TOKEN.pattern})")  # split() keeps the words, at the odd places


def highlight(text: str, terms: Iterable[str], lang: str | None = None) -> Fragments:
    """``text`` cut into (fragment, marked) pairs. ``terms`` may be words or stems: each counts
    as itself (folded) and as the stems of its words in ``lang`` (None: the text's language,
    :func:`~matching.analysis.detect_language`, read from the same words)."""
    pieces = _PIECES.split(text)  # text between words, a word, text between words, ...
    if lang is None:
        lang = analysis.language_of(Counter([word.lower() for word in pieces[1::2]]))
    wanted, affixes = _term_stems(frozenset(terms), lang)
    fragments: Fragments = []
    unmarked_from = 0
    for i in range(1, len(pieces), 2):
        if _marked(pieces[i], wanted, affixes, lang):
            fragments += [("".join(pieces[unmarked_from:i]), False), (pieces[i], True)]
            unmarked_from = i + 1
    fragments.append(("".join(pieces[unmarked_from:]), False))
    return [f for f in fragments if f[0]]


# A question's page highlights its ten suggestions, each with the terms of its own match: a page
# asks for ten term sets or more, and a small cache forgot them before the page was viewed again
# (a quarter of the highlighting's time went to finding stems it had found before).
@lru_cache(maxsize=16_384)
def _term_stems(terms: frozenset[str], lang: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The terms' stems, and those long enough to mark a compound (a page highlights a few
    texts per hit with the same terms)."""
    found: set[str] = set()
    for term in terms:
        found.add(analysis.fold(term))
        found.update(s for token in TOKEN.findall(term) for s in analysis.token_terms(token, lang))
    return frozenset(found), tuple(t for t in found if len(t) >= MIN_AFFIX)


def _marked(token: str, terms: frozenset[str], affixes: tuple[str, ...], lang: str) -> bool:
    for term in analysis.token_terms(token, lang):
        if term in terms or term.startswith(affixes) or term.endswith(affixes):  # any of the affixes
            return True
    return False


def snippet(text: str, terms: Iterable[str], lang: str, width: int = 240) -> Fragments:
    """About ``width`` characters of ``text`` around its first marked word, highlighted; cuts
    fall between words and are shown as ``…``."""
    text = " ".join(text.split())
    terms = frozenset(terms)
    start = _snippet_start(text, _first_marked(text, terms, lang), width)
    end = min(len(text), start + width)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    cut = ("… " if start else "") + text[start:end] + (" …" if end < len(text) else "")
    return highlight(cut, terms, lang)


def _first_marked(text: str, terms: frozenset[str], lang: str) -> int:
    """Where the first word :func:`highlight` would mark starts; 0 when it marks none. Stops
    there: a long text is not read to its end."""
    wanted, affixes = _term_stems(terms, lang)
    for match in TOKEN.finditer(text):
        if _marked(match.group(), wanted, affixes, lang):
            return match.start()
    return 0


def _snippet_start(text: str, offset: int, width: int) -> int:
    """A third of ``width`` before ``offset`` (the first marked word), moved to the next word's
    start."""
    start = max(0, offset - width // 3)
    if start:
        start = text.find(" ", start) + 1 or start
    return start
