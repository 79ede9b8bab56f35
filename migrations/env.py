"""Alembic environment: the app's metadata and database URL; batch mode for SQLite."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

import circular_platform.models  # noqa: F401  (registers every table)
from circular_platform import create_app
from circular_platform.db import Base, make_engine

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = config.attributes.get("url") or create_app().config["DATABASE_URL"]
    engine = make_engine(url)
    with engine.connect() as connection:
        run_migrations(connection)
    engine.dispose()
