"""visible training records: each provider's visible training records, kept ready for the lists

Revision ID: 0010_visible_training_records
Revises: 0009_admin_search
Create Date: 2026-11-28 01:00:00.000000

The table holds derived data (``storage.models.visibility``); the upgrade fills it with
``storage.visible_records.rebuild``, which reads the induction records as the current code does.
Being derived, it is always safe to empty and rebuild (``cpd sandbox reset`` and the benchmark
seed do).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.visible_records import rebuild

revision: str = "0010_visible_training_records"
down_revision: str | None = "0009_admin_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PROFILE_TYPES = ("ect", "mentor")
_TRAINING_STATUSES = ("active", "deferred", "withdrawn")


def upgrade() -> None:
    op.create_table(
        "visible_training_records",
        sa.Column("lead_provider_id", sa.Uuid(), nullable=False),
        sa.Column("participant_profile_id", sa.Uuid(), nullable=False),
        sa.Column("induction_record_id", sa.Uuid(), nullable=False),
        sa.Column("teacher_id", sa.Uuid(), nullable=False),
        sa.Column(
            "profile_type",
            sa.Enum(*_PROFILE_TYPES, name="visible_profile_type", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("mentor_profile_id", sa.Uuid(), nullable=True),
        sa.Column("schedule_cohort", sa.Integer(), nullable=False),
        sa.Column(
            "training_status",
            sa.Enum(
                *_TRAINING_STATUSES, name="visible_training_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("teacher_created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("profile_created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("api_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("others_live_declarations", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_provider_id"],
            ["lead_providers.id"],
            name=op.f("fk_visible_training_records_lead_provider_id_lead_providers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_profile_id"],
            ["participant_profiles.id"],
            name=op.f("fk_visible_training_records_participant_profile_id_participant_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["induction_record_id"],
            ["induction_records.id"],
            name=op.f("fk_visible_training_records_induction_record_id_induction_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"],
            ["teachers.id"],
            name=op.f("fk_visible_training_records_teacher_id_teachers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "lead_provider_id", "participant_profile_id", name=op.f("pk_visible_training_records")
        ),
    )
    op.create_index(
        "ix_visible_training_records_induction_record_id", "visible_training_records", ["induction_record_id"]
    )
    op.create_index("ix_visible_training_records_teacher_id", "visible_training_records", ["teacher_id"])
    op.create_index(
        "ix_visible_training_records_participant_profile_id",
        "visible_training_records",
        ["participant_profile_id"],
    )
    op.create_index(
        "ix_visible_training_records_by_registration",
        "visible_training_records",
        [
            "lead_provider_id",
            "teacher_created_at",
            "teacher_id",
            "profile_created_at",
            "participant_profile_id",
        ],
    )
    op.create_index(
        "ix_visible_training_records_by_stamp",
        "visible_training_records",
        ["lead_provider_id", "api_updated_at"],
    )
    op.create_index(
        "ix_visible_training_records_mentor",
        "visible_training_records",
        ["lead_provider_id", "mentor_profile_id"],
    )
    op.create_index(
        "ix_visible_training_records_others_declared",
        "visible_training_records",
        ["lead_provider_id", "participant_profile_id"],
        sqlite_where=sa.text("others_live_declarations"),
        postgresql_where=sa.text("others_live_declarations"),
    )
    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("visible_training_records")
