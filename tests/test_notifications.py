"""Match alerts and digests, saved searches, unsubscribing, question expiry, escalation, stage mails.

The clock is fixed (time-machine) at Friday 4 December 2026, noon UTC; ``flask notify run --now``
then acts at later moments. Monday 7 December 08:00 is the first weekly digest.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import delete, select

from circular_platform.models import (
    Feedback,
    Frequency,
    Match,
    MatchStatus,
    NotificationSetting,
    OutboxMessage,
    Question,
    QuestionStatus,
    SavedSearch,
    SolutionStatus,
)
from circular_platform.notifications.escalation import questions_without_fit

FRIDAY = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(FRIDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def market(make_organisation, make_user, make_question, make_solution, session):
    """A corporation asking (Dutch), a company offering (English); matches are made by the tests."""
    corporation = make_organisation("Woonstichting Hondsrug", municipality="Emmen")
    marieke = make_user("marieke@hondsrug.example", corporation)
    frames = make_organisation("Kozijnbank", kind="bedrijf", municipality="Assen")
    pieter = make_user("pieter@kozijnbank.example", frames, language="en")
    items = {
        "question": make_question(corporation, "Hergebruikte kozijnen voor 180 woningen", contact=marieke),
        "solution": make_solution(frames, "Gekeurde kozijnen uit sloop", contact=pieter),
        "marieke": marieke,
        "pieter": pieter,
        "corporation": corporation,
        "frames": frames,
    }
    session.execute(delete(Match))
    session.commit()
    return items


@pytest.fixture
def make_match(session, market):
    def make(created: datetime, **fields) -> Match:
        match = Match(
            question=fields.pop("question", market["question"]),
            solution=fields.pop("solution", market["solution"]),
            score=0.5,
            terms=["kozijnen", "sloop"],
            created_at=created,
            **fields,
        )
        session.add(match)
        session.commit()
        return match

    return make


@pytest.fixture
def notify(app, clock):
    """``flask notify run --now NOW``, with the clock moved to NOW (mails sign their links then)."""
    runner = app.test_cli_runner()

    def run(now: str) -> int:
        clock.move_to(at(now))
        result = runner.invoke(args=["notify", "run", "--now", now])
        assert result.exit_code == 0, result.output
        last = result.output.strip().splitlines()[-1]
        assert re.fullmatch(r"\d+ mails queued", last), result.output
        return int(last.split()[0])

    return run


def set_frequency(session, user, organisation, frequency: Frequency) -> None:
    session.add(NotificationSetting(user=user, organisation=organisation, frequency=frequency))
    session.commit()


def at(text: str) -> datetime:
    """A Dutch local time as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Europe/Amsterdam")).astimezone(UTC)


# -- alerts per frequency -----------------------------------------------------------------------


def test_weekly_digest_goes_out_on_monday_morning(market, make_match, notify, outbox):
    make_match(at("2026-12-05T10:00"))
    assert notify("2026-12-06T20:00") == 0  # Sunday
    assert notify("2026-12-07T06:30") == 0  # Monday, before seven
    assert notify("2026-12-07T08:00") == 2
    [mail] = outbox("marieke@hondsrug.example")
    assert mail.subject == "Nieuw op Circulair Noord"
    assert "Nieuwe matches voor Woonstichting Hondsrug" in mail.body
    assert "Gekeurde kozijnen uit sloop (Kozijnbank, Assen)" in mail.body
    assert "gedeelde woorden: kozijnen, sloop" in mail.body
    assert f"http://localhost/solutions/{market['solution'].id}" in mail.body
    assert notify("2026-12-07T09:00") == 0
    assert notify("2026-12-14T08:00") == 0  # nothing new: no mail


def test_english_reader_gets_an_english_multipart_mail_without_remote_images(
    market, make_match, notify, outbox
):
    make_match(at("2026-12-05T10:00"))
    notify("2026-12-07T08:00")
    [mail] = outbox("pieter@kozijnbank.example")
    assert mail.subject == "New on Circulair Noord"
    assert "New matches for Kozijnbank" in mail.body
    assert "Hergebruikte kozijnen voor 180 woningen (Woonstichting Hondsrug, Emmen)" in mail.body
    assert "Hergebruikte kozijnen voor 180 woningen" in mail.html_body
    assert "<img" not in mail.html_body
    assert 'src="http' not in mail.html_body
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://localhost/notifications/unsubscribe/\S+>", mail.headers["List-Unsubscribe"])


