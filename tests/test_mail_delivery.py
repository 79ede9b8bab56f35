"""Mail delivery against a real SMTP server in this process (aiosmtpd): a failure for a passing
reason is retried on the schedule until the server takes the mail, once; a refused recipient is
not; administrators see and retry undelivered mail; several retry passes send each mail once."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform import PROJECT_ROOT, create_app, mail
from circular_platform.db import db
from circular_platform.models import AuditAction, AuditEntry, DeliveryState, OutboxMessage
from circular_platform.models._types import utcnow
from tests.conftest import app_settings, run_at_once, run_worker_burst

# Delivery right after the commit in this process, whether or not the suite runs in queue mode.
pytestmark = pytest.mark.app_config(REDIS_URL="")
TRY_LATER = "451 4.3.0 Mailbox temporarily unavailable, try again later"
NO_SUCH_USER = "550 5.1.1 No such user here"


class Mailbox:
    """The SMTP server's handler: refuses recipients with the replies queued in ``refusals``, in
    order, then accepts; ``received`` holds each accepted mail's (recipients, text)."""

    def __init__(self) -> None:
        self.refusals: list[str] = []
        self.received: list[tuple[list[str], str]] = []
        self.pause = 0.0  # seconds each mail takes: lets several senders overlap
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        with self._lock:
            if self.refusals:
                return self.refusals.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        await asyncio.sleep(self.pause)
        with self._lock:
            self.received.append((list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        return sorted(address for addresses, _text in self.received for address in addresses)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_settings(port: int) -> dict:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False, "MAIL_USERNAME": ""}


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.mailbox = Mailbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """An SMTP server on a free port, not yet started: until then the port is closed."""
    server = SmtpServer(free_port())
    yield server
    server.stop()


@pytest.fixture
def mailbox(app: Flask, smtp_server: SmtpServer) -> Mailbox:
    """The running SMTP server the app delivers to."""
    app.config.update(smtp_settings(smtp_server.port))
    smtp_server.start()
    return smtp_server.mailbox


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def ask_for_a_reset(client, make_user, email: str = "jan@example.org") -> None:
    make_user(email)
    assert client.post("/reset", data={"email": email}).status_code == 200


def only_mail(session: Session, recipient: str = "jan@example.org") -> OutboxMessage:
    [message] = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == recipient))
    session.refresh(message)
    return message


def retry(app: Flask, session: Session, at: datetime) -> tuple[int, int]:
    """One retry pass as the worker or cron runs it, at the moment ``at``."""
    with app.app_context():
        return mail.retry_due(session, app.config, at)


# -- retries ----------------------------------------------------------------------------------


def test_a_mail_the_server_defers_is_delivered_on_the_retry_and_only_once(
    app, client, session, make_user, mailbox
):
    mailbox.refusals.append(TRY_LATER)
    ask_for_a_reset(client, make_user)
    message = only_mail(session)
    assert mailbox.received == []
    assert message.state == DeliveryState.RETRYING
    assert message.attempts == 1
    assert "try again later" in message.error
    first_attempt = aware(message.next_attempt_at) - timedelta(minutes=5)

    assert retry(app, session, first_attempt + timedelta(minutes=4)) == (0, 0)  # not due yet
    assert mailbox.received == []
    assert retry(app, session, first_attempt + timedelta(minutes=6)) == (1, 0)
    [(recipients, text)] = mailbox.received
    assert recipients == ["jan@example.org"]
    assert "wachtwoord" in text.lower()

    assert retry(app, session, first_attempt + timedelta(days=3)) == (0, 0)
    assert len(mailbox.received) == 1
    message = only_mail(session)
    assert (message.state, message.attempts, message.error) == (DeliveryState.SENT, 2, None)
    assert message.next_attempt_at is None


