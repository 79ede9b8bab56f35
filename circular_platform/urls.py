"""URLs that cross the site's edge: the ``next`` target a request asks for, and the links in mail.

Both come from one place so no view builds them its own way. A ``next`` target is followed only
when it is a path on this site; mail links are built from ``PUBLIC_URL``, never from the Host
header of the request that happened to trigger the mail.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import current_app, request


def is_local_path(target: str) -> bool:
    """True for a path on this site: no scheme, no host, no backslash, no control characters.

    Browsers drop tabs and line breaks from a URL and read ``\\`` as ``/``, so ``/\\t/evil.example``
    would leave the site; a line break in a ``Location`` header is refused by the server (a 500).
    """
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(default: str) -> str:
    """The request's ``next`` parameter if it is a path on this site, else ``default``."""
    target = request.args.get("next", "")
    return target if is_local_path(target) else default


def public_url(endpoint: str, **values: object) -> str:
    """An absolute URL on ``PUBLIC_URL`` for mail and other places outside the request."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
