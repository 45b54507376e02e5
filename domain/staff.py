"""DfE staff accounts: their roles, and the authenticator app they sign in with.

Staff can change participant records and authorise payments, so an emailed link alone
(enough for a school) does not let them in: they also give a six-digit code from an
authenticator app (TOTP, RFC 6238). Whoever reads a staff member's email still cannot sign
in as them, and no SMS or phone is involved. The app is enrolled at the first sign-in, from a
QR code shown once; the shared secret is stored encrypted under a key derived from the
service's secret key.

Roles are separate grants: ``admin`` (records), ``finance`` (statements and payments) and
``super_user`` (staff accounts). Nothing implies anything else: an admin cannot authorise a
payment unless also granted finance.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import pyotp
import segno
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.orm import Session

from domain import accounts, clock
from domain.errors import RuleBroken
from integrations import email_templates as templates
from integrations.email import EmailMessage, EmailSender
from storage.enums import StaffRole
from storage.models import StaffRoleGrant, StaffSecondFactor, User

ISSUER = "Manage teacher CPD"
#: Wrong codes allowed for one sign-in before its emailed link must be asked for again.
MAX_FAILED_CODES = 5
#: Codes from the 30 seconds either side of now are accepted (clocks on phones drift).
CODE_WINDOW = 1


class CodeProblem(StrEnum):
    WRONG = "wrong"
    REUSED = "reused"
    TOO_MANY = "too_many"


class CodeRefused(Exception):
    def __init__(self, problem: CodeProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the secret as text and as a QR code (SVG)."""

    secret: str
    uri: str
    qr_svg: str


# --- accounts and roles ----------------------------------------------------------------


def staff_roles(session: Session, user: User) -> list[StaffRole]:
    granted = set(session.scalars(sa.select(StaffRoleGrant.role).where(StaffRoleGrant.user_id == user.id)))
    return [role for role in StaffRole if role in granted]


def add_staff_user(
    session: Session,
    email: str,
    full_name: str,
    roles: Iterable[StaffRole],
    *,
    granted_by: User | None = None,
) -> User:
    """Create (or find, by email) a user and grant ``roles``. Grants already held stay."""
    wanted = list(dict.fromkeys(StaffRole(role) for role in roles))
    if not wanted:
        raise RuleBroken.on("roles", "Select at least one role")
    address = accounts.normalise_email(email)
    if not accounts.valid_email(address):
        raise RuleBroken.on("email", "Enter an email address in the correct format, like name@example.com")
    name = " ".join(full_name.split())
    if not name:
        raise RuleBroken.on("full_name", "Enter the person’s full name")
    user = accounts.find_user(session, address)
    if user is None:
        user = User(email=address, full_name=name)
        session.add(user)
        session.flush()
    held = set(staff_roles(session, user))
    for role in wanted:
        if role not in held:
            session.add(
                StaffRoleGrant(
                    user_id=user.id, role=role, granted_by_id=granted_by.id if granted_by else None
                )
            )
    session.flush()
    return user


def set_staff_roles(session: Session, user: User, roles: Iterable[StaffRole], *, by: User) -> None:
    """Replace ``user``'s staff roles (a super user's page). Nobody removes their own
    super-user role, so the service cannot be left without one by accident."""
    wanted = {StaffRole(role) for role in roles}
    if user.id == by.id and StaffRole.SUPER_USER not in wanted:
        raise RuleBroken.on("roles", "You cannot remove your own super user role")
    held = set(staff_roles(session, user))
    session.execute(
        sa.delete(StaffRoleGrant)
        .where(StaffRoleGrant.user_id == user.id, StaffRoleGrant.role.in_(held - wanted))
        .execution_options(synchronize_session="fetch")
    )
    for role in wanted - held:
        session.add(StaffRoleGrant(user_id=user.id, role=role, granted_by_id=by.id))
    session.flush()


def staff_users(session: Session) -> Sequence[User]:
    """Everyone holding a staff role, by name."""
    return session.scalars(
        sa.select(User)
        .where(sa.exists().where(StaffRoleGrant.user_id == User.id))
        .order_by(User.full_name, User.email)
    ).all()


def role_names(roles: Iterable[StaffRole]) -> str:
    """Roles as people read them: "admin, super user"."""
    return ", ".join(StaffRole(role).value.replace("_", " ") for role in roles)