def test_a_server_that_is_down_gets_the_mail_once_it_is_up(app, client, session, make_user, smtp_server):
    app.config.update(smtp_settings(smtp_server.port))  # nothing listens there yet
    ask_for_a_reset(client, make_user)
    message = only_mail(session)
    assert message.state == DeliveryState.RETRYING
    assert "refused" in message.error.lower()

    smtp_server.start()
    assert retry(app, session, aware(message.next_attempt_at)) == (1, 0)
    assert smtp_server.mailbox.recipients() == ["jan@example.org"]
    assert only_mail(session).state == DeliveryState.SENT


def test_while_the_server_is_down_a_pass_stops_at_the_first_mail_it_cannot_hand_over(
    app, client, session, make_user, smtp_server
):
    app.config.update(smtp_settings(smtp_server.port))  # nothing listens there
    for address in ("jan@example.org", "piet@example.org", "kees@example.org"):
        ask_for_a_reset(client, make_user, address)
    later = utcnow() + timedelta(hours=1)
    assert retry(app, session, later) == (0, 1)
    messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    for message in messages:
        session.refresh(message)
    assert sorted(message.attempts for message in messages) == [1, 1, 2]  # the others lost no attempt

    smtp_server.start()
    assert retry(app, session, later) == (2, 0)
    assert smtp_server.mailbox.recipients() == ["kees@example.org", "piet@example.org"]


def test_a_refused_recipient_is_not_tried_again(app, client, session, make_user, mailbox):
    mailbox.refusals.append(NO_SUCH_USER)
    ask_for_a_reset(client, make_user)
    message = only_mail(session)
    assert message.state == DeliveryState.REFUSED
    assert message.next_attempt_at is None
    assert "No such user" in message.error

    assert retry(app, session, utcnow() + timedelta(days=3)) == (0, 0)
    assert mailbox.received == []
    assert only_mail(session).attempts == 1


def test_retries_follow_the_schedule_and_then_give_up(app, client, session, make_user, mailbox):
    mailbox.refusals.extend([TRY_LATER] * 10)
    ask_for_a_reset(client, make_user)
    waits = []
    message = only_mail(session)
    while message.next_attempt_at is not None:
        due = aware(message.next_attempt_at)
        assert retry(app, session, due) == (0, 1)
        message = only_mail(session)
        if message.next_attempt_at is not None:
            waits.append(aware(message.next_attempt_at) - due)
    assert waits == [timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6), timedelta(hours=24)]
    assert (message.attempts, message.state) == (6, DeliveryState.GIVEN_UP)
    assert retry(app, session, utcnow() + timedelta(days=30)) == (0, 0)
    assert mailbox.received == []


def test_flask_notify_run_retries_the_mail_that_is_due(app, client, session, make_user, mailbox):
    mailbox.refusals.append(TRY_LATER)
    ask_for_a_reset(client, make_user)
    message = only_mail(session)
    message.next_attempt_at = utcnow() - timedelta(seconds=1)  # five minutes have passed
    session.commit()
    result = app.test_cli_runner().invoke(args=["notify", "run"])
    assert result.exit_code == 0, result.output
    assert mailbox.recipients() == ["jan@example.org"]
    assert only_mail(session).state == DeliveryState.SENT


def test_without_smtp_settings_mail_stays_in_the_outbox(app, client, session, make_user):
    ask_for_a_reset(client, make_user)
    message = only_mail(session)
    assert (message.state, message.attempts, message.next_attempt_at) == (DeliveryState.OUTBOX, 0, None)
    result = app.test_cli_runner().invoke(args=["mail", "retry"])
    assert result.exit_code != 0
    assert "MAIL_SERVER is not set" in result.output


# -- the administrator's page -------------------------------------------------------------------


