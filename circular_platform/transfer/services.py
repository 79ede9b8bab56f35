"""Importing questions and solutions from CSV through the marketplace services, and exporting them.

Functions take the session and ``flush()`` at most; the caller commits. An import checks every
row before it writes any (:func:`import_batches`), :data:`BATCH_SIZE` rows at a time, each batch in
a SAVEPOINT and each row in one of its own, so the report lists every error at once. The caller
ends the transaction after each batch: on SQLite the write lock is one for the whole database, and
a 2,000-row import in one transaction held it for 30 s, so that every other writer failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from circular_platform import audit
from circular_platform.errors import DomainError
from circular_platform.formats import write_csv
from circular_platform.models import (
    AuditAction,
    Organisation,
    Province,
    Question,
    QuestionStatus,
    Solution,
    SolutionStatus,
    User,
)
from circular_platform.questions import services as questions
from circular_platform.solutions import services as solutions
from circular_platform.transfer import materials, rows
from circular_platform.transfer.columns import (
    EXAMPLE_CONTINUATIONS,
    EXAMPLES,
    MATERIAL_COLUMN_NAMES,
    QUESTION_COLUMNS,
    SOLUTION_COLUMNS,
    Column,
)
from circular_platform.transfer.csvfile import FileError, Row, attach_continuations, read_rows

__all__ = [
    "KINDS",
    "FileError",
    "ImportReport",
    "RowError",
    "export_csv",
    "import_batches",
    "import_csv",
    "import_rows",
]
BATCH_SIZE = 100  # rows per transaction; about 1 s of work, after which other writers get their turn


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel shows it: the header is row 1
    column: str  # empty when the error concerns the whole row
    message: str


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: int = 0  # rows checked
    errors: list[RowError] = field(default_factory=list)
    imported: int = 0  # rows written, the first ones of the file

    @property
    def written(self) -> bool:
        return not self.errors and not self.dry_run and self.imported == self.rows

    @property
    def partly_written(self) -> bool:
        """Rows were written, then one failed that had passed the check (its data changed)."""
        return bool(self.errors) and self.imported > 0

    @property
    def failed_rows(self) -> int:
        return len({error.row for error in self.errors})


def _create_question(
    session: Session, user: User | None, organisation: Organisation, data: dict, status: QuestionStatus
) -> Question:
    publish = status != QuestionStatus.DRAFT
    question = questions.post_question(session, user, organisation, data, publish=publish)
    if question.status != status:
        questions.change_status(session, question, user, status)
    return question


def _create_solution(
    session: Session, user: User | None, organisation: Organisation, data: dict, status: SolutionStatus
) -> Solution:
    solution = solutions.publish_solution(session, user, organisation, data)
    if solution.status != status:
        solutions.change_status(session, solution, user, status)
    return solution


@dataclass(frozen=True)
class Kind:
    model: type[Question] | type[Solution]
    columns: tuple[Column, ...]
    read: Callable[[Session, rows.Cells], tuple[Organisation | None, dict[str, Any], Any]]
    create: Callable[..., Question | Solution]
    write: Callable[[Any, frozenset[str]], dict[str, object]]

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def required(self) -> set[str]:
        return {column.name for column in self.columns if column.required}

    @property
    def item_names(self) -> list[str]:
        """The columns of the item itself, empty on the rows that only add a material line."""
        return [name for name in self.names if name not in MATERIAL_COLUMN_NAMES]


KINDS = {
    "questions": Kind(Question, QUESTION_COLUMNS, rows.read_question, _create_question, rows.question_cells),
    "solutions": Kind(Solution, SOLUTION_COLUMNS, rows.read_solution, _create_solution, rows.solution_cells),
}


def read_csv(kind: str, data: bytes) -> list[Row]:
    """The items of an uploaded file, each row with the material rows below it; raises FileError
    for a wrong encoding or wrong columns."""
    spec = KINDS[kind]
    return attach_continuations(read_rows(data, spec.names, spec.required), spec.item_names)


def import_csv(session: Session, user: User | None, kind: str, data: bytes, *, dry_run: bool) -> ImportReport:
    return import_rows(session, user, kind, read_csv(kind, data), dry_run=dry_run)


def import_rows(
    session: Session, user: User | None, kind: str, csv_rows: Iterable[Row], *, dry_run: bool
) -> ImportReport:
    """:func:`import_batches` in the caller's one transaction: all or nothing."""
    report = ImportReport(kind, dry_run)
    for _batch in import_batches(session, user, report, list(csv_rows)):
        pass
    return report


