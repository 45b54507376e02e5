"""People who sign in to the service's pages, what they may do, and the links that let them in.

One ``users`` row per person, whatever they do; what they may do comes from the profiles
attached to them (``induction_tutors`` for schools, ``lead_provider_users`` for providers;
DfE admin and finance profiles will follow the same pattern). Every link and session is
stored only as a keyed digest, so a copy of the database lets nobody sign in.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import StaffRole
from .base import Base, Timestamps, UTCDateTime, UUIDPrimaryKey, enum_column
from .providers import LeadProvider
from .schools import School

#: Digests are hex HMAC-SHA256 (see ``domain.accounts``).
DIGEST_LENGTH = 64


class User(UUIDPrimaryKey, Timestamps, Base):
    """A person who can sign in. ``email`` is stored lower-cased and unique whatever its case."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(sa.String(320))
    full_name: Mapped[str] = mapped_column(sa.String(255))
    last_signed_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.Index("uq_users_email_lower", sa.func.lower(sa.text("email")), unique=True),
        sa.CheckConstraint("email <> ''", name="email_present"),
    )

    def __repr__(self) -> str:
        return f"<User {self.email!r}>"


class LeadProviderUser(UUIDPrimaryKey, Timestamps, Base):
    """A person working for a lead provider: confirms schools and sees the provider's pages."""

    __tablename__ = "lead_provider_users"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    lead_provider_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("lead_providers.id"), index=True)

    user: Mapped[User] = relationship()
    lead_provider: Mapped[LeadProvider] = relationship()


class SignInToken(UUIDPrimaryKey, Timestamps, Base):
    """An emailed sign-in link: single use, valid for a day (``domain.accounts``)."""

    __tablename__ = "sign_in_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(sa.String(DIGEST_LENGTH), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class NominationToken(UUIDPrimaryKey, Timestamps, Base):
    """A link emailed to a school's GIAS contact to name its induction tutor (valid 21 days)."""

    __tablename__ = "nomination_tokens"

    school_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(sa.String(DIGEST_LENGTH), unique=True)
    sent_to: Mapped[str] = mapped_column(sa.String(320))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    school: Mapped[School] = relationship()

    __table_args__ = (sa.Index("ix_nomination_tokens_school_created", "school_id", "created_at"),)


class SignInLinkRequest(UUIDPrimaryKey, Base):
    """One request for a sign-in link, kept a day to limit requests per email address and
    per client address across every worker. Both are stored as digests: an unknown
    person's email address is not kept."""

    __tablename__ = "sign_in_link_requests"

    email_digest: Mapped[str] = mapped_column(sa.String(DIGEST_LENGTH))
    client_digest: Mapped[str] = mapped_column(sa.String(DIGEST_LENGTH))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.Index("ix_sign_in_link_requests_email", "email_digest", "created_at"),
        sa.Index("ix_sign_in_link_requests_client", "client_digest", "created_at"),
        sa.Index("ix_sign_in_link_requests_created_at", "created_at"),
    )


class UserSession(UUIDPrimaryKey, Base):
    """A signed-in browser. The cookie holds a random key; this row holds its digest, so
    signing out (or an idle hour) ends the session on the server, not only in the browser."""

    __tablename__ = "user_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_digest: Mapped[str] = mapped_column(sa.String(DIGEST_LENGTH), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: When the second factor was checked for this session; staff roles need it.
    second_factor_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class StaffRoleGrant(UUIDPrimaryKey, Timestamps, Base):
    """One DfE staff role held by a user. A row per role, so granting and revoking are
    plain inserts and deletes, and the pair is unique."""

    __tablename__ = "staff_roles"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[StaffRole] = mapped_column(enum_column(StaffRole, "staff_role"))
    granted_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (sa.UniqueConstraint("user_id", "role", name="uq_staff_roles_user_role"),)


class StaffSecondFactor(UUIDPrimaryKey, Timestamps, Base):
    """A staff member's authenticator app (TOTP, RFC 6238). The shared secret is stored
    encrypted with a key derived from the service's secret key, so a copy of the database
    alone cannot produce codes. ``last_used_step`` refuses a code a second time."""

    __tablename__ = "staff_second_factors"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    sealed_secret: Mapped[str] = mapped_column(sa.Text())
    enrolled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_used_step: Mapped[int | None] = mapped_column(sa.BigInteger())
    failed_attempts: Mapped[int] = mapped_column(sa.Integer(), default=0, server_default="0")

    user: Mapped[User] = relationship()
