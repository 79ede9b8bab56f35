"""A question or a solution as text: the one conversion that the matcher, the demand bundler
and the search index all read, so the three never disagree about what an item says.

A full rebuild reads every matchable item as plain columns (:func:`matchable_question_documents`,
:func:`matchable_solution_documents`): at 100,000 solutions, ORM objects with their regions and
themes cost minutes and gigabytes; the documents are the same either way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform.materials.services import describe
from circular_platform.models import (
    MATCHABLE_QUESTIONS,
    MATCHABLE_SOLUTIONS,
    MaterialLine,
    Municipality,
    Province,
    Question,
    Solution,
    SolutionTheme,
)
from circular_platform.models.marketplace import solution_municipality, solution_province
from matching.matcher import Document

READ_BATCH = 2000  # rows fetched at a time while reading every item
NATIONWIDE = "Nederland"  # the region of a solution offered in the whole country


def question_body(question: Question) -> str:
    """The description without Markdown, the circular criteria, then the material lines."""
    return _join(
        question.description_text, question.circular_criteria, materials_text(question.material_lines)
    )


def solution_body(solution: Solution) -> str:
    """The description without Markdown, capacity, certifications, then the material lines."""
    return _join(
        solution.description_text,
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
    area = [NATIONWIDE] if solution.nationwide else [p.name for p in solution.provinces]
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


def matchable_question_documents(session: Session) -> Iterator[Document]:
    """:func:`question_document` of every open question, by id, read in batches of plain columns."""
    query = (
        select(
            Question.id,
            Question.title,
            Question.description_text,
            Question.circular_criteria,
            Question.theme,
            Municipality.name,
            Province.name,
        )
        .join(Municipality, Question.municipality_id == Municipality.id)
        .join(Province, Municipality.province_id == Province.id)
        .where(Question.status.in_(MATCHABLE_QUESTIONS))
        .order_by(Question.id)
    )
    materials = _materials(session, Question, MATCHABLE_QUESTIONS)
    for id_, title, description, criteria, theme, municipality, province in _batched(session, query):
        yield Document(
            id=id_,
            title=title,
            description=_join(description, criteria, materials.pop(id_, "")),
            themes=frozenset({theme}),
            location=(municipality, province),
        )


def matchable_solution_documents(session: Session) -> Iterator[Document]:
    """:func:`solution_document` of every active solution, by id, read in batches of plain columns."""
    themes, regions = _solution_themes(session), _solution_regions(session)
    materials = _materials(session, Solution, MATCHABLE_SOLUTIONS)
    query = (
        select(
            Solution.id,
            Solution.title,
            Solution.description_text,
            Solution.capacity,
            Solution.certifications,
            Solution.nationwide,
        )
        .where(Solution.status.in_(MATCHABLE_SOLUTIONS))
        .order_by(Solution.id)
    )
    for id_, title, description, capacity, certifications, nationwide in _batched(session, query):
        area = regions.pop(id_, ([], []))
        yield Document(
            id=id_,
            title=title,
            description=_join(description, capacity, certifications, materials.pop(id_, "")),
            themes=frozenset(themes.pop(id_, ())),
            regions=frozenset([NATIONWIDE, *area[1]] if nationwide else [*area[0], *area[1]]),
        )


def _materials(
    session: Session, model: type[Question] | type[Solution], statuses: Iterable
) -> dict[int, str]:
    """Item id -> :func:`materials_text` of its lines, for the items of ``model`` in ``statuses``."""
    owner = MaterialLine.question_id if model is Question else MaterialLine.solution_id
    query = (
        select(owner, MaterialLine)
        .join(model, owner == model.id)
        .where(model.status.in_(statuses))
        .order_by(owner, MaterialLine.position, MaterialLine.id)
    )
    lines: dict[int | None, list[MaterialLine]] = defaultdict(list)  # the join leaves no None
    for item_id, line in session.execute(query):
        lines[item_id].append(line)
    return {item_id: materials_text(found) for item_id, found in lines.items() if item_id is not None}


def _solution_themes(session: Session) -> dict[int, list[str]]:
    query = select(SolutionTheme.solution_id, SolutionTheme.theme).join(Solution)
    themes: dict[int, list[str]] = defaultdict(list)
    for solution_id, theme in session.execute(query.where(Solution.status.in_(MATCHABLE_SOLUTIONS))):
        themes[solution_id].append(theme)
    return themes


def _solution_regions(session: Session) -> dict[int, tuple[list[str], list[str]]]:
    """solution id -> (names of its provinces, names of its municipalities)."""
    active = select(Solution.id).where(Solution.status.in_(MATCHABLE_SOLUTIONS))
    provinces = select(solution_province.c.solution_id, Province.name).join(
        Province, solution_province.c.province_id == Province.id
    )
    municipalities = select(solution_municipality.c.solution_id, Municipality.name).join(
        Municipality, solution_municipality.c.municipality_id == Municipality.id
    )
    regions: dict[int, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for side, query in enumerate((provinces, municipalities)):
        for solution_id, name in session.execute(query.where(query.selected_columns[0].in_(active))):
            regions[solution_id][side].append(name)
    return regions


def _batched(session: Session, query) -> Iterator:
    """Rows of ``query`` a batch at a time: the driver never holds them all."""
    for partition in session.execute(query.execution_options(yield_per=READ_BATCH)).partitions():
        yield from partition


def _join(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)
