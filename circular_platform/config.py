"""Configuration: safe development defaults, then the environment, then ``test_config``."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ENV_KEYS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "SEARCH_INDEX_DIR",
    "OPEN_DATA_DIR",
    "SEARCH_BACKEND",
    "SEARCH_INDEXING",
    "MATCHING_MODEL_PATH",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_DEFAULT_SENDER",
    "RATELIMIT_STORAGE_URI",
    "SERVER_NAME",
    "PREFERRED_URL_SCHEME",
    "PUBLIC_URL",
    "TRUSTED_HOSTS",
    "TRUSTED_PROXIES",
    "REDIS_URL",
    "NOTIFY_EVERY_SECONDS",
)


def defaults(instance_path: str) -> dict:
    instance = Path(instance_path)
    return {
        "ENV": "development",
        "DATABASE_URL": f"sqlite:///{instance / 'circulair.sqlite'}",
        "SEARCH_INDEX_DIR": str(instance / "search-index"),
        "OPEN_DATA_DIR": str(instance / "open-data"),  # the open-data files, written when items change
        "SEARCH_BACKEND": "whoosh",
        "MATCHING_MODEL_PATH": str(instance / "matcher" / "model"),
        "MATCHING_SYNC": False,  # rebuild in the request's thread instead of a background one (tests)
        "MATCHING_MODEL_CHECK_SECONDS": 10,  # how often a process asks for a newer matcher (None: never)
        "REDIS_URL": "",  # set: background work goes on the RQ queue there (circular_platform.background)
        "NOTIFY_EVERY_SECONDS": 60,  # how often `flask worker` queues `flask notify run` (queue mode)
        "SEARCH_INDEXING": "background",  # or "inline" (tests), "off" (flask search drain)
        "SEARCH_RETRY_SECONDS": 30,
        "MAIL_SERVER": "",
        "MAIL_PORT": 587,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",  # empty default; the password comes from the environment  # nosec B105
        "MAIL_USE_TLS": True,
        "MAIL_USE_SSL": False,
        "MAIL_DEFAULT_SENDER": "Circulair Noord <noreply@circulair-noord.nl>",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "nl",
        "LANGUAGES": ("nl", "en"),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "CONFIRM_TOKEN_MAX_AGE": 3 * 24 * 3600,
        "RESET_TOKEN_MAX_AGE": 3600,  # a lifetime in seconds, not a secret  # nosec B105
        "PASSWORD_MIN_LENGTH": 12,  # a length rule, not a secret  # nosec B105
        "PUBLIC_URL": "",  # where mail links point; derived in development, required in production
        "TRUSTED_HOSTS": None,  # Flask refuses other Host headers; production: PUBLIC_URL's host
        "TRUSTED_PROXIES": 0,  # reverse proxies in front of the app whose X-Forwarded-* we believe
        "API_RATE_LIMIT": "120 per minute;5000 per hour",  # per token, or per address without one
        "OPEN_DATA_LICENSE": "https://creativecommons.org/licenses/by/4.0/",
        "OPEN_DATA_PUBLISHER": "Circulair Noord",
    }


def from_environment() -> dict:
    config: dict = {key: os.environ[key] for key in ENV_KEYS if os.environ.get(key)}
    if "MAIL_PORT" in config:
        config["MAIL_PORT"] = int(config["MAIL_PORT"])
    for number in ("TRUSTED_PROXIES", "NOTIFY_EVERY_SECONDS"):
        if number in config:
            config[number] = int(config[number])
    if "REDIS_URL" in config and "RATELIMIT_STORAGE_URI" not in config:
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]  # counts shared by every server
    if "TRUSTED_HOSTS" in config:
        config["TRUSTED_HOSTS"] = [
            host.strip() for host in config["TRUSTED_HOSTS"].split(",") if host.strip()
        ]
    for flag in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        if flag in config:
            config[flag] = config[flag].lower() in {"1", "true", "yes", "on"}
    env = os.environ.get("CIRCULAR_ENV") or os.environ.get("FLASK_ENV")
    if env:
        config["ENV"] = env
    return config


def harden_for_production(config: dict) -> None:
    """In production cookies are Secure and ``__Host-`` prefixed, SECRET_KEY and PUBLIC_URL are
    required, and only PUBLIC_URL's host (or TRUSTED_HOSTS) is served."""
    if config["ENV"] != "production":
        return
    for key in ("SECRET_KEY", "PUBLIC_URL"):
        if not config.get(key):
            raise RuntimeError(f"{key} must be set in the environment in production.")
    if config.get("TRUSTED_HOSTS") is None:
        config["TRUSTED_HOSTS"] = [urlsplit(config["PUBLIC_URL"]).hostname]
    config.update(
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_NAME="__Host-session",
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_NAME="__Host-remember_token",
        PREFERRED_URL_SCHEME="https",
    )


def public_url(config: dict) -> str:
    """``PUBLIC_URL`` without a trailing slash; in development derived from SERVER_NAME or localhost.

    Raises RuntimeError for a URL that is not http(s) with a host: every mailed link depends on it.
    """
    url = config.get("PUBLIC_URL") or ""
    if not url:
        scheme = config.get("PREFERRED_URL_SCHEME") or "http"
        url = f"{scheme}://{config.get('SERVER_NAME') or 'localhost:5000'}"
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(f"PUBLIC_URL must look like https://circulair-noord.nl, not {url!r}.")
    return url.rstrip("/")


def development_secret_key(instance_path: str) -> str:
    """A random key generated once and kept in ``instance/`` so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Accept the ``postgres://`` URLs that hosting platforms hand out and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
