"""The audit log of what coordinators and administrators did

Revision ID: 828f4f25cea7
Revises: c1de34955618
Create Date: 2026-12-04 21:21:16.237919
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "828f4f25cea7"
down_revision = "c1de34955618"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=120), nullable=False),
        sa.Column("actor_email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=True),
        sa.Column(
            "action",
            sa.Enum(
                "organisation_verified",
                "organisation_unverified",
                "organisation_edited",
                "solutions_allowed",
                "solutions_disallowed",
                "user_blocked",
                "user_unblocked",
                "coordinator_granted",
                "coordinator_revoked",
                "member_approved",
                "member_removed",
                "member_role_changed",
                "match_introduced",
                "match_rejected",
                "bundle_created",
                "bundle_renamed",
                "bundle_status_changed",
                "bundle_question_added",
                "bundle_question_removed",
                "items_imported",
                "personal_data_exported",
                "data_exported",
                "audit_exported",
                "audit_pruned",
                name="auditaction",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("target_type", sa.String(length=40), nullable=True),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("target_label", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_created_at"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_action"))

    op.drop_table("audit_entry")
