"""Mail: every message goes to the outbox table; with SMTP settings it is then delivered.

Delivery happens after the request's transaction commits, so a failed write sends nothing: with
``REDIS_URL`` as the job ``mail.deliver`` of ``flask worker``, else right after the commit.
A mail template sets its subject with ``{% set subject %}...{% endset %}``; everything else it
renders is the body. The subject is a header: it is always one line, whatever a name contains.
Links in mail come from ``public_url()`` (``PUBLIC_URL``), never from the request's Host.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy import insert
from sqlalchemy.orm import Session

from circular_platform import background
from circular_platform.db import after_commit, db
from circular_platform.models import OutboxMessage

log = logging.getLogger(__name__)


def send_mail(
    session: Session,
    recipient: str,
    template: str,
    *,
    language: str = "nl",
    reply_to: str | None = None,
    headers: dict[str, str] | None = None,
    **context: object,
) -> OutboxMessage:
    """Render ``templates/mail/<template>.txt`` in ``language``.

    When ``templates/mail/<template>.html`` exists it becomes the HTML alternative.
    """
    message = compose(recipient, template, language=language, reply_to=reply_to, headers=headers, **context)
    session.add(message)
    session.flush()
    deliver_after_commit(session, [message.id])
    return message


def render_mail(template: str, context: dict) -> tuple[str, str]:
    """The subject (one line: line breaks and tabs in it become spaces) and the body of a mail."""
    context = dict(context)
    current_app.update_template_context(context)
    module = current_app.jinja_env.get_template(f"mail/{template}.txt").make_module(context)
    subject = " ".join(str(getattr(module, "subject", "")).split())
    if not subject:
        raise ValueError(f"mail/{template}.txt sets no subject")
    return subject, str(module).strip() + "\n"


def add_many(session: Session, messages: list[OutboxMessage]) -> int:
    """Write composed messages in a few multi-row INSERTs (not one per message); the number written."""
    columns = ("recipient", "subject", "body", "html_body", "headers", "reply_to")
    rows = [{column: getattr(message, column) for column in columns} for message in messages]
    if rows:
        ids = list(session.scalars(insert(OutboxMessage).returning(OutboxMessage.id), rows))
        deliver_after_commit(session, ids)
    return len(rows)


def compose(
    recipient: str,
    template: str,
    *,
    language: str = "nl",
    reply_to: str | None = None,
    headers: dict[str, str] | None = None,
    **context: object,
) -> OutboxMessage:
    """The outbox message ``send_mail`` writes, not yet added: bulk senders add many, flush once."""
    with force_locale(language):
        subject, body = render_mail(template, context)
        html = _render_html(template, context)
    return OutboxMessage(
        recipient=recipient,
        subject=subject,
        body=body,
        html_body=html,
        headers=headers or None,
        reply_to=reply_to,
    )


def _render_html(template: str, context: dict) -> str | None:
    name = f"mail/{template}.html"
    try:
        return render_template(name, **context)
    except TemplateNotFound as error:
        if error.name != name:  # the template exists but includes a missing one: a bug to show
            raise
        return None


def deliver_after_commit(session: Session, ids: list[int]) -> None:
    """With SMTP settings, send these outbox messages once the transaction has committed."""
    if current_app.config["MAIL_SERVER"] and ids:
        inline = not background.queue_mode()  # `flask notify run` must not exit before it is sent
        after_commit(session, lambda: background.enqueue("mail.deliver", inline=inline, ids=ids))


def deliver_job(ids: list[int]) -> None:
    """The job ``mail.deliver``: each message committed on its own, so one failure keeps the rest."""
    for message_id in ids:
        session = db.sessionmaker()
        try:
            message = session.get(OutboxMessage, message_id)
            if message is not None:
                deliver(message, current_app.config)
                session.commit()
        finally:
            session.close()


def deliver(message: OutboxMessage, config) -> None:
    """Send one outbox message over SMTP and record the outcome on it."""
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    try:
        smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(email)
        message.sent_at = datetime.now(UTC)
        message.error = None
    except (OSError, smtplib.SMTPException) as error:
        log.warning("Mail %s to %s not delivered: %s", message.id, message.recipient, error)
        message.error = str(error)
