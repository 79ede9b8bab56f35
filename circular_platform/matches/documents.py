"""A question or a solution as text: the one conversion that the matcher, the demand bundler
and the search index all read, so the three never disagree about what an item says."""

from __future__ import annotations

from circular_platform.markdown import plain_text
from circular_platform.materials.services import describe
from circular_platform.models import MaterialLine, Question, Solution
from matching.matcher import Document


def question_body(question: Question) -> str:
    """The description without Markdown, the circular criteria, then the material lines."""
    return _join(
        _plain(question.description), question.circular_criteria, materials_text(question.material_lines)
    )


def solution_body(solution: Solution) -> str:
    """The description without Markdown, capacity, certifications, then the material lines."""
    return _join(
        _plain(solution.description),
        solution.capacity,
        solution.certifications,
        materials_text(solution.material_lines),
    )


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


def materials_text(lines: list[MaterialLine]) -> str:
    """One line per material with its Eural description: ``betongranulaat (beton)``."""
    return "\n".join(describe(line) for line in lines)


def _plain(markdown_text: str) -> str:
    return plain_text(markdown_text, limit=len(markdown_text) + 1)


def _join(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)