def test_immediate_alerts_come_at_most_once_an_hour_grouped(session, market, make_match, notify, outbox):
    set_frequency(session, market["marieke"], market["corporation"], Frequency.IMMEDIATELY)
    make_match(at("2026-12-05T10:00"))
    assert notify("2026-12-05T10:05") == 1
    second = make_match(at("2026-12-05T10:20"), solution=_solution(market, session, "Kozijnen van hout"))
    make_match(at("2026-12-05T10:30"), solution=_solution(market, session, "Kozijnen van staal"))
    assert notify("2026-12-05T10:40") == 0
    assert notify("2026-12-05T11:06") == 1
    mails = outbox("marieke@hondsrug.example")
    assert len(mails) == 2
    assert "Kozijnen van hout" in mails[1].body
    assert "Kozijnen van staal" in mails[1].body
    assert second.solution.title not in mails[0].body


def _solution(market, session, title):
    from circular_platform.solutions.services import publish_solution

    solution = publish_solution(
        session,
        None,
        market["frames"],
        {
            "title": title,
            "description": "Kozijnen uit sloop, gekeurd.",
            "themes": ["bouw"],
            "nationwide": True,
        },
    )
    session.commit()
    return solution


def test_daily_digest_once_a_day_after_seven(session, market, make_match, notify, outbox):
    set_frequency(session, market["marieke"], market["corporation"], Frequency.DAILY)
    make_match(at("2026-12-04T14:00"))
    assert notify("2026-12-04T15:00") == 0  # today's digest time had passed when she joined
    assert notify("2026-12-05T07:30") == 1
    make_match(at("2026-12-05T09:00"), solution=_solution(market, session, "Kozijnen van hout"))
    assert notify("2026-12-05T10:00") == 0
    assert notify("2026-12-06T07:30") == 1
    assert "Kozijnen van hout" in outbox("marieke@hondsrug.example")[1].body


def test_never_means_never(session, market, make_match, notify, outbox):
    set_frequency(session, market["marieke"], market["corporation"], Frequency.NEVER)
    make_match(at("2026-12-05T10:00"))
    assert notify("2026-12-07T08:00") == 1
    assert outbox("marieke@hondsrug.example") == []
    assert len(outbox("pieter@kozijnbank.example")) == 1


def test_second_run_queues_nothing(app, market, make_match):
    make_match(at("2026-12-05T10:00"))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["notify", "run", "--now", "2026-12-07T08:00"])
    second = runner.invoke(args=["notify", "run", "--now", "2026-12-07T08:00"])
    assert first.output.strip().splitlines()[-1] == "2 mails queued"
    assert second.output.strip().splitlines()[-1] == "0 mails queued"


def test_without_now_the_run_uses_the_clock(app, market, make_match, clock):
    make_match(at("2026-12-05T10:00"))
    clock.move_to(at("2026-12-07T08:00"))
    result = app.test_cli_runner().invoke(args=["notify", "run"])
    assert result.output.strip().splitlines()[-1] == "2 mails queued"


# -- unsubscribing ------------------------------------------------------------------------------


def unsubscribe_path(mail: OutboxMessage) -> str:
    return mail.headers["List-Unsubscribe"].strip("<>").removeprefix("http://localhost")


def test_unsubscribe_link_asks_first_then_stops_the_mails(
    client, session, market, make_match, notify, outbox
):
    make_match(at("2026-12-05T10:00"))
    notify("2026-12-07T08:00")
    path = unsubscribe_path(outbox("marieke@hondsrug.example")[0])
    page = client.get(path)
    assert page.status_code == 200
    assert "Woonstichting Hondsrug" in page.text
    assert "<form" in page.text
    setting = session.scalar(select(NotificationSetting).where(NotificationSetting.user == market["marieke"]))
    assert setting.frequency == Frequency.WEEKLY  # looking changes nothing
    assert client.post(path).status_code == 200
    session.refresh(setting)
    assert setting.frequency == Frequency.NEVER
    make_match(at("2026-12-08T10:00"), solution=_solution(market, session, "Kozijnen van hout"))
    notify("2026-12-14T08:00")
    assert len(outbox("marieke@hondsrug.example")) == 1
    assert len(outbox("pieter@kozijnbank.example")) == 2


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_one_click_unsubscribe_needs_no_login_and_no_csrf_token(
    client, session, market, make_match, notify, outbox
):
    make_match(at("2026-12-05T10:00"))
    notify("2026-12-07T08:00")
    path = unsubscribe_path(outbox("pieter@kozijnbank.example")[0])
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    setting = session.scalar(select(NotificationSetting).where(NotificationSetting.user == market["pieter"]))
    assert setting.frequency == Frequency.NEVER


