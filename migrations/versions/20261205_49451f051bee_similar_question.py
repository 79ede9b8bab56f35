"""Similar questions stored: each open question's near neighbours among the open questions

A question's page read them by ranking the question against all open questions on every view
(3 to 5 ms of CPU at 8,000 open questions), and posting a question ranked it twice more. The
rows are written when a question is ranked (posted, changed, reopened) and by the full rebuild;
until the first rebuild after this upgrade (``flask matching rebuild``) pages of questions
posted before it list no similar questions.

Revision ID: 49451f051bee
Revises: 3c8e1f6a9d27
Create Date: 2026-12-05 06:46:53
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "49451f051bee"
down_revision = "3c8e1f6a9d27"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "similar_question",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["question.id"],
            name=op.f("fk_similar_question_other_id_question"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["question.id"],
            name=op.f("fk_similar_question_question_id_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("question_id", "other_id", name=op.f("pk_similar_question")),
    )
    with op.batch_alter_table("similar_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_similar_question_other_id"), ["other_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("similar_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_similar_question_other_id"))
    op.drop_table("similar_question")
