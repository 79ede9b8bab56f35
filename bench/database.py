"""The benchmarks' starting point: an empty database at the newest migration with the regions."""

from __future__ import annotations

from alembic import command

from circular_platform import regions
from circular_platform.db import db
from tests.conftest import alembic_config


def migrated_with_regions() -> None:
    """In an app context: every table dropped and migrated again, then the provinces and
    municipalities loaded, as ``flask regions load`` leaves a new installation."""
    with db.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
        command.upgrade(alembic_config(connection), "head")
    regions.load_provinces(db.session)
    regions.load_municipalities(db.session)
    db.session.commit()