def test_a_forged_unsubscribe_token_is_refused(client):
    assert client.get("/notifications/unsubscribe/forged").status_code == 404
    assert client.post("/notifications/unsubscribe/forged").status_code == 404


# -- saved searches -----------------------------------------------------------------------------


def test_saved_search_hits_since_the_last_digest(session, market, notify, outbox, clock):
    set_frequency(session, market["marieke"], market["corporation"], Frequency.NEVER)
    clock.move_to(FRIDAY - timedelta(hours=1))
    _solution(market, session, "Kozijnen van hout")
    clock.move_to(FRIDAY)
    session.add(SavedSearch(user=market["marieke"], query="hout", filters={"kind": "solution"}))
    session.commit()
    clock.move_to(FRIDAY + timedelta(days=1))
    _solution(market, session, "Vloeren van hout")
    _solution(market, session, "Dakpannen uit sloop")
    assert notify("2026-12-07T08:00") == 1
    [mail] = outbox("marieke@hondsrug.example")
    assert 'Nieuw bij uw zoekopdracht "hout"' in mail.body
    assert "Vloeren van hout" in mail.body
    assert "Kozijnen van hout" not in mail.body  # older than the saved search
    assert "Dakpannen" not in mail.body
    assert notify("2026-12-14T08:00") == 0


# -- questions stay fresh -----------------------------------------------------------------------


def test_valid_until_defaults_to_six_months_or_three_after_the_start(make_question, corporation):
    assert make_question(corporation).valid_until == date(2027, 6, 4)
    later = make_question(corporation, "Kozijnen voor later", desired_start=date(2027, 9, 1))
    assert later.valid_until == date(2027, 12, 1)


def test_owner_sets_valid_until_in_the_form(client, auth, session, corporation):
    auth.login("marieke@hondsrug.example")
    data = {
        "organisation_id": corporation.id,
        "title": "Hergebruikte dakpannen",
        "description": "Wij zoeken hergebruikte dakpannen voor 40 woningen.",
        "theme": "bouw",
        "sector": "WU",
        "municipality_id": corporation.municipality_id,
        "visibility": "public",
        "valid_until": "2027-02-01",
        "contact_id": corporation.active_members[0].id,
        "publish": "1",
    }
    response = client.post("/questions/new", data=data)
    assert response.status_code == 302, response.text
    question = session.scalar(select(Question).where(Question.title == "Hergebruikte dakpannen"))
    assert question.valid_until == date(2027, 2, 1)


def test_owner_is_reminded_fourteen_days_before_and_extends_by_link(client, session, market, notify, outbox):
    question = market["question"]
    assert notify("2027-05-20T08:00") == 0
    assert notify("2027-05-21T08:00") == 1
    [mail] = outbox("marieke@hondsrug.example")
    assert "04-06-2027" in mail.subject
    links = re.findall(r"http://localhost(/notifications/question/\S+)", mail.body)
    assert len(links) == 3  # nog actueel, afgerond, ingetrokken
    page = client.get(links[0])
    assert page.status_code == 200
    assert "<form" in page.text
    session.refresh(question)
    assert question.valid_until == date(2027, 6, 4)  # a prefetching scanner changes nothing
    with time_machine.travel(at("2027-05-22T09:00"), tick=False):
        assert client.post(links[0]).status_code == 200
    session.refresh(question)
    assert question.valid_until == date(2027, 12, 4)
    assert notify("2027-05-22T08:00") == 0


def test_reminder_link_marks_the_question_completed(client, session, market, notify, outbox):
    notify("2027-05-21T08:00")
    links = re.findall(
        r"http://localhost(/notifications/question/\S+)", outbox("marieke@hondsrug.example")[0].body
    )
    with time_machine.travel(at("2027-05-22T09:00"), tick=False):
        client.post(links[1])
    session.refresh(market["question"])
    assert market["question"].status == QuestionStatus.COMPLETED


def test_expired_question_leaves_lists_and_matcher_and_can_be_renewed(
    client, auth, session, market, make_match, make_question, notify, outbox
):
    question = market["question"]
    with time_machine.travel(at("2026-12-20T10:00"), tick=False):  # still open when the first expires
        make_question(market["corporation"], "Hergebruikte dakgoten voor 180 woningen")
    make_match(at("2026-12-05T10:00"))
    notify("2027-05-21T08:00")  # the reminder
    [reminder] = [m for m in outbox("marieke@hondsrug.example") if "/notifications/question/" in m.body]
    renew = re.findall(r"http://localhost(/notifications/question/\S+)", reminder.body)[0]
    notify("2027-06-05T08:00")
    session.refresh(question)
    assert question.status == QuestionStatus.EXPIRED
    assert question.title not in client.get("/questions/").text
    assert session.scalars(select(Match).where(Match.question_id == question.id)).all() == []
    auth.login("marieke@hondsrug.example")
    assert "Verlopen" in client.get(f"/questions/{question.id}").text
    auth.logout()
    with time_machine.travel(at("2027-06-10T09:00"), tick=False):
        assert client.post(renew).status_code == 200
    session.refresh(question)
    assert question.status == QuestionStatus.OPEN
    assert question.valid_until == date(2027, 12, 10)


