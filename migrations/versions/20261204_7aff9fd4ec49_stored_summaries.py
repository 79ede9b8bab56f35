"""Question and solution: the description's plain-text summary, stored on save

Revision ID: 7aff9fd4ec49
Revises: a7e3c0d91b52
Create Date: 2026-12-04 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from circular_platform.markdown import summary_of

revision = "7aff9fd4ec49"
down_revision = "a7e3c0d91b52"
branch_labels = None
depends_on = None

TABLES = ("question", "solution")
BATCH = 1000


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("summary", sa.Text(), nullable=False, server_default=""))
        _fill(name)


def _fill(name: str) -> None:
    """The summaries of the existing rows, computed as the services compute them on save."""
    table = sa.table(name, sa.column("id", sa.Integer), sa.column("description", sa.Text))
    summary = sa.table(name, sa.column("id", sa.Integer), sa.column("summary", sa.Text))
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
            summary.update()
            .where(summary.c.id == sa.bindparam("row_id"))
            .values(summary=sa.bindparam("text")),
            [{"row_id": row_id, "text": summary_of(description or "")} for row_id, description in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("summary")
