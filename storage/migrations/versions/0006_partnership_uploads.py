"""partnership uploads: a lead provider's CSV of URNs, kept between checking and confirming

Revision ID: 0006_partnership_uploads
Revises: 0005_accounts
Create Date: 2026-11-27 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0006_partnership_uploads"
down_revision: str | None = "0005_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = storage.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "partnership_uploads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lead_provider_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("delivery_partner_id", sa.Uuid(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_DATETIME(), nullable=False),
        sa.Column("confirmed_at", UTC_DATETIME(), nullable=True),
        sa.Column("confirmed_count", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_partnership_uploads_cohort_id_cohorts")
        ),
        sa.ForeignKeyConstraint(
            ["delivery_partner_id"],
            ["delivery_partners.id"],
            name=op.f("fk_partnership_uploads_delivery_partner_id_delivery_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_provider_id"],
            ["lead_providers.id"],
            name=op.f("fk_partnership_uploads_lead_provider_id_lead_providers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_partnership_uploads_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnership_uploads")),
    )
    op.create_index(
        op.f("ix_partnership_uploads_lead_provider_id"), "partnership_uploads", ["lead_provider_id"]
    )
    op.create_index(op.f("ix_partnership_uploads_user_id"), "partnership_uploads", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_partnership_uploads_user_id"), table_name="partnership_uploads")
    op.drop_index(op.f("ix_partnership_uploads_lead_provider_id"), table_name="partnership_uploads")
    op.drop_table("partnership_uploads")
