"""gunicorn's settings for Circulair Noord (`make serve`, deploy/): `gunicorn wsgi:app` reads them.

WEB_CONCURRENCY worker processes (default 2), listening on BIND (default 127.0.0.1:8000).
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = "-"
# The app's TRUSTED_PROXIES is the one setting for reverse proxies (Werkzeug's ProxyFix): gunicorn
# itself must not also take the scheme from X-Forwarded-Proto (it trusts 127.0.0.1 by default).
secure_scheme_headers: dict[str, str] = {}
control_socket_disable = True  # gunicorn 24+: no `gunicornc` socket in the home folder (unused here)


def post_worker_init(worker):
    """Load the fitted matcher before the first request instead of in it (about 1 s)."""
    from circular_platform.matches.store import load_at_start

    load_at_start(worker.wsgi)
