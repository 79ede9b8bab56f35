"""The Whoosh index's schema, and the tokenizer that gives Whoosh :mod:`matching.analysis` stems.

Whoosh passes analyzers no per-document arguments, so :func:`tag_language` puts the document's
language in front of each text, and :class:`AnalyserTokenizer` reads it from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from matching import analysis
from matching.search._whoosh import COLUMN, ID, KEYWORD, STORED, TEXT, NumericColumn, Schema, Token, Tokenizer
from matching.search.query import TOKEN
from matching.search.scoring import TEXT_FIELDS
from matching.search.types import LANGUAGES

_MARK = "\x1f"


def tag_language(lang: str, text: str) -> str:
    """Prefix ``text`` with its language for :class:`AnalyserTokenizer`."""
    return f"{lang}{_MARK}{text}"


def _untag(value: str) -> tuple[str, str]:
    lang, mark, text = value.partition(_MARK)
    return (lang, text) if mark and lang in LANGUAGES else (analysis.DEFAULT_LANGUAGE, value)


class AnalyserTokenizer(Tokenizer):
    """A Whoosh tokenizer producing :mod:`matching.analysis` stems."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnalyserTokenizer)

    def __hash__(self) -> int:
        return hash(AnalyserTokenizer)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        lang, text = _untag(value)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        position = start_pos
        for raw in TOKEN.findall(text):
            terms = token_stems(raw, lang)
            # A hyphenated word gives its joined form and then its parts: the parts get
            # consecutive positions (so "gft afval" is a phrase in "gft-afval"), the joined
            # form shares the first part's.
            for i, term in enumerate(terms):
                token.text = term
                token.boost, token.stopped = 1.0, False
                if positions:
                    token.pos = position + max(0, i - 1)
                yield token
            position += max(1, len(terms) - 1)


@lru_cache(maxsize=500_000)
def token_stems(token: str, lang: str) -> tuple[str, ...]:
    """:func:`matching.analysis.token_terms`, cached: texts repeat their words, and indexing
    spends its analysis time here."""
    return analysis.token_terms(token, lang)


def build_schema() -> Schema:
    text = AnalyserTokenizer()
    return Schema(
        key=ID(unique=True, stored=True),
        kind=ID,
        status=ID,
        themes=KEYWORD,
        provinces=KEYWORD,
        audiences=KEYWORD,
        date=COLUMN(NumericColumn("q")),
        title=TEXT(analyzer=text, field_boost=TEXT_FIELDS["title"]),
        body=TEXT(analyzer=text),
        context=TEXT(analyzer=text, field_boost=TEXT_FIELDS["context"]),
        stored=STORED,
    )