def test_the_administrator_sees_the_undelivered_mail_and_sends_it_again(
    app, client, auth, session, make_user, mailbox
):
    mailbox.refusals.append(TRY_LATER)
    ask_for_a_reset(client, make_user)
    make_user("beheer@example.org", is_admin=True)
    auth.login("beheer@example.org")

    page = client.get("/admin/outbox/undelivered").text
    assert "Wachtwoord" in page or "wachtwoord" in page
    assert "jan@example.org" in page
    assert "try again later" in page
    assert "wacht op nieuwe poging" in page
    assert "1 poging" in page
    assert "volgende poging" in page
    message = only_mail(session)
    assert f'action="/admin/outbox/{message.id}/retry"' in page

    response = client.post(f"/admin/outbox/{message.id}/retry", follow_redirects=True)
    assert "is verzonden" in response.text
    assert "Alle e-mail is bezorgd" in response.text
    assert mailbox.recipients() == ["jan@example.org"]
    assert only_mail(session).attempts == 2
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.MAIL_RETRIED))
    assert (entry.actor_email, entry.target_id, entry.detail["attempts"]) == (
        "beheer@example.org",
        message.id,
        1,
    )


def test_a_mail_given_up_can_be_sent_again_and_the_page_speaks_english(
    app, client, auth, session, make_user, mailbox
):
    mailbox.refusals.append(NO_SUCH_USER)
    ask_for_a_reset(client, make_user)
    make_user("beheer@example.org", is_admin=True, language="en")
    auth.login("beheer@example.org")
    page = client.get("/admin/outbox/undelivered").text
    assert "refused" in page
    assert "Send again now" in page
    message = only_mail(session)

    mailbox.refusals.append(NO_SUCH_USER)  # still unknown there
    response = client.post(f"/admin/outbox/{message.id}/retry", follow_redirects=True)
    assert "Should it fail again, you will see the error here." in response.text
    assert only_mail(session).attempts == 2
    assert mailbox.received == []


def test_send_again_waits_while_another_server_is_handing_the_mail_over(
    app, client, auth, session, make_user, mailbox
):
    """A server claimed the retry and is talking to the mail server: "send again" now would make
    the mail due at once and send it twice. The administrator is told to look again shortly."""
    mailbox.refusals.append(TRY_LATER)
    ask_for_a_reset(client, make_user)
    make_user("beheer@example.org", is_admin=True)
    auth.login("beheer@example.org")
    message = only_mail(session)
    message.next_attempt_at = utcnow()
    session.commit()
    assert mail.claim(session, message.id, utcnow())  # the other server's attempt, under way
    session.commit()

    response = client.post(f"/admin/outbox/{message.id}/retry", follow_redirects=True)
    assert "wordt op dit moment verzonden" in response.text
    assert mailbox.received == []
    assert only_mail(session).attempts == 2  # the first try and the other server's

    session.get_one(OutboxMessage, message.id).claimed_at = utcnow() - mail.SENDING_LIMIT * 2
    session.commit()  # that server died before it recorded an outcome: sending again is allowed
    response = client.post(f"/admin/outbox/{message.id}/retry", follow_redirects=True)
    assert "is verzonden" in response.text
    assert mailbox.recipients() == ["jan@example.org"]
    assert only_mail(session).claimed_at is None


def test_a_sent_mail_is_not_sent_again(app, client, auth, session, make_user, mailbox):
    ask_for_a_reset(client, make_user)
    make_user("beheer@example.org", is_admin=True)
    auth.login("beheer@example.org")
    message = only_mail(session)
    response = client.post(f"/admin/outbox/{message.id}/retry", follow_redirects=True)
    assert "al verzonden" in response.text
    assert len(mailbox.received) == 1


def test_coordinators_neither_see_nor_retry_undelivered_mail(client, auth, session, coordinator, mailbox):
    message = OutboxMessage(recipient="a@example.org", subject="Hallo", body="Hallo", error=TRY_LATER)
    session.add(message)
    session.commit()
    auth.login(coordinator.email)
    assert client.get("/admin/outbox/undelivered").status_code == 403
    assert client.post(f"/admin/outbox/{message.id}/retry").status_code == 403
    assert mailbox.received == []