def test_solution_is_asked_yearly_and_paused_without_an_answer(session, market, notify, outbox):
    solution = market["solution"]
    assert notify("2027-12-06T08:00") == 1  # a year after it was published: the question
    [mail] = outbox("pieter@kozijnbank.example")
    assert "/notifications/solution/" in mail.body
    assert "Yes, we still offer this" in mail.html_body
    assert notify("2028-01-06T08:00") == 0
    session.refresh(solution)
    assert solution.status == SolutionStatus.PAUSED


# -- escalation ---------------------------------------------------------------------------------


def test_question_without_fit_after_thirty_days(
    session, market, make_match, make_question, notify, outbox, coordinator
):
    old = market["question"]
    newer_at = FRIDAY + timedelta(days=5)
    with time_machine.travel(newer_at, tick=False):
        newer = make_question(market["corporation"], "Hergebruikte dakgoten")
    liked = make_match(FRIDAY, question=newer)
    make_match(FRIDAY)
    now = FRIDAY + timedelta(days=31)
    assert questions_without_fit(session, None, now) == [old]
    assert questions_without_fit(session, None, now + timedelta(days=10)) == [old, newer]
    liked.question_feedback = Feedback.INTERESTING
    session.commit()
    assert questions_without_fit(session, None, now + timedelta(days=10)) == [old]
    notify("2027-01-04T08:00")
    [mail] = outbox("sanne@nice.example")
    assert "Vragen zonder passend aanbod" in mail.body
    assert old.title in mail.body.split("Vragen zonder passend aanbod")[1]


# -- stage changes ------------------------------------------------------------------------------


def test_the_other_side_hears_of_a_stage_change(client, auth, market, make_match, outbox):
    match = make_match(FRIDAY, status=MatchStatus.INTRODUCED)
    auth.login("marieke@hondsrug.example")
    client.post(f"/coordination/matches/{match.id}/move", data={"status": "in_gesprek"})
    [mail] = outbox("pieter@kozijnbank.example")
    assert "In talks" in mail.subject
    assert f"/coordination/matches/{match.id}" in mail.body
    assert f'href="http://localhost/coordination/matches/{match.id}"' in mail.html_body
    assert outbox("marieke@hondsrug.example") == []


# -- delivery -----------------------------------------------------------------------------------


def test_smtp_delivery_is_multipart_with_the_headers(app, monkeypatch):
    from circular_platform import mail

    sent = []

    class FakeSMTP:
        def __init__(self, *args, **kwargs): ...
        def __enter__(self):
            return self

        def __exit__(self, *args): ...
        def starttls(self): ...
        def send_message(self, message):
            sent.append(message)

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    message = OutboxMessage(
        recipient="a@example.org",
        subject="Onderwerp",
        body="Tekst\n",
        html_body="<p>Tekst</p>",
        headers={
            "List-Unsubscribe": "<http://localhost/x>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    mail.deliver(message, {**app.config, "MAIL_SERVER": "smtp.example.org", "MAIL_USERNAME": ""})
    [email] = sent
    assert email.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in email.iter_parts()] == ["text/plain", "text/html"]
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_second_run_at_the_same_time_does_nothing(engine, session):
    """Two app servers: on PostgreSQL the advisory lock lets one run work and the other stop."""
    from sqlalchemy import func

    from circular_platform.notifications import run

    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises the runs with its write lock instead")
    with engine.connect() as other, other.begin():
        assert other.scalar(select(func.pg_try_advisory_xact_lock(run.LOCK_KEY)))
        assert run.run(session, FRIDAY) is None


def test_owner_renews_an_expired_question_on_its_page(client, auth, session, market, notify, clock):
    question = market["question"]
    notify("2027-06-05T08:00")
    session.refresh(question)
    assert question.status == QuestionStatus.EXPIRED
    auth.login("marieke@hondsrug.example")
    client.post(f"/questions/{question.id}/status", data={"status": "open"})
    session.refresh(question)
    assert question.status == QuestionStatus.OPEN
    assert question.valid_until == date(2027, 12, 5)
