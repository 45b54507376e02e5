"""admin search: participants found by email and by part of a name without reading every row

Revision ID: 0009_admin_search
Revises: 0008_audit_log
Create Date: 2026-11-27 21:40:00.000000

An email is looked up as ``lower(email) = …`` (addresses are compared whatever their case), and
a name as ``lower(full_name) LIKE '%…%'``. On PostgreSQL the name index is a trigram (pg_trgm)
GIN index, which serves a match anywhere in the name; SQLite gets a plain expression index
on the same expression (it orders and prefix-matches; a part-of-name search there scans, which
is quick at the embedded database's sizes).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_admin_search"
down_revision: str | None = "0008_audit_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_participant_identities_email_lower", "participant_identities", [sa.text("lower(email)")]
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_teachers_full_name_lower",
            "teachers",
            [sa.text("lower(full_name) gin_trgm_ops")],
            postgresql_using="gin",
        )
    else:
        op.create_index("ix_teachers_full_name_lower", "teachers", [sa.text("lower(full_name)")])


def downgrade() -> None:
    op.drop_index("ix_teachers_full_name_lower", table_name="teachers")
    op.drop_index("ix_participant_identities_email_lower", table_name="participant_identities")
