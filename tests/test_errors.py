"""The error pages people see when something breaks on our side."""

from __future__ import annotations

import pytest


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "Wat u net deed, is waarschijnlijk niet opgeslagen."),
        ("en", "What you just did has probably not been saved."),
    ],
)
def test_server_error_page_says_plainly_what_happened(app, language, expected):
    def broken():
        raise RuntimeError("kapot")

    app.add_url_rule("/kapot", view_func=broken)
    response = app.test_client().get("/kapot", headers={"Accept-Language": language})
    assert response.status_code == 500
    assert expected in response.text
    assert "half" not in response.text
