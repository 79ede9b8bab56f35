"""Mail: every message goes to the outbox table; with SMTP settings it is then delivered.

Delivery happens after the request's transaction commits, so a failed write sends nothing: with
``REDIS_URL`` as the job ``mail.deliver`` of ``flask worker``, else right after the commit.
A delivery that fails for a passing reason is tried again after 5 and 30 minutes, 2, 6 and 24
hours (``RETRY_DELAYS``), then given up; a 5xx refusal of the recipient is final. The retries
are the job ``mail.retry``: ``flask worker`` queues it every minute, ``flask notify run`` runs
it after its own work, and ``flask mail retry`` runs it from cron. Each attempt is claimed
first (:func:`claim`), so several servers never send one message twice.
A mail template sets its subject with ``{% set subject %}...{% endset %}``; everything else it
renders is the body. The subject is a header: it is always one line, whatever a name contains.
Links in mail come from ``public_url()`` (``PUBLIC_URL``), never from the request's Host.
"""

from __future__ import annotations

import enum
import logging
import smtplib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy import ColumnElement, and_, insert, or_, select, update
from sqlalchemy.orm import Session

from circular_platform import background
from circular_platform.db import after_commit, db
from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import OutboxMessage
from circular_platform.models._types import utcnow
from circular_platform.models.mail import RETRY_DELAYS

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    """How one attempt ended."""

    DELIVERED = "delivered"
    FAILED = "failed"  # the server deferred or refused this message's recipient or content
    # No connection, it hung up, or it refused our greeting, login or sender address: the other
    # messages would fare no better now.
    UNAVAILABLE = "unavailable"


SMTP_TIMEOUT = 15  # seconds per step of the conversation with the mail server
# An attempt claimed this long ago without an outcome has died with its process: a few of the
# conversation's steps, each up to SMTP_TIMEOUT.
SENDING_LIMIT = timedelta(minutes=2)
RETRY_BATCH = 200  # messages per retry pass: a pass ends well within a minute when the server answers


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
    columns = ("recipient", "subject", "body", "html_body", "headers", "reply_to", "next_attempt_at")
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
        next_attempt_at=utcnow() if current_app.config["MAIL_SERVER"] else None,  # due at once
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
        with db.sessionmaker() as session:
            attempt(session, message_id, current_app.config, utcnow())


def retry_job() -> None:
    """The job ``mail.retry``: the periodic pass over messages due for another attempt."""
    if current_app.config["MAIL_SERVER"]:
        with db.sessionmaker() as session:
            retry_due(session, current_app.config, utcnow())


def retry_due(session: Session, config, now: datetime, limit: int = RETRY_BATCH) -> tuple[int, int]:
    """Attempt the messages whose next attempt is due at ``now``, oldest first, at most ``limit``;
    how many were delivered and how many failed. Commits ``session`` after each message.

    Safe beside other passes on other servers: on PostgreSQL a pass skips the rows another one
    is claiming (``SKIP LOCKED``), and :func:`claim` lets only one of them have each message.
    """
    delivered = failed = 0
    for _ in range(limit):
        oldest_due = select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.next_attempt_at)
        message_id = session.scalar(oldest_due.limit(1).with_for_update(skip_locked=True))
        if message_id is None:
            break
        outcome = attempt(session, message_id, config, now)
        delivered += outcome is Outcome.DELIVERED
        failed += outcome in (Outcome.FAILED, Outcome.UNAVAILABLE)
        if outcome is Outcome.UNAVAILABLE:
            break  # the rest wait for the next pass, instead of each waiting out the timeout
    session.commit()
    return delivered, failed


def attempt(session: Session, message_id: int, config, now: datetime) -> Outcome | None:
    """Claim and send one message; None when it was not ours to send."""
    if not claim(session, message_id, now):
        session.commit()
        return None
    session.commit()
    message = session.get_one(OutboxMessage, message_id, populate_existing=True)  # as claimed
    outcome = deliver(message, config)
    session.commit()
    return outcome


def claim(session: Session, message_id: int, now: datetime) -> bool:
    """Take the attempt due at ``now``: count it and schedule the next one as if it fails, so a
    crash while sending still leads to a retry. The UPDATE only succeeds while the message is
    unsent, due and has the attempts we read: of two servers claiming it at once, one wins."""
    attempts = session.scalar(select(OutboxMessage.attempts).where(OutboxMessage.id == message_id, _due(now)))
    if attempts is None:
        return False
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _due(now), OutboxMessage.attempts == attempts)
        .values(attempts=attempts + 1, next_attempt_at=_retry_time(attempts + 1, now), claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1  # type: ignore[attr-defined]


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)


def _retry_time(attempts: int, now: datetime) -> datetime | None:
    """When to try again after ``attempts`` failed; None when that was the last try."""
    return now + RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else None


def retry_now(session: Session, message: OutboxMessage) -> None:
    """An administrator's retry: one more attempt right after the commit, even after giving up.

    Refused while another attempt may be handing the mail over (claimed less than
    :data:`SENDING_LIMIT` ago, no outcome yet): due again at once, it would go out twice. The
    check and the change are one conditional UPDATE, so a claim in between cannot slip past."""
    if not current_app.config["MAIL_SERVER"]:
        raise DomainError(_l("Er zijn geen SMTP-instellingen: e-mail blijft in de outbox staan."))
    now = utcnow()
    idle = or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - SENDING_LIMIT)
    due_now = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.sent_at.is_(None), idle)
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(message)
    if message.sent_at is not None:
        raise DomainError(_l("Deze e-mail is al verzonden."))
    if due_now.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError(_l("Deze e-mail wordt op dit moment verzonden. Kijk over een minuut opnieuw."))
    deliver_after_commit(session, [message.id])


def deliver(message: OutboxMessage, config) -> Outcome:
    """Send one outbox message over SMTP and record the outcome on it.

    A failure for a passing reason (no connection, a 4xx reply, our own login or sender address
    refused: settings to fix) keeps the next attempt :func:`claim` scheduled; a 5xx refusal of
    the recipient or the content is final.
    """
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
        with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT) as smtp:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(email)
        message.claimed_at = None
        message.sent_at = datetime.now(UTC)
        message.error = None
        message.next_attempt_at = None
        return Outcome.DELIVERED
    except (OSError, smtplib.SMTPException) as error:
        message.claimed_at = None
        message.error = _error_text(error)
        if _refused_for_good(error):
            message.next_attempt_at = None
        log.warning("Mail %s to %s: %s (%s)", message.id, message.recipient, error, message.state)
        about_this_message = isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError)
        return Outcome.FAILED if about_this_message else Outcome.UNAVAILABLE


def _refused_for_good(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reply in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def _error_text(error: Exception) -> str:
    """What went wrong as the admin page shows it: ``451 4.7.1 Greylisted``, not a dict of bytes."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(_reply(code, text) for code, text in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return _reply(error.smtp_code, error.smtp_error)
    return str(error) or type(error).__name__


def _reply(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