# -- several servers ----------------------------------------------------------------------------

MESSAGES = 30


def failed_mail(app: Flask, due: datetime) -> list[str]:
    """Mail that failed once and is due for its second attempt at ``due``; their recipients."""
    recipients = [f"lid{n}@example.org" for n in range(MESSAGES)]
    with app.app_context(), db.sessionmaker() as session:
        for address in recipients:
            message = OutboxMessage(recipient=address, subject="Hallo", body="Hallo", error=TRY_LATER)
            message.attempts, message.next_attempt_at = 1, due
            session.add(message)
        session.commit()
    return recipients


def all_sent(app: Flask) -> bool:
    with app.app_context(), db.sessionmaker() as session:
        messages = session.scalars(select(OutboxMessage)).all()
        return all(m.state == DeliveryState.SENT and m.attempts == 2 for m in messages)


@pytest.fixture
def running_server(smtp_server: SmtpServer) -> SmtpServer:
    """A server slow enough (30 mails take 1.5 s) for two senders to overlap."""
    smtp_server.mailbox.pause = 0.05
    smtp_server.start()
    return smtp_server


def test_two_retry_passes_in_threads_send_each_mail_once(own_database, tmp_path, running_server):
    app = create_app({**app_settings(own_database, tmp_path), **smtp_settings(running_server.port)})
    recipients = failed_mail(app, utcnow() - timedelta(minutes=1))

    def retry_pass(_thread: int) -> tuple[int, int]:
        with app.app_context(), db.sessionmaker() as session:
            return mail.retry_due(session, app.config, utcnow())

    results = run_at_once(retry_pass)  # raises what either thread raised
    assert running_server.mailbox.recipients() == sorted(recipients)
    assert sum(delivered for delivered, _failed in results) == MESSAGES
    assert all_sent(app)


def test_two_servers_running_flask_mail_retry_at_once_send_each_mail_once(
    own_database, tmp_path, running_server
):
    app = create_app({**app_settings(own_database, tmp_path), **smtp_settings(running_server.port)})
    recipients = failed_mail(app, utcnow() - timedelta(minutes=1))
    db.engine.dispose()  # type: ignore[union-attr]
    environment = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    environment.update(
        DATABASE_URL=own_database,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(running_server.port),
        MAIL_USE_TLS="false",
        SEARCH_INDEX_DIR=str(tmp_path / "index"),
        MATCHING_MODEL_PATH=str(tmp_path / "matcher" / "model"),
    )
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "mail", "retry"]
    processes = [
        subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    delivered = [int(re.search(r"(\d+) mails delivered", output).group(1)) for output in outputs]  # type: ignore[union-attr]
    assert sum(delivered) == MESSAGES
    assert running_server.mailbox.recipients() == sorted(recipients)
    assert all_sent(app)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="queue mode: needs REDIS_URL")
def test_with_redis_the_worker_queues_the_retry_pass_and_runs_it(own_database, tmp_path, running_server):
    from circular_platform import background
    from circular_platform.worker import queue_periodic_jobs

    app = create_app({**app_settings(own_database, tmp_path), **smtp_settings(running_server.port)})
    background.redis_connection(app).flushdb()
    recipients = failed_mail(app, utcnow() - timedelta(minutes=1))
    assert queue_periodic_jobs(app, datetime.now().timestamp())
    assert "mail.retry" in [job.description for job in background.job_queue(app).jobs]
    db.engine.dispose()  # type: ignore[union-attr]
    environment = {
        **os.environ,
        "DATABASE_URL": own_database,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(running_server.port),
        "MAIL_USE_TLS": "false",
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "MATCHING_MODEL_PATH": str(tmp_path / "worker" / "model"),
    }
    run_worker_burst(environment)
    assert running_server.mailbox.recipients() == sorted(recipients)
    assert all_sent(app)
    background.redis_connection(app).flushdb()
