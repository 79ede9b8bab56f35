"""A question or a solution as text: the one conversion that the matcher, the demand bundler
and the search index all read, so the three never disagree about what an item says."""

from __future__ import annotations

from circular_platform.markdown import plain_text
from circular_platform.models import Question, Solution
from matching.matcher import Document


def question_body(question: Question) -> str:
    """The description without Markdown, then the circular criteria."""
    return _join(_plain(question.description), question.circular_criteria)


def solution_body(solution: Solution) -> str:
    """The description without Markdown, then capacity and certifications."""
    return _join(_plain(solution.description), solution.capacity, solution.certifications)


def question_document(question: Question) -> Document:
    municipality = question.municipality
    return Document(
        id=question.id,
        title=question.title,
        description=question_body(question),
        themes=frozenset({question.theme}),
        location=(municipality.name, municipality.province.name),
    )


def solution_document(solution: Solution) -> Document:
    area = ["Nederland"] if solution.nationwide else [p.name for p in solution.provinces]
    area += [m.name for m in solution.municipalities]
    return Document(
        id=solution.id,
        title=solution.title,
        description=solution_body(solution),
        themes=frozenset(solution.themes),
        regions=frozenset(area),
    )


def _plain(markdown_text: str) -> str:
    return plain_text(markdown_text, limit=len(markdown_text) + 1)


def _join(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)
