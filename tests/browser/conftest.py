"""The real app in a server thread, with the demo data, driven by Debian's Chromium through Playwright.

Run with ``make test-browser``; the normal ``make test`` leaves this folder out (pyproject addopts).
A failing test leaves a full-page screenshot in ``tests/browser/screenshots/``.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic import command
from click.testing import Result
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import BaseWSGIServer, make_server

from circular_platform import create_app
from circular_platform.db import db
from circular_platform.demo.loader import DEMO_PASSWORD
from circular_platform.models import OutboxMessage
from tests.conftest import alembic_config

playwright_api = pytest.importorskip("playwright.sync_api")

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
COORDINATOR = "coordinator@nice-drenthe.example"
CORPORATION_MEMBER = "inkoop@hondsrugwonen.example"
COMPANY_MEMBER = "info@hennepbouw.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The app on a fresh SQLite file, migrated and filled through ``flask demo load``."""
    folder = tmp_path_factory.mktemp("live")
    app = create_app(
        {
            "SECRET_KEY": "browser-test-secret",
            "DATABASE_URL": f"sqlite:///{folder / 'circulair.sqlite'}",
            "SEARCH_INDEX_DIR": str(folder / "search-index"),
            "MATCHING_MODEL_PATH": str(folder / "matcher" / "model"),
            "MATCHING_SYNC": True,
            "SEARCH_INDEXING": "inline",
            "RATELIMIT_ENABLED": False,
        }
    )
    assert db.engine is not None
    with db.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    runner = app.test_cli_runner()
    for args in (["demo", "load"], ["search", "rebuild"]):
        result: Result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    return app


@pytest.fixture(scope="session")
def base_url(live_app: Flask) -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in a failure's output
    server: BaseWSGIServer = make_server("127.0.0.1", free_port(), live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[playwright_api.Browser]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    return any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False) for when in ("setup", "call")
    )


@pytest.fixture
def new_page(
    base_url: str, browser: playwright_api.Browser, request: pytest.FixtureRequest
) -> Iterator[Callable[..., playwright_api.Page]]:
    """Opens pages, each in its own browser context (own cookies); screenshots them all on failure."""
    pages: list[playwright_api.Page] = []

    def open_page(**context_options) -> playwright_api.Page:
        context = browser.new_context(base_url=base_url, locale="nl-NL", **context_options)
        context.set_default_timeout(15_000)
        page = context.new_page()
        pages.append(page)
        return page

    yield open_page
    for number, page in enumerate(pages):
        if _failed(request):
            SCREENSHOTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::", 1)[-1])
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{number}.png"), full_page=True)
        page.context.close()


@pytest.fixture
def page(new_page: Callable[..., playwright_api.Page]) -> playwright_api.Page:
    return new_page()


def log_in(page: playwright_api.Page, email: str, password: str = DEMO_PASSWORD, remember: bool = False):
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    if remember:
        page.get_by_label("Ingelogd blijven").check()
    page.locator("main").get_by_role("button", name="Inloggen").click()
    playwright_api.expect(logout_button(page)).to_have_count(1)
    page.wait_for_load_state("load")  # the menus' script has run: a click earlier opened nothing (CI, once)


def logout_button(page: playwright_api.Page) -> playwright_api.Locator:
    """The log-out button in the user menu (hidden until the menu opens)."""
    return page.locator("form[action='/logout'] button")


@pytest.fixture
def outbox(live_app: Flask) -> Callable[[str], list[OutboxMessage]]:
    """The messages sent to one address, oldest first, read from the live database."""

    def messages(recipient: str) -> list[OutboxMessage]:
        with live_app.app_context():
            query = select(OutboxMessage).where(OutboxMessage.recipient == recipient)
            return list(db.session.scalars(query.order_by(OutboxMessage.id)))

    return messages
