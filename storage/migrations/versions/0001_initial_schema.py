"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27 12:13:06.115428
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appropriate_bodies",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column(
            "body_type",
            sa.Enum(
                "local_authority",
                "national",
                "teaching_school_hub",
                name="appropriate_body_type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appropriate_bodies")),
        sa.UniqueConstraint("name", name=op.f("uq_appropriate_bodies_name")),
    )
    op.create_table(
        "cohorts",
        sa.Column("start_year", sa.SmallInteger(), nullable=False),
        sa.Column("registration_start_date", sa.Date(), nullable=False),
        sa.Column("academic_year_start_date", sa.Date(), nullable=False),
        sa.Column("automatic_assignment_period_end_date", sa.Date(), nullable=False),
        sa.Column("payments_frozen_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("mentor_funding", sa.Boolean(), nullable=False),
        sa.Column("detailed_evidence_types", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("start_year BETWEEN 2000 AND 2100", name=op.f("ck_cohorts_start_year_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohorts")),
        sa.UniqueConstraint("start_year", name=op.f("uq_cohorts_start_year")),
    )
    op.create_table(
        "delivery_partners",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("discarded_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_partners")),
    )
    with op.batch_alter_table("delivery_partners", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_partners_created_at", ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_partners_name"), ["name"], unique=False)
        batch_op.create_index("ix_delivery_partners_updated_at", ["updated_at"], unique=False)

    op.create_table(
        "induction_tutors",
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_induction_tutors")),
        sa.UniqueConstraint("email", name=op.f("uq_induction_tutors_email")),
    )
    op.create_table(
        "lead_providers",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("vat_chargeable", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_providers")),
        sa.UniqueConstraint("name", name=op.f("uq_lead_providers_name")),
    )
    op.create_table(
        "teachers",
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("trn", sa.String(length=7), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("trn IS NULL OR length(trn) = 7", name=op.f("ck_teachers_trn_seven_digits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teachers")),
    )
    with op.batch_alter_table("teachers", schema=None) as batch_op:
        batch_op.create_index("ix_teachers_created_at", ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_teachers_trn"), ["trn"], unique=False)
        batch_op.create_index("ix_teachers_updated_at", ["updated_at"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("hashed_token", sa.String(length=64), nullable=False),
        sa.Column("lead_provider_id", sa.Uuid(), nullable=True),
        sa.Column(
            "scope",
            sa.Enum(
                "lead_provider", "internal", name="token_scope", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.Column("last_used_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "scope <> 'lead_provider' OR lead_provider_id IS NOT NULL",
            name=op.f("ck_api_tokens_provider_token_has_owner"),
        ),
        sa.CheckConstraint("length(hashed_token) = 64", name=op.f("ck_api_tokens_digest_length")),
        sa.ForeignKeyConstraint(
            ["lead_provider_id"],
            ["lead_providers.id"],
            name=op.f("fk_api_tokens_lead_provider_id_lead_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("hashed_token", name=op.f("uq_api_tokens_hashed_token")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_tokens_lead_provider_id"), ["lead_provider_id"], unique=False
        )

    op.create_table(
        "call_off_contracts",
        sa.Column("lead_provider_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("uplift_target", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("uplift_amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("recruitment_target", sa.Integer(), nullable=False),
        sa.Column("revised_target", sa.Integer(), nullable=True),
        sa.Column("set_up_fee", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("monthly_service_fee", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_call_off_contracts_cohort_id_cohorts")
        ),
        sa.ForeignKeyConstraint(
            ["lead_provider_id"],
            ["lead_providers.id"],
            name=op.f("fk_call_off_contracts_lead_provider_id_lead_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_off_contracts")),
        sa.UniqueConstraint(
            "lead_provider_id",
            "cohort_id",
            "version",
            name=op.f("uq_call_off_contracts_lead_provider_id_cohort_id_version"),
        ),
    )
    op.create_table(
        "lead_provider_cohorts",
        sa.Column("lead_provider_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_lead_provider_cohorts_cohort_id_cohorts")
        ),
        sa.ForeignKeyConstraint(
            ["lead_provider_id"],
            ["lead_providers.id"],
            name=op.f("fk_lead_provider_cohorts_lead_provider_id_lead_providers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lead_provider_id", "cohort_id", name=op.f("pk_lead_provider_cohorts")),
    )
    op.create_table(
        "mentor_call_off_contracts",
        sa.Column("lead_provider_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("recruitment_target", sa.Integer(), nullable=False),
        sa.Column("payment_per_participant", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_mentor_call_off_contracts_cohort_id_cohorts")
        ),
        sa.ForeignKeyConstraint(
            ["lead_provider_id"],
            ["lead_providers.id"],
            name=op.f("fk_mentor_call_off_contracts_lead_provider_id_lead_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_call_off_contracts")),
        sa.UniqueConstraint(
            "lead_provider_id",
            "cohort_id",
            "version",
            name=op.f("uq_mentor_call_off_contracts_lead_provider_id_cohort_id_version"),
        ),
    )
    op.create_table(
        "participant_id_changes",
        sa.Column("teacher_id", sa.Uuid(), nullable=False),
        sa.Column("from_participant_id", sa.Uuid(), nullable=False),
        sa.Column("to_participant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "from_participant_id <> to_participant_id",
            name=op.f("ck_participant_id_changes_changes_something"),
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["teachers.id"], name=op.f("fk_participant_id_changes_teacher_id_teachers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_id_changes")),
    )
    with op.batch_alter_table("participant_id_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participant_id_changes_from_participant_id"), ["from_participant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participant_id_changes_teacher_id"), ["teacher_id"], unique=False
        )

    op.create_table(
        "participant_identities",
        sa.Column("teacher_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("external_identifier", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["teachers.id"], name=op.f("fk_participant_identities_teacher_id_teachers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_identities")),
        sa.UniqueConstraint("email", name=op.f("uq_participant_identities_email")),
        sa.UniqueConstraint(
            "external_identifier", name=op.f("uq_participant_identities_external_identifier")
        ),
    )
    with op.batch_alter_table("participant_identities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participant_identities_teacher_id"), ["teacher_id"], unique=False
        )

    op.create_table(
        "provider_relationships",
        sa.Column("lead_provider_id", sa.Uuid(), nullable=False),
        sa.Column("delivery_partner_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("discarded_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_provider_relationships_cohort_id_cohorts")
        ),
        sa.ForeignKeyConstraint(
            ["delivery_partner_id"],
            ["delivery_partners.id"],
            name=op.f("fk_provider_relationships_delivery_partner_id_delivery_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_provider_id"],
            ["lead_providers.id"],
            name=op.f("fk_provider_relationships_lead_provider_id_lead_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_relationships")),
        sa.UniqueConstraint(
            "lead_provider_id",
            "delivery_partner_id",
            "cohort_id",
            name=op.f("uq_provider_relationships_lead_provider_id_delivery_partner_id_cohort_id"),
        ),
    )
    with op.batch_alter_table("provider_relationships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provider_relationships_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_provider_relationships_delivery_partner_id"), ["delivery_partner_id"], unique=False
        )

    op.create_table(
        "schedules",
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("schedule_identifier", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column(
            "schedule_type",
            sa.Enum(
                "ecf_standard",
                "ecf_reduced",
                "ecf_extended",
                "ecf_replacement",
                name="schedule_type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("identifier_alias", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_schedules_cohort_id_cohorts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
        sa.UniqueConstraint(
            "cohort_id", "schedule_identifier", name=op.f("uq_schedules_cohort_id_schedule_identifier")
        ),
    )
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedules_cohort_id"), ["cohort_id"], unique=False)

    op.create_table(
        "schools",
        sa.Column("urn", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("ukprn", sa.String(length=16), nullable=True),
        sa.Column("school_type_code", sa.Integer(), nullable=True),
        sa.Column("school_type_name", sa.String(length=255), nullable=True),
        sa.Column("school_status_code", sa.Integer(), nullable=False),
        sa.Column("school_status_name", sa.String(length=128), nullable=True),
        sa.Column("school_phase_type", sa.Integer(), nullable=True),
        sa.Column("school_phase_name", sa.String(length=128), nullable=True),
        sa.Column("administrative_district_code", sa.String(length=16), nullable=True),
        sa.Column("administrative_district_name", sa.String(length=255), nullable=True),
        sa.Column("section_41_approved", sa.Boolean(), nullable=False),
        sa.Column("la_code", sa.String(length=16), nullable=True),
        sa.Column("la_name", sa.String(length=255), nullable=True),
        sa.Column("address_line1", sa.String(length=255), nullable=True),
        sa.Column("address_line2", sa.String(length=255), nullable=True),
        sa.Column("address_line3", sa.String(length=255), nullable=True),
        sa.Column("postcode", sa.String(length=16), nullable=True),
        sa.Column("school_website", sa.String(length=255), nullable=True),
        sa.Column("primary_contact_email", sa.String(length=320), nullable=True),
        sa.Column("secondary_contact_email", sa.String(length=320), nullable=True),
        sa.Column("induction_tutor_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["induction_tutor_id"],
            ["induction_tutors.id"],
            name=op.f("fk_schools_induction_tutor_id_induction_tutors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schools")),
        sa.UniqueConstraint("urn", name=op.f("uq_schools_urn")),
    )
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.create_index("ix_schools_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_schools_induction_tutor_id"), ["induction_tutor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_schools_name"), ["name"], unique=False)
        batch_op.create_index("ix_schools_updated_at", ["updated_at"], unique=False)

    op.create_table(
        "statements",
        sa.Column("lead_provider_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("deadline_date", sa.Date(), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=False),
        sa.Column("output_fee", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open", "payable", "paid", name="statement_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("contract_version", sa.String(length=16), nullable=False),
        sa.Column("mentor_contract_version", sa.String(length=16), nullable=False),
        sa.Column("reconcile_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("marked_as_paid_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'paid') = (marked_as_paid_at IS NOT NULL)",
            name=op.f("ck_statements_paid_has_timestamp"),
        ),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_statements_cohort_id_cohorts")),
        sa.ForeignKeyConstraint(
            ["lead_provider_id"],
            ["lead_providers.id"],
            name=op.f("fk_statements_lead_provider_id_lead_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
        sa.UniqueConstraint(
            "lead_provider_id",
            "cohort_id",
            "name",
            name=op.f("uq_statements_lead_provider_id_cohort_id_name"),
        ),
    )
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statements_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(
            "ix_statements_provider_payment_date", ["lead_provider_id", "payment_date"], unique=False
        )
        batch_op.create_index("ix_statements_updated_at", ["updated_at"], unique=False)

    op.create_table(
        "milestones",
        sa.Column("schedule_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column(
            "declaration_type",
            sa.Enum(
                "started",
                "retained-1",
                "retained-2",
                "retained-3",
                "retained-4",
                "completed",
                "extended-1",
                "extended-2",
                "extended-3",
                name="milestone_declaration_type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("milestone_date", sa.Date(), nullable=True),
        sa.Column("payment_date", sa.Date(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "milestone_date IS NULL OR milestone_date >= start_date",
            name=op.f("ck_milestones_window_not_inverted"),
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name=op.f("fk_milestones_schedule_id_schedules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
        sa.UniqueConstraint(
            "schedule_id", "declaration_type", name=op.f("uq_milestones_schedule_id_declaration_type")
        ),
    )
    op.create_table(
        "participant_bands",
        sa.Column("call_off_contract_id", sa.Uuid(), nullable=False),
        sa.Column("band", sa.String(length=1), nullable=False),
        sa.Column("min", sa.Integer(), nullable=True),
        sa.Column("max", sa.Integer(), nullable=True),
        sa.Column("per_participant", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("output_payment_percentage", sa.Integer(), nullable=False),
        sa.Column("service_fee_percentage", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("band IN ('A', 'B', 'C', 'D')", name=op.f("ck_participant_bands_band_letter")),
        sa.CheckConstraint(
            "output_payment_percentage + service_fee_percentage = 100",
            name=op.f("ck_participant_bands_percentages_add_up"),
        ),
        sa.ForeignKeyConstraint(
            ["call_off_contract_id"],
            ["call_off_contracts.id"],
            name=op.f("fk_participant_bands_call_off_contract_id_call_off_contracts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_bands")),
        sa.UniqueConstraint(
            "call_off_contract_id", "band", name=op.f("uq_participant_bands_call_off_contract_id_band")
        ),
    )
    with op.batch_alter_table("participant_bands", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participant_bands_call_off_contract_id"), ["call_off_contract_id"], unique=False
        )

    op.create_table(
        "partnerships",
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("lead_provider_id", sa.Uuid(), nullable=False),
        sa.Column("delivery_partner_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("challenged_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "challenge_reason",
            sa.Enum(
                "another_provider",
                "not_confirmed",
                "do_not_recognise",
                "no_ects",
                "mistake",
                name="challenge_reason",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("challenge_deadline", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("relationship", sa.Boolean(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(challenge_reason IS NULL) = (challenged_at IS NULL)",
            name=op.f("ck_partnerships_challenge_fields_together"),
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_partnerships_cohort_id_cohorts")
        ),
        sa.ForeignKeyConstraint(
            ["delivery_partner_id"],
            ["delivery_partners.id"],
            name=op.f("fk_partnerships_delivery_partner_id_delivery_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_provider_id"],
            ["lead_providers.id"],
            name=op.f("fk_partnerships_lead_provider_id_lead_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_partnerships_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnerships")),
        sa.UniqueConstraint(
            "school_id",
            "lead_provider_id",
            "delivery_partner_id",
            "cohort_id",
            name=op.f("uq_partnerships_school_id_lead_provider_id_delivery_partner_id_cohort_id"),
        ),
    )
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partnerships_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index("ix_partnerships_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_partnerships_delivery_partner_id"), ["delivery_partner_id"], unique=False
        )
        batch_op.create_index(
            "ix_partnerships_provider_cohort", ["lead_provider_id", "cohort_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_partnerships_school_id"), ["school_id"], unique=False)
        batch_op.create_index("ix_partnerships_updated_at", ["updated_at"], unique=False)

    op.create_table(
        "pupil_premiums",
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("start_year", sa.SmallInteger(), nullable=False),
        sa.Column("pupil_premium_incentive", sa.Boolean(), nullable=False),
        sa.Column("sparsity_incentive", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_pupil_premiums_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pupil_premiums")),
        sa.UniqueConstraint("school_id", "start_year", name=op.f("uq_pupil_premiums_school_id_start_year")),
    )
    op.create_table(
        "school_cohorts",
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column(
            "induction_programme_choice",
            sa.Enum(
                "full_induction_programme",
                "core_induction_programme",
                "design_our_own",
                "school_funded_fip",
                "no_early_career_teachers",
                "not_yet_known",
                name="induction_programme_choice",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("default_induction_programme_id", sa.Uuid(), nullable=True),
        sa.Column("appropriate_body_id", sa.Uuid(), nullable=True),
        sa.Column("opt_out_of_updates", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appropriate_body_id"],
            ["appropriate_bodies.id"],
            name=op.f("fk_school_cohorts_appropriate_body_id_appropriate_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_school_cohorts_cohort_id_cohorts")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_school_cohorts_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_cohorts")),
        sa.UniqueConstraint("school_id", "cohort_id", name=op.f("uq_school_cohorts_school_id_cohort_id")),
    )
    with op.batch_alter_table("school_cohorts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_school_cohorts_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index("ix_school_cohorts_updated_at", ["updated_at"], unique=False)

    op.create_table(
        "statement_adjustments",
        sa.Column("statement_id", sa.Uuid(), nullable=False),
        sa.Column("payment_type", sa.String(length=255), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"], ["statements.id"], name=op.f("fk_statement_adjustments_statement_id_statements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_adjustments")),
    )
    with op.batch_alter_table("statement_adjustments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statement_adjustments_statement_id"), ["statement_id"], unique=False
        )

    op.create_table(
        "induction_programmes",
        sa.Column("school_cohort_id", sa.Uuid(), nullable=False),
        sa.Column(
            "training_programme",
            sa.Enum(
                "full_induction_programme",
                "core_induction_programme",
                "design_our_own",
                "school_funded_fip",
                name="training_programme",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("partnership_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "partnership_id IS NULL OR training_programme IN ('full_induction_programme', 'school_funded_fip')",
            name=op.f("ck_induction_programmes_only_provider_led_has_partnership"),
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_induction_programmes_partnership_id_partnerships"),
        ),
        sa.ForeignKeyConstraint(
            ["school_cohort_id"],
            ["school_cohorts.id"],
            name=op.f("fk_induction_programmes_school_cohort_id_school_cohorts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_induction_programmes")),
    )
    with op.batch_alter_table("induction_programmes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_induction_programmes_partnership_id"), ["partnership_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_induction_programmes_school_cohort_id"), ["school_cohort_id"], unique=False
        )

    op.create_table(
        "participant_profiles",
        sa.Column("teacher_id", sa.Uuid(), nullable=False),
        sa.Column("participant_identity_id", sa.Uuid(), nullable=False),
        sa.Column(
            "profile_type",
            sa.Enum("ect", "mentor", name="profile_type", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("school_cohort_id", sa.Uuid(), nullable=False),
        sa.Column("schedule_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_profile_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("active", "withdrawn", name="record_status", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "training_status",
            sa.Enum(
                "active",
                "deferred",
                "withdrawn",
                name="profile_training_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("pupil_premium_uplift", sa.Boolean(), nullable=False),
        sa.Column("sparsity_uplift", sa.Boolean(), nullable=False),
        sa.Column(
            "profile_duplicity",
            sa.Enum(
                "single",
                "primary",
                "secondary",
                name="profile_duplicity",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("induction_start_date", sa.Date(), nullable=True),
        sa.Column("induction_completion_date", sa.Date(), nullable=True),
        sa.Column("mentor_completion_date", sa.Date(), nullable=True),
        sa.Column(
            "mentor_completion_reason",
            sa.Enum(
                "completed_declaration_received",
                "completed_during_early_roll_out",
                "started_not_completed",
                name="mentor_completion_reason",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("cohort_changed_after_payments_frozen", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "profile_type = 'ect' OR (mentor_profile_id IS NULL AND induction_completion_date IS NULL)",
            name=op.f("ck_participant_profiles_ect_only_fields"),
        ),
        sa.CheckConstraint(
            "profile_type = 'mentor' OR (mentor_completion_date IS NULL AND mentor_completion_reason IS NULL)",
            name=op.f("ck_participant_profiles_mentor_only_fields"),
        ),
        sa.CheckConstraint(
            "mentor_profile_id IS NULL OR mentor_profile_id <> id",
            name=op.f("ck_participant_profiles_not_own_mentor"),
        ),
        sa.ForeignKeyConstraint(
            ["mentor_profile_id"],
            ["participant_profiles.id"],
            name=op.f("fk_participant_profiles_mentor_profile_id_participant_profiles"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_identity_id"],
            ["participant_identities.id"],
            name=op.f("fk_participant_profiles_participant_identity_id_participant_identities"),
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_participant_profiles_schedule_id_schedules")
        ),
        sa.ForeignKeyConstraint(
            ["school_cohort_id"],
            ["school_cohorts.id"],
            name=op.f("fk_participant_profiles_school_cohort_id_school_cohorts"),
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["teachers.id"], name=op.f("fk_participant_profiles_teacher_id_teachers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_profiles")),
        sa.UniqueConstraint(
            "teacher_id",
            "profile_type",
            "school_cohort_id",
            name=op.f("uq_participant_profiles_teacher_id_profile_type_school_cohort_id"),
        ),
    )
    with op.batch_alter_table("participant_profiles", schema=None) as batch_op:
        batch_op.create_index("ix_participant_profiles_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_participant_profiles_mentor_profile_id"), ["mentor_profile_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participant_profiles_participant_identity_id"),
            ["participant_identity_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_participant_profiles_schedule_id"), ["schedule_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participant_profiles_school_cohort_id"), ["school_cohort_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_participant_profiles_teacher_id"), ["teacher_id"], unique=False)

    op.create_table(
        "induction_records",
        sa.Column("participant_profile_id", sa.Uuid(), nullable=False),
        sa.Column("induction_programme_id", sa.Uuid(), nullable=False),
        sa.Column("schedule_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_profile_id", sa.Uuid(), nullable=True),
        sa.Column("preferred_identity_id", sa.Uuid(), nullable=True),
        sa.Column("appropriate_body_id", sa.Uuid(), nullable=True),
        sa.Column(
            "training_status",
            sa.Enum(
                "active",
                "deferred",
                "withdrawn",
                name="induction_training_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "induction_status",
            sa.Enum(
                "active",
                "withdrawn",
                "changed",
                "leaving",
                "completed",
                name="induction_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("start_date", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_date", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("school_transfer", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appropriate_body_id"],
            ["appropriate_bodies.id"],
            name=op.f("fk_induction_records_appropriate_body_id_appropriate_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["induction_programme_id"],
            ["induction_programmes.id"],
            name=op.f("fk_induction_records_induction_programme_id_induction_programmes"),
        ),
        sa.ForeignKeyConstraint(
            ["mentor_profile_id"],
            ["participant_profiles.id"],
            name=op.f("fk_induction_records_mentor_profile_id_participant_profiles"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_profile_id"],
            ["participant_profiles.id"],
            name=op.f("fk_induction_records_participant_profile_id_participant_profiles"),
        ),
        sa.ForeignKeyConstraint(
            ["preferred_identity_id"],
            ["participant_identities.id"],
            name=op.f("fk_induction_records_preferred_identity_id_participant_identities"),
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_induction_records_schedule_id_schedules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_induction_records")),
    )
    with op.batch_alter_table("induction_records", schema=None) as batch_op:
        batch_op.create_index("ix_induction_records_created_at", ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_induction_records_end_date"), ["end_date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_induction_records_induction_programme_id"),
            ["induction_programme_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_induction_records_mentor_profile_id"), ["mentor_profile_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_induction_records_participant_profile_id"),
            ["participant_profile_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_induction_records_schedule_id"), ["schedule_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_induction_records_start_date"), ["start_date"], unique=False)

    op.create_table(
        "participant_declarations",
        sa.Column("teacher_id", sa.Uuid(), nullable=False),
        sa.Column("participant_profile_id", sa.Uuid(), nullable=False),
        sa.Column("lead_provider_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column(
            "course_identifier",
            sa.Enum(
                "ecf-induction",
                "ecf-mentor",
                name="course_identifier",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "declaration_type",
            sa.Enum(
                "started",
                "retained-1",
                "retained-2",
                "retained-3",
                "retained-4",
                "completed",
                "extended-1",
                "extended-2",
                "extended-3",
                name="declaration_type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("declaration_date", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "evidence_held",
            sa.Enum(
                "training-event-attended",
                "self-study-material-completed",
                "materials-engaged-with-offline",
                "other",
                "75-percent-engagement-met",
                "75-percent-engagement-met-reduced-induction",
                "one-term-induction",
                name="evidence_held",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "submitted",
                "eligible",
                "payable",
                "paid",
                "voided",
                "ineligible",
                "awaiting_clawback",
                "clawed_back",
                name="declaration_state",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("delivery_partner_id", sa.Uuid(), nullable=True),
        sa.Column("mentor_teacher_id", sa.Uuid(), nullable=True),
        sa.Column("superseded_by_id", sa.Uuid(), nullable=True),
        sa.Column("pupil_premium_uplift", sa.Boolean(), nullable=False),
        sa.Column("sparsity_uplift", sa.Boolean(), nullable=False),
        sa.Column("voided_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("voided_by", sa.String(length=320), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(course_identifier = 'ecf-mentor') OR mentor_teacher_id IS NULL OR mentor_teacher_id <> teacher_id",
            name=op.f("ck_participant_declarations_mentor_not_self"),
        ),
        sa.CheckConstraint(
            "(state = 'voided') = (voided_at IS NOT NULL) OR state IN ('awaiting_clawback', 'clawed_back')",
            name=op.f("ck_participant_declarations_voided_has_timestamp"),
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_participant_declarations_cohort_id_cohorts")
        ),
        sa.ForeignKeyConstraint(
            ["delivery_partner_id"],
            ["delivery_partners.id"],
            name=op.f("fk_participant_declarations_delivery_partner_id_delivery_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_provider_id"],
            ["lead_providers.id"],
            name=op.f("fk_participant_declarations_lead_provider_id_lead_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["mentor_teacher_id"],
            ["teachers.id"],
            name=op.f("fk_participant_declarations_mentor_teacher_id_teachers"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_profile_id"],
            ["participant_profiles.id"],
            name=op.f("fk_participant_declarations_participant_profile_id_participant_profiles"),
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["participant_declarations.id"],
            name=op.f("fk_participant_declarations_superseded_by_id_participant_declarations"),
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["teachers.id"], name=op.f("fk_participant_declarations_teacher_id_teachers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_declarations")),
    )
    with op.batch_alter_table("participant_declarations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participant_declarations_cohort_id"), ["cohort_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participant_declarations_delivery_partner_id"),
            ["delivery_partner_id"],
            unique=False,
        )
        batch_op.create_index("ix_participant_declarations_profile", ["participant_profile_id"], unique=False)
        batch_op.create_index(
            "ix_participant_declarations_provider_created", ["lead_provider_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participant_declarations_teacher_id"), ["teacher_id"], unique=False
        )
        batch_op.create_index("ix_participant_declarations_updated_at", ["updated_at"], unique=False)
        batch_op.create_index(
            "uq_participant_declarations_one_live_claim",
            ["participant_profile_id", "course_identifier", "declaration_type"],
            unique=True,
            sqlite_where=sa.text("state IN ('submitted', 'eligible', 'payable', 'paid')"),
            postgresql_where=sa.text("state IN ('submitted', 'eligible', 'payable', 'paid')"),
        )

    op.create_table(
        "participant_eligibilities",
        sa.Column("participant_profile_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "eligible",
                "matched",
                "manual_check",
                "ineligible",
                name="eligibility_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "reason",
            sa.Enum(
                "none",
                "active_flags",
                "previous_participation",
                "previous_induction",
                "no_qts",
                "different_trn",
                "duplicate_profile",
                "no_induction",
                "exempt_from_induction",
                name="eligibility_reason",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("manually_validated", sa.Boolean(), nullable=False),
        sa.Column("qts", sa.Boolean(), nullable=True),
        sa.Column("active_flags", sa.Boolean(), nullable=False),
        sa.Column("previous_participation", sa.Boolean(), nullable=False),
        sa.Column("previous_induction", sa.Boolean(), nullable=False),
        sa.Column("different_trn", sa.Boolean(), nullable=False),
        sa.Column("exempt_from_induction", sa.Boolean(), nullable=False),
        sa.Column("no_induction", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_profile_id"],
            ["participant_profiles.id"],
            name=op.f("fk_participant_eligibilities_participant_profile_id_participant_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_eligibilities")),
        sa.UniqueConstraint(
            "participant_profile_id", name=op.f("uq_participant_eligibilities_participant_profile_id")
        ),
    )
    op.create_table(
        "participant_profile_schedules",
        sa.Column("participant_profile_id", sa.Uuid(), nullable=False),
        sa.Column("schedule_id", sa.Uuid(), nullable=False),
        sa.Column("lead_provider_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_provider_id"],
            ["lead_providers.id"],
            name=op.f("fk_participant_profile_schedules_lead_provider_id_lead_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_profile_id"],
            ["participant_profiles.id"],
            name=op.f("fk_participant_profile_schedules_participant_profile_id_participant_profiles"),
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name=op.f("fk_participant_profile_schedules_schedule_id_schedules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_profile_schedules")),
    )
    with op.batch_alter_table("participant_profile_schedules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participant_profile_schedules_participant_profile_id"),
            ["participant_profile_id"],
            unique=False,
        )

    op.create_table(
        "participant_profile_states",
        sa.Column("participant_profile_id", sa.Uuid(), nullable=False),
        sa.Column("lead_provider_id", sa.Uuid(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "active",
                "deferred",
                "withdrawn",
                name="profile_state",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_provider_id"],
            ["lead_providers.id"],
            name=op.f("fk_participant_profile_states_lead_provider_id_lead_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_profile_id"],
            ["participant_profiles.id"],
            name=op.f("fk_participant_profile_states_participant_profile_id_participant_profiles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_profile_states")),
    )
    with op.batch_alter_table("participant_profile_states", schema=None) as batch_op:
        batch_op.create_index(
            "ix_participant_profile_states_profile_provider",
            ["participant_profile_id", "lead_provider_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "participant_validation_data",
        sa.Column("participant_profile_id", sa.Uuid(), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("trn", sa.String(length=7), nullable=True),
        sa.Column("nino", sa.String(length=16), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_profile_id"],
            ["participant_profiles.id"],
            name=op.f("fk_participant_validation_data_participant_profile_id_participant_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_validation_data")),
        sa.UniqueConstraint(
            "participant_profile_id", name=op.f("uq_participant_validation_data_participant_profile_id")
        ),
    )
    op.create_table(
        "declaration_states",
        sa.Column("participant_declaration_id", sa.Uuid(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "submitted",
                "eligible",
                "payable",
                "paid",
                "voided",
                "ineligible",
                "awaiting_clawback",
                "clawed_back",
                name="declaration_state_change",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("state_reason", sa.String(length=64), nullable=True),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_declaration_id"],
            ["participant_declarations.id"],
            name=op.f("fk_declaration_states_participant_declaration_id_participant_declarations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_states")),
    )
    with op.batch_alter_table("declaration_states", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declaration_states_participant_declaration_id"),
            ["participant_declaration_id"],
            unique=False,
        )

    op.create_table(
        "statement_line_items",
        sa.Column("statement_id", sa.Uuid(), nullable=False),
        sa.Column("participant_declaration_id", sa.Uuid(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "eligible",
                "payable",
                "paid",
                "voided",
                "ineligible",
                "awaiting_clawback",
                "clawed_back",
                "submitted",
                name="line_item_state",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_declaration_id"],
            ["participant_declarations.id"],
            name=op.f("fk_statement_line_items_participant_declaration_id_participant_declarations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"], ["statements.id"], name=op.f("fk_statement_line_items_statement_id_statements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_line_items")),
        sa.UniqueConstraint(
            "participant_declaration_id",
            "statement_id",
            "state",
            name=op.f("uq_statement_line_items_participant_declaration_id_statement_id_state"),
        ),
    )
    with op.batch_alter_table("statement_line_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statement_line_items_participant_declaration_id"),
            ["participant_declaration_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_statement_line_items_statement_id"), ["statement_id"], unique=False
        )
        batch_op.create_index(
            "uq_statement_line_items_one_billable",
            ["participant_declaration_id"],
            unique=True,
            sqlite_where=sa.text("state IN ('eligible', 'payable', 'paid')"),
            postgresql_where=sa.text("state IN ('eligible', 'payable', 'paid')"),
        )
        batch_op.create_index(
            "uq_statement_line_items_one_refundable",
            ["participant_declaration_id"],
            unique=True,
            sqlite_where=sa.text("state IN ('awaiting_clawback', 'clawed_back')"),
            postgresql_where=sa.text("state IN ('awaiting_clawback', 'clawed_back')"),
        )

    # school_cohorts and induction_programmes point at each other; close the loop last.
    with op.batch_alter_table("school_cohorts", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_school_cohorts_default_programme",
            "induction_programmes",
            ["default_induction_programme_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("school_cohorts", schema=None) as batch_op:
        batch_op.drop_constraint("fk_school_cohorts_default_programme", type_="foreignkey")
    with op.batch_alter_table("statement_line_items", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_statement_line_items_one_refundable",
            sqlite_where=sa.text("state IN ('awaiting_clawback', 'clawed_back')"),
            postgresql_where=sa.text("state IN ('awaiting_clawback', 'clawed_back')"),
        )
        batch_op.drop_index(
            "uq_statement_line_items_one_billable",
            sqlite_where=sa.text("state IN ('eligible', 'payable', 'paid')"),
            postgresql_where=sa.text("state IN ('eligible', 'payable', 'paid')"),
        )
        batch_op.drop_index(batch_op.f("ix_statement_line_items_statement_id"))
        batch_op.drop_index(batch_op.f("ix_statement_line_items_participant_declaration_id"))

    op.drop_table("statement_line_items")
    with op.batch_alter_table("declaration_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_states_participant_declaration_id"))

    op.drop_table("declaration_states")
    op.drop_table("participant_validation_data")
    with op.batch_alter_table("participant_profile_states", schema=None) as batch_op:
        batch_op.drop_index("ix_participant_profile_states_profile_provider")

    op.drop_table("participant_profile_states")
    with op.batch_alter_table("participant_profile_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_profile_schedules_participant_profile_id"))

    op.drop_table("participant_profile_schedules")
    op.drop_table("participant_eligibilities")
    with op.batch_alter_table("participant_declarations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_participant_declarations_one_live_claim",
            sqlite_where=sa.text("state IN ('submitted', 'eligible', 'payable', 'paid')"),
            postgresql_where=sa.text("state IN ('submitted', 'eligible', 'payable', 'paid')"),
        )
        batch_op.drop_index("ix_participant_declarations_updated_at")
        batch_op.drop_index(batch_op.f("ix_participant_declarations_teacher_id"))
        batch_op.drop_index("ix_participant_declarations_provider_created")
        batch_op.drop_index("ix_participant_declarations_profile")
        batch_op.drop_index(batch_op.f("ix_participant_declarations_delivery_partner_id"))
        batch_op.drop_index(batch_op.f("ix_participant_declarations_cohort_id"))

    op.drop_table("participant_declarations")
    with op.batch_alter_table("induction_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_induction_records_start_date"))
        batch_op.drop_index(batch_op.f("ix_induction_records_schedule_id"))
        batch_op.drop_index(batch_op.f("ix_induction_records_participant_profile_id"))
        batch_op.drop_index(batch_op.f("ix_induction_records_mentor_profile_id"))
        batch_op.drop_index(batch_op.f("ix_induction_records_induction_programme_id"))
        batch_op.drop_index(batch_op.f("ix_induction_records_end_date"))
        batch_op.drop_index("ix_induction_records_created_at")

    op.drop_table("induction_records")
    with op.batch_alter_table("participant_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_profiles_teacher_id"))
        batch_op.drop_index(batch_op.f("ix_participant_profiles_school_cohort_id"))
        batch_op.drop_index(batch_op.f("ix_participant_profiles_schedule_id"))
        batch_op.drop_index(batch_op.f("ix_participant_profiles_participant_identity_id"))
        batch_op.drop_index(batch_op.f("ix_participant_profiles_mentor_profile_id"))
        batch_op.drop_index("ix_participant_profiles_created_at")

    op.drop_table("participant_profiles")
    with op.batch_alter_table("induction_programmes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_induction_programmes_school_cohort_id"))
        batch_op.drop_index(batch_op.f("ix_induction_programmes_partnership_id"))

    op.drop_table("induction_programmes")
    with op.batch_alter_table("statement_adjustments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_adjustments_statement_id"))

    op.drop_table("statement_adjustments")
    with op.batch_alter_table("school_cohorts", schema=None) as batch_op:
        batch_op.drop_index("ix_school_cohorts_updated_at")
        batch_op.drop_index(batch_op.f("ix_school_cohorts_cohort_id"))

    op.drop_table("school_cohorts")
    op.drop_table("pupil_premiums")
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.drop_index("ix_partnerships_updated_at")
        batch_op.drop_index(batch_op.f("ix_partnerships_school_id"))
        batch_op.drop_index("ix_partnerships_provider_cohort")
        batch_op.drop_index(batch_op.f("ix_partnerships_delivery_partner_id"))
        batch_op.drop_index("ix_partnerships_created_at")
        batch_op.drop_index(batch_op.f("ix_partnerships_cohort_id"))

    op.drop_table("partnerships")
    with op.batch_alter_table("participant_bands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_bands_call_off_contract_id"))

    op.drop_table("participant_bands")
    op.drop_table("milestones")
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_index("ix_statements_updated_at")
        batch_op.drop_index("ix_statements_provider_payment_date")
        batch_op.drop_index(batch_op.f("ix_statements_cohort_id"))

    op.drop_table("statements")
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.drop_index("ix_schools_updated_at")
        batch_op.drop_index(batch_op.f("ix_schools_name"))
        batch_op.drop_index(batch_op.f("ix_schools_induction_tutor_id"))
        batch_op.drop_index("ix_schools_created_at")

    op.drop_table("schools")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedules_cohort_id"))

    op.drop_table("schedules")
    with op.batch_alter_table("provider_relationships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_relationships_delivery_partner_id"))
        batch_op.drop_index(batch_op.f("ix_provider_relationships_cohort_id"))

    op.drop_table("provider_relationships")
    with op.batch_alter_table("participant_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_identities_teacher_id"))

    op.drop_table("participant_identities")
    with op.batch_alter_table("participant_id_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_id_changes_teacher_id"))
        batch_op.drop_index(batch_op.f("ix_participant_id_changes_from_participant_id"))

    op.drop_table("participant_id_changes")
    op.drop_table("mentor_call_off_contracts")
    op.drop_table("lead_provider_cohorts")
    op.drop_table("call_off_contracts")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_lead_provider_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("teachers", schema=None) as batch_op:
        batch_op.drop_index("ix_teachers_updated_at")
        batch_op.drop_index(batch_op.f("ix_teachers_trn"))
        batch_op.drop_index("ix_teachers_created_at")

    op.drop_table("teachers")
    op.drop_table("lead_providers")
    op.drop_table("induction_tutors")
    with op.batch_alter_table("delivery_partners", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_partners_updated_at")
        batch_op.drop_index(batch_op.f("ix_delivery_partners_name"))
        batch_op.drop_index("ix_delivery_partners_created_at")

    op.drop_table("delivery_partners")
    op.drop_table("cohorts")
    op.drop_table("appropriate_bodies")
