"""Absolute links for mails, which are written outside any request (``flask notify run``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, url_for


def public_url(endpoint: str, **values: Any) -> str:
    """The link on ``PUBLIC_URL`` (e.g. https://circulair-noord.nl), else the request's or SERVER_NAME's."""
    base = current_app.config.get("PUBLIC_URL")
    if not base:
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
