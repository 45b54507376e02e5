"""api change stamps: api_updated_at per API resource, the sync clock

Each table behind an API resource gets the resource's own change stamp (teachers get three:
participant, transfers, unfunded mentor), indexed for ``filter[updated_since]``, and filled
from the expressions the API computed at read time until now (``storage.sync_backfill``), so
nothing a provider sees changes on upgrade. The old ``updated_at`` indexes served only those
filters and go. ``api_sync_clock`` holds the last stamp handed out (``domain.sync``).

Revision ID: 0004_api_updated_at
Revises: 0003_idempotency_keys
Create Date: 2026-12-02 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base
from storage.sync_backfill import backfill

revision: str = "0004_api_updated_at"
down_revision: str | None = "0003_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = storage.models.base.UTCDateTime

#: Table → its API stamp columns.
STAMPS = {
    "teachers": ("api_updated_at", "transfers_api_updated_at", "unfunded_mentor_api_updated_at"),
    "participant_declarations": ("api_updated_at",),
    "partnerships": ("api_updated_at",),
    "schools": ("api_updated_at",),
    "school_cohorts": ("api_updated_at",),
    "delivery_partners": ("api_updated_at",),
    "statements": ("api_updated_at",),
}


def upgrade() -> None:
    op.create_table(
        "api_sync_clock",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("last_stamp", UTC_DATETIME(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_api_sync_clock_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_sync_clock")),
    )
    for table, columns in STAMPS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.add_column(sa.Column(column, UTC_DATETIME(), nullable=True))
    backfill(op.get_bind())
    for table, columns in STAMPS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, existing_type=UTC_DATETIME(), nullable=False)
                batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)
            batch_op.drop_index(f"ix_{table}_updated_at")


def downgrade() -> None:
    for table, columns in STAMPS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f"ix_{table}_updated_at", ["updated_at"], unique=False)
            for column in columns:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
                batch_op.drop_column(column)
    op.drop_table("api_sync_clock")
