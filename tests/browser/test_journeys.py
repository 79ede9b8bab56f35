"""What a first week on the platform asks of it, clicked through in Chromium."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from circular_platform.db import db
from circular_platform.models import Match, MatchStatus
from circular_platform.review.services import contact_persons
from tests.browser.conftest import (
    COMPANY_MEMBER,
    COORDINATOR,
    CORPORATION_MEMBER,
    log_in,
    logout_button,
)

STRONG_PASSWORD = "groene kozijnen uit Veendam blijven staan"


def confirm_link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/confirm/\S+)", body)
    assert match, body
    return match.group(1)


def test_register_an_organisation_and_confirm_through_the_outbox(page: Page, outbox):
    page.goto("/")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Registreren").click()
    page.get_by_label("Naam van de organisatie").fill("Kringloopbouw Veendam B.V.")
    page.get_by_label("Soort organisatie").select_option(label="Bedrijf")
    page.get_by_label("Gemeente").select_option(label="Veendam")
    page.get_by_label("Uw naam").fill("Gerda Mulder")
    page.get_by_label("E-mailadres").fill("gerda@kringloopbouw.example")
    page.get_by_label("Wachtwoord", exact=True).fill(STRONG_PASSWORD)
    page.get_by_label("Herhaal wachtwoord").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Account en organisatie aanmaken").click()
    expect(page.get_by_role("heading", name="Kijk in uw mailbox")).to_be_visible()

    (mail,) = outbox("gerda@kringloopbouw.example")
    page.goto(confirm_link(mail.body))
    expect(page.locator(".alert")).to_contain_text("bevestigd")
    log_in(page, "gerda@kringloopbouw.example", STRONG_PASSWORD)
    page.goto("/dashboard")
    expect(page.get_by_role("main")).to_contain_text("Kringloopbouw Veendam B.V.")


def post_question(page: Page, title: str, description: str) -> None:
    page.goto("/questions/new")
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Omschrijving").fill(description)
    page.get_by_label("Thema").select_option(label="Bouw")
    page.get_by_label("Sector (bij Bouw)").select_option(index=1)
    page.get_by_label("Gemeente").select_option(label="Emmen")
    page.get_by_role("button", name="Publiceren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_post_a_question_see_explained_suggestions_and_edit_it(page: Page):
    log_in(page, CORPORATION_MEMBER)
    post_question(
        page,
        "Isolatie van hennep voor 60 rijwoningen",
        "Wij renoveren 60 rijwoningen in Emmen en zoeken biobased isolatie, liefst hennepvezel of stro.",
    )
    suggestions = page.locator("#suggesties article")
    expect(suggestions.first).to_be_visible()
    explanation = suggestions.first.locator("mark.match-term")
    expect(explanation.first).to_be_visible()
    assert explanation.count() >= 1
    expect(page.locator("#suggesties")).to_contain_text("Waarom:")

    page.get_by_role("link", name="Bewerken").first.click()
    page.get_by_label("Titel").fill("Isolatie van hennep voor 64 rijwoningen")
    page.get_by_role("button", name="Wijzigingen opslaan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Isolatie van hennep voor 64 rijwoningen")


def test_publish_a_solution_and_give_feedback_on_a_suggestion(page: Page):
    log_in(page, COMPANY_MEMBER)
    page.goto("/solutions/new")
    page.get_by_label("Titel").fill("Hergebruikte houten kozijnen uit sloopwoningen")
    page.get_by_label("Omschrijving").fill(
        "Wij oogsten houten kozijnen uit sloop en renovatie van woningen in Drenthe en leveren ze "
        "gecontroleerd en geschilderd terug voor renovatie van rijwoningen."
    )
    page.get_by_label("Bouw").check()
    page.get_by_label("Provincies").select_option(label="Drenthe")
    page.get_by_role("button", name="Publiceren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Hergebruikte houten kozijnen uit sloopwoningen"
    )

    first = page.locator("article.card").filter(has=page.get_by_role("button", name="Interessant")).first
    first.get_by_role("button", name="Interessant").click()
    expect(
        page.locator("article.card").get_by_role("button", name="Interessant", pressed=True).first
    ).to_be_visible()


def bilingual_proposal(app: Flask) -> int:
    """A proposed match whose question side reads English and whose solution side reads Dutch."""
    with app.app_context():
        for match in db.session.scalars(select(Match).where(Match.status == MatchStatus.PROPOSED)):
            question_side, solution_side = contact_persons(match.question), contact_persons(match.solution)
            if (
                len(question_side) == len(solution_side) == 1
                and question_side[0].language == "en"
                and solution_side[0].language == "nl"
            ):
                return match.id
    pytest.fail("the demo data has no proposal between an English and a Dutch contact")


def test_a_coordinator_introduces_two_parties_each_in_their_own_language(page: Page, live_app, outbox):
    match_id = bilingual_proposal(live_app)
    with live_app.app_context():
        match = db.session.get(Match, match_id)
        english = contact_persons(match.question)[0].email
        dutch = contact_persons(match.solution)[0].email
    before = {email: len(outbox(email)) for email in (english, dutch)}

    log_in(page, COORDINATOR)
    page.goto(f"/coordination/matches/{match_id}")
    page.locator("summary", has_text="Introduceren").click()
    page.get_by_label("Uw toelichting voor beide partijen").fill("Jullie zoeken allebei biobased bouwen.")
    page.get_by_role("button", name="Introductie-e-mail versturen aan beide contactpersonen").click()
    expect(page.locator(".alert").first).to_be_visible()

    (to_english,) = outbox(english)[before[english] :]
    (to_dutch,) = outbox(dutch)[before[dutch] :]
    assert to_english.subject.startswith("Introduction via Circulair Noord")
    assert "Dear" in to_english.body or "Hello" in to_english.body
    assert to_dutch.subject.startswith("Kennismaking via Circulair Noord")
    assert "Beste" in to_dutch.body
    for mail in (to_english, to_dutch):
        assert "Jullie zoeken allebei biobased bouwen." in mail.body


def a_proposal(app: Flask) -> int:
    with app.app_context():
        query = select(Match.id).where(Match.status == MatchStatus.PROPOSED).order_by(Match.id.desc())
        return db.session.scalars(query).first()


def test_reject_with_a_note_keeps_the_note(page: Page, live_app):
    match_id = a_proposal(live_app)
    log_in(page, COORDINATOR)
    page.goto(f"/coordination/matches/{match_id}")
    page.locator("summary", has_text="Afwijzen").click()
    page.locator(f"input[name=reason][id^=reason-{match_id}-]").first.check()
    page.get_by_label("Toelichting (verplicht bij Anders)").fill("Het aanbod is te klein voor deze vraag.")
    page.get_by_role("button", name="Match afwijzen").click()

    page.goto(f"/coordination/matches/{match_id}")
    expect(page.get_by_text("Afgewezen", exact=False).first).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Het aanbod is te klein voor deze vraag.")


def test_log_in_with_remember_me_then_log_out_and_stay_logged_out(page: Page, browser):
    log_in(page, CORPORATION_MEMBER, remember=True)
    assert any(cookie["name"].endswith("remember_token") for cookie in page.context.cookies())

    page.locator(".nav-link.dropdown-toggle").click()
    logout_button(page).click()
    expect(
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Inloggen")
    ).to_be_visible()

    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/login"))
    # The browser is closed and opened again with what it kept: still logged out.
    reopened = browser.new_context(
        base_url=page.url.split("/login")[0], storage_state=page.context.storage_state()
    )
    try:
        again = reopened.new_page()
        again.goto("/dashboard")
        expect(again).to_have_url(re.compile(r"/login"))
    finally:
        reopened.close()


def test_switch_to_english_and_it_stays(page: Page):
    page.goto("/questions/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/questions/"))
    nav = page.get_by_role("navigation", name="Main menu")
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    page.goto("/solutions/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")


def tab_to(page: Page, selector: str, limit: int = 120) -> None:
    """Press Tab until the element matching ``selector`` has the focus; fail if it never gets it."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{selector} cannot be reached with the Tab key")


def test_post_a_question_with_the_keyboard_only(page: Page):
    log_in(page, CORPORATION_MEMBER)
    page.goto("/dashboard")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Naar de inhoud"
    page.keyboard.press("Enter")  # the skip link: the next Tab lands in the page's content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    tab_to(page, "main a[href='/questions/new']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/questions/new"))

    tab_to(page, "#title")
    page.keyboard.type("Gerecyclede kunststof bankjes voor 12 schoolpleinen")
    tab_to(page, "#description")
    page.keyboard.type(
        "Wij zoeken bankjes van gerecycled kunststof voor de schoolpleinen van onze basisscholen."
    )
    tab_to(page, "#theme")
    page.keyboard.type("Kunststoffen")
    tab_to(page, "#municipality_id")
    page.keyboard.type("Emmen")
    tab_to(page, "button[name=publish]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Gerecyclede kunststof bankjes voor 12 schoolpleinen"
    )