def invite_staff_user(
    session: Session,
    email: str,
    full_name: str,
    roles: Iterable[StaffRole],
    *,
    granted_by: User,
    secret_key: str,
    sender: EmailSender,
    links: accounts.Links,
) -> User:
    """A super user adds a staff member: grant the roles and email them a sign-in link.

    Someone who already has a staff account is refused rather than quietly given more
    roles: a super user changes roles on that person's own page, seeing what they hold.
    """
    address = accounts.normalise_email(email)
    existing = accounts.find_user(session, address) if accounts.valid_email(address) else None
    if existing is not None and staff_roles(session, existing):
        raise RuleBroken.on(
            "email",
            f"{existing.email} already has a staff account: change their roles from the list of staff",
        )
    user = add_staff_user(session, email, full_name, roles, granted_by=granted_by)
    token = accounts.issue_sign_in_link(session, user, secret_key=secret_key)
    sender.send(
        EmailMessage(
            to=user.email,
            template=templates.STAFF_WELCOME,
            personalisation={
                "full_name": user.full_name,
                "roles": role_names(staff_roles(session, user)),
                "sign_in_url": links.sign_in(token),
                "sign_in_page_url": links.sign_in_page(),
                "support_email": links.support_email,
            },
        )
    )
    return user


# --- the second factor -----------------------------------------------------------------


def _fernet(secret_key: str) -> Fernet:
    key = hashlib.sha256(b"staff second factor\0" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _seal(secret: str, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(secret.encode()).decode()


def _unseal(sealed: str, secret_key: str) -> str:
    try:
        return _fernet(secret_key).decrypt(sealed.encode()).decode()
    except InvalidToken as error:  # the secret key changed: the app must be enrolled again
        raise CodeRefused(CodeProblem.WRONG) from error


def _factor(session: Session, user: User) -> StaffSecondFactor | None:
    return session.scalars(sa.select(StaffSecondFactor).where(StaffSecondFactor.user_id == user.id)).first()


def is_enrolled(session: Session, user: User) -> bool:
    factor = _factor(session, user)
    return factor is not None and factor.enrolled_at is not None


def enrolment(session: Session, user: User, *, secret_key: str) -> Enrolment:
    """The secret to enrol, made on first call and kept until enrolment finishes, so
    reloading the page shows the same QR code. Never called once enrolled."""
    factor = _factor(session, user)
    if factor is not None and factor.enrolled_at is not None:
        raise RuleBroken.on("code", "An authenticator app is already set up for this account")
    if factor is None:
        factor = StaffSecondFactor(user_id=user.id, sealed_secret=_seal(pyotp.random_base32(), secret_key))
        session.add(factor)
        session.flush()
    secret = _unseal(factor.sealed_secret, secret_key)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    qr = segno.make(uri, error="m").svg_inline(scale=4, title="QR code for your authenticator app")
    return Enrolment(secret=secret, uri=uri, qr_svg=qr)


def check_code(session: Session, user: User, code: str, *, secret_key: str) -> None:
    """Accept a six-digit code once, finishing enrolment if needed; :class:`CodeRefused`
    otherwise. A code is never accepted twice, and after :data:`MAX_FAILED_CODES` wrong
    ones the sign-in must start again from a new emailed link."""
    factor = _factor(session, user)
    if factor is None:
        raise CodeRefused(CodeProblem.WRONG)
    totp = pyotp.TOTP(_unseal(factor.sealed_secret, secret_key))
    now = clock.now()
    digits = "".join(code.split())
    step = totp.timecode(now)
    matched = next(
        (
            candidate
            for candidate in range(step - CODE_WINDOW, step + CODE_WINDOW + 1)
            if hmac.compare_digest(totp.generate_otp(candidate), digits)
        ),
        None,
    )
    if matched is None:
        factor.failed_attempts += 1
        too_many = factor.failed_attempts >= MAX_FAILED_CODES
        if too_many:
            factor.failed_attempts = 0
        session.flush()
        raise CodeRefused(CodeProblem.TOO_MANY if too_many else CodeProblem.WRONG)
    if factor.last_used_step is not None and matched <= factor.last_used_step:
        raise CodeRefused(CodeProblem.REUSED)
    factor.last_used_step = matched
    factor.failed_attempts = 0
    if factor.enrolled_at is None:
        factor.enrolled_at = now
    session.flush()


def reset_second_factor(session: Session, user: User) -> None:
    """Forget a lost authenticator app; the next sign-in enrols a new one."""
    session.execute(sa.delete(StaffSecondFactor).where(StaffSecondFactor.user_id == user.id))
    session.flush()
