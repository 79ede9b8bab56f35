"""Question and solution: the whole description as plain text, stored when it is set

Revision ID: 3c8e1f6a9d27
Revises: 7a4d2f8c6e15
Create Date: 2026-12-05 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from circular_platform.markdown import plain_description

revision = "3c8e1f6a9d27"
down_revision = "7a4d2f8c6e15"
branch_labels = None
depends_on = None

TABLES = ("question", "solution")
BATCH = 1000


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("description_text", sa.Text(), nullable=False, server_default=""))
        _fill(name)


def _fill(name: str) -> None:
    """The plain texts of the existing rows, as the models derive them when a description is set."""
    table = sa.table(name, sa.column("id", sa.Integer), sa.column("description", sa.Text))
    plain = sa.table(name, sa.column("id", sa.Integer), sa.column("description_text", sa.Text))
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, table.c.description)
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            plain.update()
            .where(plain.c.id == sa.bindparam("row_id"))
            .values(description_text=sa.bindparam("text")),
            [
                {"row_id": row_id, "text": plain_description(description or "")}
                for row_id, description in rows
            ],
        )
        last = rows[-1].id


def downgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("description_text")
