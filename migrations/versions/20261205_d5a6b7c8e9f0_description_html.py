"""Question and solution: the description's sanitised HTML, stored when it is set

Their pages converted the Markdown and sanitised the HTML on every view (3 % of a question
page's time); the models now store the HTML when the description is set, and this fills it in
for the rows there are.

Revision ID: d5a6b7c8e9f0
Revises: c4f1e2d3a5b6
Create Date: 2026-12-05 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from circular_platform.markdown import render_markdown

revision = "d5a6b7c8e9f0"
down_revision = "c4f1e2d3a5b6"
branch_labels = None
depends_on = None

TABLES = ("question", "solution")
BATCH = 1000


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("description_html", sa.Text(), nullable=False, server_default=""))
        _fill(name)


def _fill(name: str) -> None:
    """The HTML of the existing rows, as the models derive it when a description is set."""
    table = sa.table(name, sa.column("id", sa.Integer), sa.column("description", sa.Text))
    html = sa.table(name, sa.column("id", sa.Integer), sa.column("description_html", sa.Text))
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
            html.update()
            .where(html.c.id == sa.bindparam("row_id"))
            .values(description_html=sa.bindparam("html")),
            [
                {"row_id": row_id, "html": str(render_markdown(description or ""))}
                for row_id, description in rows
            ],
        )
        last = rows[-1].id


def downgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("description_html")
