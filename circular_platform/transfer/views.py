"""Import for coordinators; CSV export of the question and solution lists for anyone, of what they may see."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user, login_required

from circular_platform import permissions
from circular_platform.db import db
from circular_platform.extensions import limiter
from circular_platform.marketplace import list_filters
from circular_platform.models import Municipality, QuestionStatus, SolutionStatus
from circular_platform.questions import services as question_services
from circular_platform.questions.views import FILTERS as QUESTION_FILTERS
from circular_platform.solutions import services as solution_services
from circular_platform.solutions.views import FILTERS as SOLUTION_FILTERS
from circular_platform.transfer import services
from circular_platform.transfer.forms import ImportForm

bp = Blueprint("transfer", __name__)
LIST_ENDPOINTS = {"questions": "questions.index", "solutions": "solutions.index"}
FILE_NAMES = {"questions": "vragen", "solutions": "aanbod"}
# Per address: an export reads every item of the list (100,000 solutions: 20 s of a web worker).
EXPORT_RATE = "10 per minute;100 per hour"


def _render_import(form: ImportForm, report: services.ImportReport | None = None) -> str:
    return render_template("transfer/import.html", form=form, report=report, kinds=services.KINDS)


@bp.get("/admin/import")
@login_required
def import_form():
    permissions.require(permissions.can_import_items(current_user))
    return _render_import(ImportForm())


@bp.post("/admin/import")
@login_required
def import_file():
    permissions.require(permissions.can_import_items(current_user))
    form = ImportForm()
    if not form.validate():
        return _render_import(form), 400
    try:
        csv_rows = services.read_csv(form.kind.data, form.file.data.read())
    except services.FileError as error:
        form.file.errors = [error.message]
        return _render_import(form), 400
    report = services.ImportReport(form.kind.data, form.dry_run.data)
    for _batch in services.import_batches(db.session, current_user, report, csv_rows):
        db.session.commit()  # batch by batch: other writers get the database in between
    if not report.written:
        return _render_import(form, report), 400 if report.errors else 200
    flash(ngettext("%(num)d rij geïmporteerd.", "%(num)d rijen geïmporteerd.", report.rows), "success")
    return redirect(url_for(LIST_ENDPOINTS[report.kind]))


@bp.get("/admin/import/example-<any(questions, solutions):kind>.csv")
@login_required
def example_file(kind: str):
    permissions.require(permissions.can_import_items(current_user))
    return _csv_response(services.example_csv(kind), f"voorbeeld-{FILE_NAMES[kind]}.csv")


@bp.get("/questions/export.csv")
@limiter.limit(EXPORT_RATE)
def export_questions():
    query = question_services.list_query(current_user, list_filters(*QUESTION_FILTERS, status=QuestionStatus))
    return _csv_response(services.export_csv(db.session, "questions", query), "vragen.csv")


@bp.get("/solutions/export.csv")
@limiter.limit(EXPORT_RATE)
def export_solutions():
    filters = list_filters(*SOLUTION_FILTERS, status=SolutionStatus)
    municipality = (
        db.session.get(Municipality, filters["municipality"]) if "municipality" in filters else None
    )
    query = solution_services.list_query(current_user, filters, municipality)
    return _csv_response(services.export_csv(db.session, "solutions", query), "aanbod.csv")


def _csv_response(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
