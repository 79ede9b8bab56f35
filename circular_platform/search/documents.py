"""Questions, solutions and organisations as search documents: what is searchable and who sees it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from circular_platform import permissions
from circular_platform.matches.documents import question_body, solution_body
from circular_platform.models import Municipality, Organisation, Province, Question, Solution
from matching.analysis import detect_language
from matching.search import SearchDocument

Model = type[Question] | type[Solution] | type[Organisation]
KINDS: dict[str, Model] = {"question": Question, "solution": Solution, "organisation": Organisation}
Key = tuple[str, int]  # (kind, id)

# What a document reads besides the item. A question's places and organisation come in its own
# query's joins, its material lines (its body) in one more: two statements, not five.
_LOAD = {
    "question": (
        joinedload(Question.organisation),
        joinedload(Question.municipality).joinedload(Municipality.province),
        selectinload(Question.material_lines),
    ),
    "solution": (
        selectinload(Solution.organisation)
        .selectinload(Organisation.municipality)
        .selectinload(Municipality.province),
        selectinload(Solution.theme_rows),
        selectinload(Solution.provinces),
        selectinload(Solution.municipalities).selectinload(Municipality.province),
    ),
    "organisation": (selectinload(Organisation.municipality).selectinload(Municipality.province),),
}


def key_of(kind: str, item_id: int) -> str:
    return f"{kind}:{item_id}"


def parse_key(key: str) -> Key:
    kind, _, item_id = key.partition(":")
    return kind, int(item_id)


def load(session: Session, keys: Iterable[Key]) -> tuple[list[SearchDocument], list[str]]:
    """Documents for the items of ``keys`` that exist, and the keys of those that are gone."""
    wanted: dict[str, set[int]] = {}
    for kind, item_id in keys:
        wanted.setdefault(kind, set()).add(item_id)
    documents, deleted = [], []
    for kind, ids in wanted.items():
        found = {item.id: item for item in _items(session, kind, ids)}
        documents += [document_for(session, kind, item) for item in found.values()]
        deleted += [key_of(kind, i) for i in ids - found.keys()]
    return documents, deleted


def all_keys(session: Session) -> Iterator[Key]:
    for kind, model in KINDS.items():
        for item_id in session.scalars(select(model.id).order_by(model.id)):
            yield kind, item_id


def count_all(session: Session) -> int:
    return sum(session.scalar(select(func.count()).select_from(model)) or 0 for model in KINDS.values())


def _items(session: Session, kind: str, ids: set[int]) -> Iterable:
    if kind not in KINDS:
        return []
    model = KINDS[kind]
    return session.scalars(select(model).where(model.id.in_(ids)).options(*_LOAD[kind])).unique()


def document_for(session: Session, kind: str, item) -> SearchDocument:
    if kind == "question":
        return _question(item)
    if kind == "solution":
        return _solution(item, _all_provinces(session))
    return _organisation(item)


def _context(*parts: object) -> str:
    return " · ".join(dict.fromkeys(str(p) for p in parts if p))


def _question(question: Question) -> SearchDocument:
    body = question_body(question)
    return SearchDocument(
        key=key_of("question", question.id),
        kind="question",
        title=question.title,
        body=body,
        context=_context(question.organisation, question.municipality, question.municipality.province),
        lang=detect_language(f"{question.title}\n{body}"),
        date=question.created_at,
        status=question.status.value,
        themes=(question.theme,),
        provinces=(question.municipality.province.cbs_code,),
        audiences=tuple(sorted(permissions.question_audiences(question))),
    )


def _solution(solution: Solution, every_province: list[Province]) -> SearchDocument:
    body = solution_body(solution)
    home = solution.organisation.municipality
    provinces = every_province if solution.nationwide else solution.provinces
    provinces = [*provinces, *(m.province for m in solution.municipalities)]
    return SearchDocument(
        key=key_of("solution", solution.id),
        kind="solution",
        title=solution.title,
        body=body,
        context=_context(solution.organisation, home, home.province, *solution.municipalities, *provinces),
        lang=detect_language(f"{solution.title}\n{body}"),
        date=solution.created_at,
        status=solution.status.value,
        themes=tuple(solution.themes),
        provinces=tuple(dict.fromkeys(p.cbs_code for p in provinces)),
        audiences=tuple(sorted(permissions.solution_audiences(solution))),
    )


def _organisation(organisation: Organisation) -> SearchDocument:
    place = organisation.municipality
    return SearchDocument(
        key=key_of("organisation", organisation.id),
        kind="organisation",
        title=organisation.name,
        body=organisation.description,
        context=_context(place, place.province),
        lang=detect_language(f"{organisation.name}\n{organisation.description}"),
        date=organisation.created_at,
        provinces=(place.province.cbs_code,),
        audiences=tuple(sorted(permissions.organisation_audiences(organisation))),
    )


def _all_provinces(session: Session) -> list[Province]:
    cached = session.info.get("search_provinces")
    if cached is None:
        cached = session.info["search_provinces"] = list(session.scalars(select(Province)))
    return cached
