"""Circulair Noord: matchmaking for the circular economy of Noord-Nederland."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from circular_platform import config as settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_mapping(settings.defaults(app.instance_path))
    app.config.from_mapping(settings.from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    settings.harden_for_production(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.development_secret_key(app.instance_path)
    app.config["DATABASE_URL"] = settings.normalise_database_url(app.config["DATABASE_URL"])
    app.config["PUBLIC_URL"] = settings.public_url(app.config)

    from circular_platform import web

    web.init_app(app)
    return app
