"""Notifications: match alerts and digests, saved-search hits, question expiry, yearly solution checks.

``flask notify run`` (:mod:`.run`) does whatever is due; :mod:`.views` holds the pages that the
links in those mails open without logging in.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from circular_platform.notifications.cli import notify_cli

    app.cli.add_command(notify_cli)
