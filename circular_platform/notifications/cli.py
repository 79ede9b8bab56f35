"""``flask notify run [--now 2026-12-07T08:00]``: send what is due; the last line says how many.

Without ``REDIS_URL`` this command, run every minute, is also what retries failed mail deliveries
(``mail.retry``); with it the worker does that.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from circular_platform import background
from circular_platform.db import db
from circular_platform.models._types import utcnow
from circular_platform.notifications import run
from circular_platform.notifications.schedule import LOCAL

notify_cli = AppGroup("notify", help="Match alerts, digests and reminders.")


@notify_cli.command("run")
@click.option(
    "--now",
    type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]),
    help="Act as if it were this local (Dutch) time: for tests and catching up.",
)
def run_command(now: datetime | None) -> None:
    """Queue every mail that is due; running it again right away queues nothing."""
    moment = now.replace(tzinfo=LOCAL).astimezone(UTC) if now else utcnow()
    queued = run.run(db.session, moment)
    db.session.commit()
    if current_app.config["MAIL_SERVER"]:
        background.enqueue("mail.retry", inline=not background.queue_mode(), coalesce=True)
    if queued is None:
        click.echo("Another run holds the lock; nothing done.")
    click.echo(f"{queued or 0} mails queued")
