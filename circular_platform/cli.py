"""Command-line tasks: ``flask regions load``, ``flask demo load``, ``flask users create-admin``,
``flask search rebuild``, ``flask search drain``, ``flask matching rebuild``, ``flask matching learn``,
``flask backup create``, ``flask backup restore``, ``flask audit prune``, ``flask mail retry`` and
``flask worker``
(:mod:`circular_platform.worker`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import Engine

from circular_platform import PROJECT_ROOT, audit, background, backup, regions
from circular_platform.db import db
from circular_platform.transfer.cli import import_cli

regions_cli = AppGroup("regions", help="Provinces and municipalities.")
demo_cli = AppGroup("demo", help="Demo data of Noord-Nederland.")
users_cli = AppGroup("users", help="Accounts.")
matching_cli = AppGroup("matching", help="The matcher of questions and solutions.")
search_cli = AppGroup("search", help="The search index.")
backup_cli = AppGroup("backup", help="Backups of the database.")
audit_cli = AppGroup("audit", help="The audit log of coordinators and administrators.")
mail_cli = AppGroup("mail", help="Outgoing mail.")
GROUPS = (
    regions_cli,
    demo_cli,
    users_cli,
    import_cli,
    matching_cli,
    search_cli,
    backup_cli,
    audit_cli,
    mail_cli,
)


def init_app(app: Flask) -> None:
    from circular_platform.worker import worker_command

    for group in GROUPS:
        app.cli.add_command(group)
    app.cli.add_command(worker_command)


@regions_cli.command("load")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_regions(path: Path | None) -> None:
    """Load the provinces, and the municipalities of PATH (default: Drenthe, Groningen, Fryslân)."""
    provinces = regions.load_provinces(db.session)
    municipalities = regions.load_municipalities(db.session, path)
    db.session.commit()
    click.echo(f"{provinces} provinces and {municipalities} municipalities added.")


@demo_cli.command("load")
def load_demo() -> None:
    """Load the demo data once; running it again changes nothing."""
    from circular_platform.demo import loader

    regions.load_provinces(db.session)
    regions.load_municipalities(db.session)
    current_app.config["MATCHING_SYNC"] = True  # match the demo data once, before this command exits
    loaded = loader.load(db.session)
    db.session.commit()
    click.echo("Demo data loaded." if loaded else "Demo data was already loaded.")
    click.echo(f"\nDemo accounts (password: {loader.DEMO_PASSWORD}):")
    for label, email in loader.demo_accounts(db.session):
        click.echo(f"  {label:<55} {email}")


@users_cli.command("create-admin")
@click.argument("email")
@click.argument("name")
@click.password_option()
def create_admin(email: str, name: str, password: str) -> None:
    """Create a confirmed administrator account."""
    from datetime import UTC, datetime

    from circular_platform.accounts.services import create_user

    user = create_user(db.session, email=email, name=name, password=password)
    user.is_admin = True
    user.confirmed_at = datetime.now(UTC)
    db.session.commit()
    click.echo(f"Administrator {user.email} created.")


@matching_cli.command("rebuild")
def rebuild_matches() -> None:
    """Refit the matcher on all open questions and active solutions and recompute every match."""
    from circular_platform.matches import services as matches

    with background.exclusive(db.session, "matching") as ours:
        if not ours:
            raise click.ClickException("Another rebuild is running; try again when it is done.")
        with click.progressbar(length=1, label="Matching", show_pos=True) as bar:

            def progress(stage: str, done: int, total: int) -> None:
                label, bar.length = f"Matching: {stage:<18}", total
                if label != bar.label:  # a stage shows when it starts, not after its first unit
                    bar.label = label
                    bar.render_progress()
                bar.update(done - bar.pos)

            pairs = matches.rebuild(db.session, progress)
            db.session.commit()
    click.echo(f"{pairs} proposed matches stored.")


@matching_cli.command("learn")
def learn_from_judgements() -> None:
    """Fit the learned ranker on people's judgements; it is used only when it ranks the newer
    judgements better than the matcher alone. The nightly ``flask notify run`` does this too."""
    from circular_platform.matches import learning

    with background.exclusive(db.session, "matching") as ours:
        if not ours:
            raise click.ClickException("A rebuild is running; try again when it is done.")
        with click.progressbar(length=learning.LEARN_STEPS, label="Learning from judgements") as bar:
            check = learning.learn(db.session, lambda _step: bar.update(1))
        db.session.commit()
    click.echo(f"{check.judgements} judgements: {check.older} older to fit, {check.newer} newer to test")
    if check.older or check.newer:
        click.echo(
            f"nDCG@10 on {check.queries} newer questions: "
            f"matcher {check.baseline:.3f}, learned {check.learned:.3f}"
        )
    click.echo(f"Learned ranker {'in use' if check.use else 'not used'}: {check.reason}")


@search_cli.command("rebuild")
def rebuild_search_index() -> None:
    """Recreate the search index from the database (searches see the old index until done)."""
    from circular_platform.search import documents, services

    total = documents.count_all(db.session)
    with click.progressbar(length=total, label="Indexing") as bar:
        written = services.rebuild(db.session, progress=bar.update)
    click.echo(f"{written} items indexed.")


@search_cli.command("drain")
def drain_search_queue() -> None:
    """Apply the pending search index updates now (the app's indexer thread does this too)."""
    from circular_platform.search import services

    click.echo(f"{services.drain(db.session)} items updated.")


@contextmanager
def _percent_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar for work whose size is known only once it runs: it takes (done, total)."""
    with click.progressbar(length=100, label=label) as bar:
        yield lambda done, total: bar.update(done * 100 // max(total, 1) - bar.pos)


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def create_backup(path: Path) -> None:
    """Write a consistent copy of the database to PATH, a new file: on SQLite a database file, on
    PostgreSQL pg_dump's custom format. The search index is not in it; it is rebuilt from the data."""
    if path.exists():
        raise click.ClickException(f"{path} exists already; choose a new file name.")
    try:
        with _percent_bar("Backing up") as progress:
            backup.create(_engine(), path, progress)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {path} ({path.stat().st_size:,} bytes).")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_backup(path: Path) -> None:
    """Bring the backup at PATH into the database of DATABASE_URL, which must be empty (no tables).
    The rows come back exactly as they were; what to run next (migrations, the search index) is
    printed at the end."""
    try:
        with _percent_bar("Restoring") as progress:
            backup.restore(_engine(), path, progress)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    _engine().dispose()  # connections opened before the restore may hold the old schema
    click.echo(f"Restored {path}.")
    restored, head = _schema_revisions()
    if restored != head:
        click.echo(
            f"The backup's schema is revision {restored}; this version of the platform needs {head}.\n"
            "First bring it up to date: `alembic upgrade head` (or `make migrate`)."
        )
    click.echo(
        "The search index is not in the backup: rebuild it with `flask search rebuild`.\n"
        "If the matcher's model files are lost too: `flask matching rebuild`."
    )


def _engine() -> Engine:
    if db.engine is None:
        raise click.ClickException("No database: the app was not set up.")
    return db.engine


def _schema_revisions() -> tuple[str | None, str | None]:
    """The migration the database is at, and the newest this code knows."""
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with _engine().connect() as connection:
        restored = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini"))).get_current_head()
    return restored, head


@audit_cli.command("prune")
def prune_audit_log() -> None:
    """Delete audit log entries older than two years (the nightly ``flask notify run`` does this too)."""
    from circular_platform.models._types import utcnow

    removed = audit.prune(db.session, utcnow())
    db.session.commit()
    click.echo(f"{removed} audit log entries older than two years deleted.")


@mail_cli.command("retry")
def retry_mail() -> None:
    """Try again the mail whose delivery failed and is due for another attempt (for cron; without
    REDIS_URL ``flask notify run`` does this too, with it the worker)."""
    from circular_platform import mail
    from circular_platform.models._types import utcnow

    if not current_app.config["MAIL_SERVER"]:
        raise click.UsageError("MAIL_SERVER is not set: mail stays in the outbox.")
    delivered, failed = mail.retry_due(db.session, current_app.config, utcnow())
    click.echo(f"{delivered} mails delivered, {failed} failed again.")