def import_batches(
    session: Session, user: User | None, report: ImportReport, csv_rows: Sequence[Row]
) -> Iterator[int]:
    """Posts one item per row with the business rules of the web forms, filling in ``report``;
    yields the number of rows handled after each batch of :data:`BATCH_SIZE` rows, where the
    caller may ``commit()``.

    First every row is checked, and those batches are rolled back (a commit then writes nothing);
    only when no row failed and it is no dry run are the rows written, batch by batch. A row that
    passed the check and fails when written (another user changed the data in between) stops the
    import there: ``report.imported`` rows, the first of the file, stay written.
    """
    spec = KINDS[report.kind]
    batches = [csv_rows[start : start + BATCH_SIZE] for start in range(0, len(csv_rows), BATCH_SIZE)]
    for batch in batches:
        report.errors += _import_batch(session, user, spec, batch, keep=False)
        report.rows += _size(batch)
        yield _size(batch)
    if report.errors or report.dry_run:
        return
    for batch in batches:
        errors = _import_batch(session, user, spec, batch, keep=True)
        report.errors += errors
        if errors:
            return
        report.imported += _size(batch)
        audit.record(
            session,
            AuditAction.ITEMS_IMPORTED,
            by=user,
            kind=report.kind,
            rows=_size(batch),
            first_row=batch[0].number,
            last_row=batch[-1].last_number,
        )
        yield _size(batch)


def _size(batch: Sequence[Row]) -> int:
    """The rows of the file in ``batch``: its items and their material rows."""
    return sum(row.size for row in batch)


def _import_batch(
    session: Session, user: User | None, spec: Kind, batch: Sequence[Row], *, keep: bool
) -> list[RowError]:
    """Every row's errors; the batch's rows stay in the session only if ``keep`` and none failed."""
    savepoint = session.begin_nested()
    try:
        errors = [error for row in batch for error in _import_row(session, user, spec, row)]
    except BaseException:
        savepoint.rollback()
        raise
    if keep and not errors:
        savepoint.commit()
    else:
        savepoint.rollback()
    return errors


def _import_row(session: Session, user: User | None, spec: Kind, row: Row) -> list[RowError]:
    """The item of ``row`` with the material lines on it and its continuations, or their errors."""
    cells = rows.Cells(row.cells)
    organisation, data, status = spec.read(session, cells)
    lines, line_problems = materials.read_lines(row)
    problems = [(part.number, *problem) for part in (row, *row.continuations) for problem in part.problems]
    problems += [(row.number, *problem) for problem in cells.errors] + line_problems
    if not problems and organisation is not None:
        try:
            # A row of its own, so a rule that fails after a flush leaves the rows before it intact.
            with session.begin_nested():
                spec.create(session, user, organisation, {**data, "material_lines": lines}, status)
        except DomainError as error:
            problems = [(row.number, rows.FIELD_COLUMNS.get(error.field or "", ""), str(error.message))]
    return [RowError(*problem) for problem in problems]


def export_csv(session: Session, kind: str, query: Select) -> bytes:
    """The items of ``query`` (a list page's query) with exactly the import columns."""
    spec = KINDS[kind]
    province_names = frozenset(name.lower() for name in session.scalars(select(Province.name)))
    items = session.scalars(query.options(selectinload(spec.model.material_lines))).unique()
    return write_csv(spec.names, (row for item in items for row in _item_rows(spec, item, province_names)))


def _item_rows(
    spec: Kind, item: Question | Solution, province_names: frozenset[str]
) -> list[dict[str, object]]:
    """The item with its first material line, then a row per further line with only the material columns."""
    own = spec.write(item, province_names)
    lines = [materials.line_cells(line) for line in item.material_lines]
    return [{**own, **(lines[0] if lines else {})}, *lines[1:]]


def example_csv(kind: str) -> bytes:
    return write_csv(KINDS[kind].names, [EXAMPLES[kind], *EXAMPLE_CONTINUATIONS[kind]])
