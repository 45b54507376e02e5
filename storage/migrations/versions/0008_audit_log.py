"""audit log: every write's who, when, what and why; and the API's write requests

Revision ID: 0008_audit_log
Revises: 0007_staff
Create Date: 2026-11-27 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0008_audit_log"
down_revision: str | None = "0007_staff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = storage.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("occurred_at", UTC_DATETIME(), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=100), nullable=True),
        sa.Column("actor_label", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("api_request_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_record", "audit_events", ["record_type", "record_id", "id"])
    op.create_index("ix_audit_events_actor", "audit_events", ["actor_kind", "actor_id", "id"])
    op.create_index("ix_audit_events_api_request_id", "audit_events", ["api_request_id"])
    op.create_table(
        "api_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("received_at", UTC_DATETIME(), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=2048), nullable=False),
        sa.Column("lead_provider_id", sa.Uuid(), nullable=True),
        sa.Column("api_token_id", sa.Uuid(), nullable=True),
        sa.Column("request_body", sa.JSON(), nullable=True),
        sa.Column("response_status", sa.SmallInteger(), nullable=False),
        sa.Column("response_body", sa.JSON(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_requests")),
    )
    op.create_index(
        "ix_api_requests_lead_provider_id_received_at", "api_requests", ["lead_provider_id", "received_at"]
    )
    op.create_index("ix_api_requests_received_at", "api_requests", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_api_requests_received_at", table_name="api_requests")
    op.drop_index("ix_api_requests_lead_provider_id_received_at", table_name="api_requests")
    op.drop_table("api_requests")
    op.drop_index("ix_audit_events_api_request_id", table_name="audit_events")
    op.drop_index("ix_audit_events_actor", table_name="audit_events")
    op.drop_index("ix_audit_events_record", table_name="audit_events")
    op.drop_table("audit_events")
