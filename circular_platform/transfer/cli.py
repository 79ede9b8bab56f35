"""``flask import questions FILE`` and ``flask import solutions FILE``, with ``--dry-run``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from circular_platform.db import db
from circular_platform.transfer import services

import_cli = AppGroup("import", help="Import questions or solutions from a CSV file.")
FILE_ARGUMENT = click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
DRY_RUN_OPTION = click.option("--dry-run", is_flag=True, help="Check every row; write nothing.")


@import_cli.command("questions")
@FILE_ARGUMENT
@DRY_RUN_OPTION
def import_questions(path: Path, dry_run: bool) -> None:
    """Import the questions of PATH, checked first: nothing is written if any row fails."""
    _import("questions", path, dry_run)


@import_cli.command("solutions")
@FILE_ARGUMENT
@DRY_RUN_OPTION
def import_solutions(path: Path, dry_run: bool) -> None:
    """Import the solutions of PATH, checked first: nothing is written if any row fails."""
    _import("solutions", path, dry_run)


def _import(kind: str, path: Path, dry_run: bool) -> None:
    # Outside a request there is no user to choose a language for: messages use the default one.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        _import_file(kind, path, dry_run)


def _import_file(kind: str, path: Path, dry_run: bool) -> None:
    try:
        rows = services.read_csv(kind, path.read_bytes())
    except services.FileError as error:
        raise click.ClickException(str(error.message)) from None
    report = services.ImportReport(kind, dry_run)
    size = sum(row.size for row in rows)
    steps = size if dry_run else 2 * size  # every row is checked, then written
    with click.progressbar(length=steps, label=f"Importing {path.name}") as bar:
        for handled in services.import_batches(db.session, None, report, rows):
            db.session.commit()  # batch by batch: other writers get the database in between
            bar.update(handled)
    for problem in report.errors:
        click.echo(f"row {problem.row}, {problem.column or '-'}: {problem.message}", err=True)
    if report.partly_written:
        raise click.ClickException(
            f"The first {report.imported} of {report.rows} rows were imported; "
            f"then a row failed that had passed the check. The rest is not imported."
        )
    if report.errors:
        raise click.ClickException(
            f"{report.failed_rows} of {report.rows} rows have errors; nothing imported."
        )
    if dry_run:
        click.echo(f"All {report.rows} rows are valid; nothing written (dry run).")
        return
    click.echo(f"{len(rows)} {kind} imported ({report.rows} rows).")
