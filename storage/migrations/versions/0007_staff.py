"""staff: DfE staff roles, their authenticator apps, and which sessions passed the second factor

Revision ID: 0007_staff
Revises: 0006_partnership_uploads
Create Date: 2026-11-27 21:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0007_staff"
down_revision: str | None = "0006_partnership_uploads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = storage.models.base.UTCDateTime


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", UTC_DATETIME(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "staff_roles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "finance",
                "super_user",
                name="staff_role",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("granted_by_id", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_staff_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["users.id"],
            name=op.f("fk_staff_roles_granted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_roles")),
        sa.UniqueConstraint("user_id", "role", name="uq_staff_roles_user_role"),
    )
    op.create_index(op.f("ix_staff_roles_user_id"), "staff_roles", ["user_id"])
    op.create_table(
        "staff_second_factors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("sealed_secret", sa.Text(), nullable=False),
        sa.Column("enrolled_at", UTC_DATETIME(), nullable=True),
        sa.Column("last_used_step", sa.BigInteger(), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_staff_second_factors_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_second_factors")),
        sa.UniqueConstraint("user_id", name=op.f("uq_staff_second_factors_user_id")),
    )
    with op.batch_alter_table("user_sessions") as batch:
        batch.add_column(sa.Column("second_factor_at", UTC_DATETIME(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_sessions") as batch:
        batch.drop_column("second_factor_at")
    op.drop_table("staff_second_factors")
    op.drop_index(op.f("ix_staff_roles_user_id"), table_name="staff_roles")
    op.drop_table("staff_roles")
