"""Similar questions: no foreign keys; a trigger drops a deleted question's rows

The rows are derived (the matcher's neighbours, replaced by every rebuild). Their two foreign
keys made each posted question lock its hundred neighbours' rows to check that they exist: storing
a question's neighbours took PostgreSQL 2.7 ms with them, 1.1 ms without. The cascade they gave is
now a trigger on ``question``, which costs nothing when rows are stored.

Revision ID: e7f8a9b0c1d2
Revises: d5a6b7c8e9f0
Create Date: 2026-12-06 00:40:00
"""

from __future__ import annotations

from alembic import op

revision = "e7f8a9b0c1d2"
down_revision = "d5a6b7c8e9f0"
branch_labels = None
depends_on = None

FOREIGN_KEYS = {
    "fk_similar_question_question_id_question": "question_id",
    "fk_similar_question_other_id_question": "other_id",
}
FORGET = "DELETE FROM similar_question WHERE question_id = OLD.id OR other_id = OLD.id"


def upgrade() -> None:
    with op.batch_alter_table("similar_question") as batch_op:
        for name in FOREIGN_KEYS:
            batch_op.drop_constraint(name, type_="foreignkey")
    if _postgresql():
        op.execute(
            "CREATE FUNCTION forget_similar_questions() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {FORGET}; RETURN OLD; END $$"
        )
        op.execute(
            "CREATE TRIGGER forget_similar_questions AFTER DELETE ON question "
            "FOR EACH ROW EXECUTE FUNCTION forget_similar_questions()"
        )
    else:
        op.execute(
            "CREATE TRIGGER forget_similar_questions AFTER DELETE ON question "
            f"FOR EACH ROW BEGIN {FORGET}; END"
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER forget_similar_questions" + (" ON question" if _postgresql() else ""))
    if _postgresql():
        op.execute("DROP FUNCTION forget_similar_questions()")
    # Rows stored for a question deleted meanwhile by another process would fail the keys.
    op.execute(
        "DELETE FROM similar_question WHERE question_id NOT IN (SELECT id FROM question) "
        "OR other_id NOT IN (SELECT id FROM question)"
    )
    with op.batch_alter_table("similar_question") as batch_op:
        for name, column in FOREIGN_KEYS.items():
            batch_op.create_foreign_key(name, "question", [column], ["id"], ondelete="CASCADE")


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"
