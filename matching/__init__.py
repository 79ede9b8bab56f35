"""Circulair Noord matching engine: pure Python, no web framework or database imports.

Public API: :class:`Document`, :class:`Result`, :class:`Matcher` (``matching.matcher``), the
text analysis functions in ``matching.analysis``, learning from judgements in
``matching.learning`` (:class:`Judgement`, :class:`LearnedRanker`, :func:`fit_if_better`,
:func:`apply_judgements`) and strength labels in ``matching.explain``. The command line is
``python -m matching``.
"""

from __future__ import annotations

from matching.analysis import detect_language, fold, split_compound, surface_forms, word_terms
from matching.matcher import Document, Matcher, Result, compatible_documents

__all__ = [
    "Document",
    "Matcher",
    "Result",
    "compatible_documents",
    "detect_language",
    "fold",
    "split_compound",
    "surface_forms",
    "word_terms",
]
