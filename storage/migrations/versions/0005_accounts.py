"""accounts: users and their profiles, sign-in and nomination links, sessions, the email outbox

Revision ID: 0005_accounts
Revises: 0004_api_updated_at
Create Date: 2026-12-02 12:00:00.000000
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0005_accounts"
down_revision: str | None = "0004_api_updated_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = storage.models.base.UTCDateTime


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", UTC_DATETIME(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME(), nullable=False),
    ]


#: ``induction_tutors``'s columns before this migration (and after its downgrade).
_TUTOR_COLUMNS = "id, full_name, email, created_at, updated_at"


@contextmanager
def _tutors_set_aside_on_sqlite() -> Iterator[None]:
    """SQLite alters ``induction_tutors`` by copying it to a new table, dropping the old one and
    renaming the copy; with foreign keys on, that drop counts every ``schools`` row pointing at a
    tutor as a violation, and the rename never uncounts it. So the rows are set aside and the
    table emptied first (counted, but deferred to the commit), and put back after: each school
    then finds its tutor again, which uncounts it. ``PRAGMA foreign_keys`` itself cannot change
    inside the migration's transaction."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    op.execute(
        f"CREATE TEMPORARY TABLE tutors_set_aside AS SELECT {_TUTOR_COLUMNS} FROM induction_tutors WHERE 0"
    )
    # A write first: Python's sqlite3 opens its transaction only then, and the pragma lasts
    # only for the transaction it is set in.
    op.execute(f"INSERT INTO tutors_set_aside SELECT {_TUTOR_COLUMNS} FROM induction_tutors")
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute("DELETE FROM induction_tutors")
    yield
    op.execute(
        f"INSERT INTO induction_tutors ({_TUTOR_COLUMNS}) SELECT {_TUTOR_COLUMNS} FROM tutors_set_aside"
    )
    op.execute("DROP TABLE tutors_set_aside")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("last_signed_in_at", UTC_DATETIME(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("email <> ''", name=op.f("ck_users_email_present")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)

    with _tutors_set_aside_on_sqlite(), op.batch_alter_table("induction_tutors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Uuid(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_induction_tutors_user_id"), ["user_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_induction_tutors_user_id_users"), "users", ["user_id"], ["id"]
        )

    op.create_table(
        "lead_provider_users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("lead_provider_id", sa.Uuid(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["lead_provider_id"],
            ["lead_providers.id"],
            name=op.f("fk_lead_provider_users_lead_provider_id_lead_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_lead_provider_users_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_provider_users")),
        sa.UniqueConstraint("user_id", name=op.f("uq_lead_provider_users_user_id")),
    )
    op.create_index(
        op.f("ix_lead_provider_users_lead_provider_id"), "lead_provider_users", ["lead_provider_id"]
    )

    op.create_table(
        "sign_in_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTC_DATETIME(), nullable=False),
        sa.Column("used_at", UTC_DATETIME(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sign_in_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_tokens")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_sign_in_tokens_token_digest")),
    )
    op.create_index(op.f("ix_sign_in_tokens_user_id"), "sign_in_tokens", ["user_id"])

    op.create_table(
        "nomination_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("sent_to", sa.String(length=320), nullable=False),
        sa.Column("expires_at", UTC_DATETIME(), nullable=False),
        sa.Column("used_at", UTC_DATETIME(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_nomination_tokens_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_tokens")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_nomination_tokens_token_digest")),
    )
    op.create_index(op.f("ix_nomination_tokens_school_id"), "nomination_tokens", ["school_id"])
    op.create_index("ix_nomination_tokens_school_created", "nomination_tokens", ["school_id", "created_at"])

    op.create_table(
        "sign_in_link_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email_digest", sa.String(length=64), nullable=False),
        sa.Column("client_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_link_requests")),
    )
    op.create_index("ix_sign_in_link_requests_email", "sign_in_link_requests", ["email_digest", "created_at"])
    op.create_index(
        "ix_sign_in_link_requests_client", "sign_in_link_requests", ["client_digest", "created_at"]
    )
    op.create_index("ix_sign_in_link_requests_created_at", "sign_in_link_requests", ["created_at"])

    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME(), nullable=False),
        sa.Column("last_seen_at", UTC_DATETIME(), nullable=False),
        sa.Column("ended_at", UTC_DATETIME(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("key_digest", name=op.f("uq_user_sessions_key_digest")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"])

    op.create_table(
        "outbox_emails",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("to", sa.String(length=320), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("personalisation", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_DATETIME(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_emails")),
    )
    op.create_index("ix_outbox_emails_to", "outbox_emails", ["to"])
    op.create_index("ix_outbox_emails_created_at", "outbox_emails", ["created_at"])


def downgrade() -> None:
    op.drop_table("outbox_emails")
    op.drop_table("user_sessions")
    op.drop_table("sign_in_link_requests")
    op.drop_table("nomination_tokens")
    op.drop_table("sign_in_tokens")
    op.drop_table("lead_provider_users")
    with _tutors_set_aside_on_sqlite(), op.batch_alter_table("induction_tutors", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_induction_tutors_user_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_induction_tutors_user_id"), type_="unique")
        batch_op.drop_column("user_id")
    op.drop_index("uq_users_email_lower", table_name="users")
    op.drop_table("users")
