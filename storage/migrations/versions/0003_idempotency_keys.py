"""idempotency keys

Revision ID: 0003_idempotency_keys
Revises: 0002
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0003_idempotency_keys"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("lead_provider_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("response_status", sa.SmallInteger(), nullable=True),
        sa.Column("response_content_type", sa.String(length=255), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint(
            "response_status IS NULL OR response_status BETWEEN 200 AND 499",
            name=op.f("ck_idempotency_keys_stored_status"),
        ),
        sa.CheckConstraint(
            "(response_status IS NULL) = (response_body IS NULL)",
            name=op.f("ck_idempotency_keys_status_with_body"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_provider_id"],
            ["lead_providers.id"],
            name=op.f("fk_idempotency_keys_lead_provider_id_lead_providers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lead_provider_id", "key", name=op.f("pk_idempotency_keys")),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index("ix_idempotency_keys_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_idempotency_keys_created_at")

    op.drop_table("idempotency_keys")
