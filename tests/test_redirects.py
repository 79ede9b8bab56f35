"""The old Dutch URLs answer with a permanent redirect to the English ones, query arguments translated."""

from __future__ import annotations

import pytest

from circular_platform.redirects import OLD_PATHS


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/coordination/regio", "/coordination/region"),
        ("/coordination/regio?province=3&theme=bouw", "/coordination/region?province=3&theme=bouw"),
        ("/coordination/regio/vraag.csv", "/coordination/region/demand.csv"),
        ("/coordination/regio/kwartalen.csv", "/coordination/region/quarters.csv"),
        ("/coordination/regio/kwartalen.svg?province=3", "/coordination/region/quarters.svg?province=3"),
        ("/coordination/aanbestedingen", "/coordination/procurement"),
        ("/coordination/aanbestedingen.csv", "/coordination/procurement.csv"),
        ("/coordination/aanbestedingen.svg", "/coordination/procurement.svg"),
        ("/coordination/bundels", "/coordination/bundles"),
        ("/coordination/bundels?drempel=0.3&theme=bouw", "/coordination/bundles?threshold=0.3&theme=bouw"),
        ("/coordination/bundels.csv", "/coordination/bundles.csv"),
        ("/coordination/bundels/7", "/coordination/bundles/7"),
        ("/coordination/bundles?drempel=0.3", "/coordination/bundles?threshold=0.3"),
        ("/coordination/?age=maand&theme=bouw", "/coordination/?age=month&theme=bouw"),
        ("/coordination/?age=ouder", "/coordination/?age=older"),
        ("/search/?q=hennep+Assen&plaats=nee", "/search/?q=hennep+Assen&place=no"),
        ("/admin/import/voorbeeld-questions.csv", "/admin/import/example-questions.csv"),
        ("/admin/import/voorbeeld-solutions.csv", "/admin/import/example-solutions.csv"),
    ],
)
def test_old_urls_redirect_permanently(client, old, new):
    response = client.get(old)
    assert response.status_code == 308
    assert response.headers["Location"] == new


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/coordination/bundels/7/naam", "/coordination/bundles/7/name"),
        ("/coordination/bundels/7/status", "/coordination/bundles/7/status"),
        ("/coordination/bundels/7/vragen", "/coordination/bundles/7/questions"),
        ("/coordination/bundels/7/vragen/9/verwijderen", "/coordination/bundles/7/questions/9/remove"),
    ],
)
@pytest.mark.app_config(WTF_CSRF_ENABLED=False)
def test_forms_posted_to_old_urls_are_sent_on_with_their_method(client, old, new):
    response = client.post(old, data={"label": "Renovatie"})
    assert response.status_code == 308
    assert response.headers["Location"] == new


def test_every_old_path_is_tested():
    assert len(OLD_PATHS) == 15


def test_current_urls_with_english_arguments_are_served(client):
    assert client.get("/search/?q=hennep&place=no").status_code == 200
