"""Accounts: who may sign in, the emailed links that sign them in, and naming a school's
induction tutor.

There are no passwords. A person asks for a link; if the address belongs to someone with
a role, we email a single-use link valid for 24 hours, otherwise an email saying how to get
access. The page is the same either way, so it tells nobody who has an account. Links and
sessions are random values stored only as HMAC-SHA256 digests keyed from ``SECRET_KEY``
(one derived key per purpose), found by digest on a unique index and compared in constant
time. A school's GIAS contact names its induction tutor through a nomination link valid
for 21 days. Every "now" is ``domain.clock.now()``.

Pages and commands pass in the :class:`~integrations.email.EmailSender` to use and the
:class:`Links` emails point to, so these rules never know about Notify or URLs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import clock
from domain.errors import RuleBroken
from domain.schools import can_access_service
from integrations import email_templates as templates
from integrations.email import EmailMessage, EmailSender
from storage.models import (
    InductionTutor,
    LeadProvider,
    LeadProviderUser,
    NominationToken,
    School,
    SignInLinkRequest,
    SignInToken,
    StaffRoleGrant,
    User,
    UserSession,
)

SIGN_IN_LINK_LIFETIME = dt.timedelta(hours=24)
NOMINATION_LINK_LIFETIME = dt.timedelta(days=21)
#: A session ends after an hour without a request (the original's ``remember_for``), and
#: after a working day whatever happens.
SESSION_IDLE_TIMEOUT = dt.timedelta(hours=1)
SESSION_MAX_AGE = dt.timedelta(hours=12)
#: ``last_seen_at`` is written at most this often, so most page views stay reads.
SESSION_TOUCH_INTERVAL = dt.timedelta(minutes=1)
#: Sign-in link requests allowed in any window, per email address and per client address
#: (a school network may put many people behind one address, hence the higher figure).
LINK_REQUEST_WINDOW = dt.timedelta(hours=1)
LINK_REQUESTS_PER_EMAIL = 5
LINK_REQUESTS_PER_CLIENT = 30
LINK_REQUESTS_KEPT_FOR = dt.timedelta(days=1)
#: Nomination emails per school: five a day, and five minutes apart (as the original).
NOMINATIONS_PER_SCHOOL_PER_DAY = 5
NOMINATION_INTERVAL = dt.timedelta(minutes=5)

_TOKEN_BYTES = 32
EMAIL_MAX_LENGTH = 320
NAME_MAX_LENGTH = 255
_EMAIL = re.compile(r"^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$")


class Role(StrEnum):
    """What a signed-in person may do; each comes from a profile attached to their user.
    Staff roles come from ``staff_roles`` grants."""

    INDUCTION_TUTOR = "induction_tutor"
    LEAD_PROVIDER = "lead_provider"
    # DfE staff (``domain.staff``): held only in a session that passed the second factor.
    ADMIN = "admin"
    FINANCE = "finance"
    SUPER_USER = "super_user"


#: The roles that come from ``staff_roles`` grants rather than from a profile.
STAFF_ROLES = (Role.ADMIN, Role.FINANCE, Role.SUPER_USER)


class LinkProblem(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


class LinkRefused(Exception):
    """A sign-in or nomination link that cannot be used, and why."""

    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(f"link {problem.value}")
        self.problem = problem


class TooManyRequests(Exception):
    """Too many links asked for; ``retry_after`` says when the next one would be allowed."""

    def __init__(self, retry_after: dt.timedelta) -> None:
        super().__init__("too many requests")
        self.retry_after = retry_after


class NominationRefused(Exception):
    """A school that cannot be sent a nomination link: ``reason`` is ``no_email`` or ``not_eligible``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Links(Protocol):
    """Where emails point; the web layer builds these from the service's public address."""

    support_email: str

    def sign_in(self, token: str) -> str: ...

    def sign_in_page(self) -> str: ...

    def nomination(self, token: str) -> str: ...

    def request_access(self) -> str: ...


# --- digests and small helpers ---------------------------------------------------------


def _digest(purpose: str, value: str, secret_key: str) -> str:
    key = hashlib.sha256(f"cpd {purpose} digest key\x00{secret_key}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _new_token() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


def normalise_email(email: str) -> str:
    """Addresses are compared and stored lower-cased, without surrounding spaces."""
    return email.strip().lower()


def valid_email(email: str) -> bool:
    email = email.strip()
    return len(email) <= EMAIL_MAX_LENGTH and _EMAIL.match(email) is not None


def _same_name(first: str, second: str) -> bool:
    return " ".join(first.split()).casefold() == " ".join(second.split()).casefold()


def _tidy_name(name: str) -> str:
    return " ".join(name.split())


def find_user(session: Session, email: str) -> User | None:
    return session.scalars(sa.select(User).where(sa.func.lower(User.email) == normalise_email(email))).first()


def _account_for(session: Session, email: str) -> User | None:
    """The user with this address; an induction tutor recorded before accounts existed
    (older sandbox data) gets their user here, the first time it is needed."""
    address = normalise_email(email)
    user = find_user(session, address)
    unlinked = session.scalars(
        sa.select(InductionTutor).where(
            sa.func.lower(InductionTutor.email) == address, InductionTutor.user_id.is_(None)
        )
    ).first()
    if unlinked is not None:
        if user is None:
            user = User(email=address, full_name=_tidy_name(unlinked.full_name))
            session.add(user)
            session.flush()
        unlinked.user_id = user.id
        session.flush()
    return user


# --- roles -----------------------------------------------------------------------------


def roles_of(session: Session, user: User, *, staff: bool = True) -> list[Role]:
    """The user's roles, in a fixed order; empty for someone who may no longer sign in
    (a tutor whose schools all named someone else). ``staff=False`` leaves out DfE staff
    roles, for a session that has not passed the second factor."""
    roles = []
    is_tutor = sa.select(
        sa.exists().where(InductionTutor.user_id == user.id, School.induction_tutor_id == InductionTutor.id)
    )
    if session.scalar(is_tutor):
        roles.append(Role.INDUCTION_TUTOR)
    if session.scalar(sa.select(sa.exists().where(LeadProviderUser.user_id == user.id))):
        roles.append(Role.LEAD_PROVIDER)
    if staff:
        granted = set(
            session.scalars(sa.select(StaffRoleGrant.role).where(StaffRoleGrant.user_id == user.id))
        )
        roles.extend(role for role in STAFF_ROLES if role.value in granted)
    return roles


def holds_staff_role(session: Session, user: User) -> bool:
    """Whether signing in must also pass the second factor."""
    return bool(session.scalar(sa.select(sa.exists().where(StaffRoleGrant.user_id == user.id))))


def tutor_schools(session: Session, user: User) -> Sequence[School]:
    """The schools this user is the induction tutor of, by name."""
    return session.scalars(
        sa.select(School)
        .join(InductionTutor, School.induction_tutor_id == InductionTutor.id)
        .where(InductionTutor.user_id == user.id)
        .order_by(School.name, School.urn)
    ).all()


def lead_provider_of(session: Session, user: User) -> LeadProvider | None:
    return session.scalars(
        sa.select(LeadProvider).join(LeadProviderUser).where(LeadProviderUser.user_id == user.id)
    ).first()


# --- sign-in links ---------------------------------------------------------------------


def request_sign_in_link(
    session: Session, email: str, client: str, *, secret_key: str, sender: EmailSender, links: Links
) -> None:
    """Email a sign-in link to someone with a role, or how to get access to anyone else.

    Raises :class:`TooManyRequests` past the limits, for known and unknown addresses alike.
    """
    address = normalise_email(email)
    moment = clock.now()
    email_digest = _digest("sign-in request email", address, secret_key)
    client_digest = _digest("sign-in request client", client, secret_key)
    _check_link_requests(session, email_digest, client_digest, moment)
    session.execute(
        sa.delete(SignInLinkRequest).where(SignInLinkRequest.created_at < moment - LINK_REQUESTS_KEPT_FOR)
    )
    session.add(SignInLinkRequest(email_digest=email_digest, client_digest=client_digest, created_at=moment))

    user = _account_for(session, address)
    if user is not None and roles_of(session, user):
        _send_sign_in_link(
            session, user, templates.SIGN_IN, {}, secret_key=secret_key, sender=sender, links=links
        )
        return
    sender.send(
        EmailMessage(
            to=email.strip(),
            template=templates.ACCESS_INFO,
            personalisation={
                "request_access_url": links.request_access(),
                "support_email": links.support_email,
                "sign_in_page_url": links.sign_in_page(),
            },
        )
    )


def _check_link_requests(
    session: Session, email_digest: str, client_digest: str, moment: dt.datetime
) -> None:
    since = moment - LINK_REQUEST_WINDOW
    for column, value, limit in (
        (SignInLinkRequest.email_digest, email_digest, LINK_REQUESTS_PER_EMAIL),
        (SignInLinkRequest.client_digest, client_digest, LINK_REQUESTS_PER_CLIENT),
    ):
        recent = session.scalars(
            sa.select(SignInLinkRequest.created_at)
            .where(column == value, SignInLinkRequest.created_at > since)
            .order_by(SignInLinkRequest.created_at.desc())
            .limit(limit)
        ).all()
        if len(recent) >= limit:
            raise TooManyRequests(retry_after=recent[-1] + LINK_REQUEST_WINDOW - moment)


def issue_sign_in_link(session: Session, user: User, *, secret_key: str) -> str:
    """A new single-use token for ``user``; only the newest one works, as in the original."""
    moment = clock.now()
    session.execute(
        sa.delete(SignInToken).where(SignInToken.user_id == user.id, SignInToken.used_at.is_(None))
    )
    token = _new_token()
    session.add(
        SignInToken(
            user_id=user.id,
            token_digest=_digest("sign-in link", token, secret_key),
            expires_at=moment + SIGN_IN_LINK_LIFETIME,
        )
    )
    session.flush()
    return token


def _send_sign_in_link(
    session: Session,
    user: User,
    template: str,
    extra: dict[str, str],
    *,
    secret_key: str,
    sender: EmailSender,
    links: Links,
) -> None:
    token = issue_sign_in_link(session, user, secret_key=secret_key)
    sender.send(
        EmailMessage(
            to=user.email,
            template=template,
            personalisation={
                "full_name": user.full_name,
                "sign_in_url": links.sign_in(token),
                "sign_in_page_url": links.sign_in_page(),
                **extra,
            },
        )
    )


LinkRow = TypeVar("LinkRow", SignInToken, NominationToken)


def _usable_link(
    session: Session, model: type[LinkRow], purpose: str, token: str, secret_key: str
) -> LinkRow:
    """The stored link (sign-in or nomination) for ``token`` if it is known, unused and in
    date; :class:`LinkRefused` saying which it is not."""
    presented = _digest(purpose, token, secret_key)
    row = session.scalars(sa.select(model).where(model.token_digest == presented)).first()
    if row is None or not hmac.compare_digest(row.token_digest, presented):
        raise LinkRefused(LinkProblem.UNKNOWN)
    if row.used_at is not None:
        raise LinkRefused(LinkProblem.USED)
    if clock.now() >= row.expires_at:
        raise LinkRefused(LinkProblem.EXPIRED)
    return row


def check_sign_in_link(session: Session, token: str, *, secret_key: str) -> SignInToken:
    """The stored link for ``token`` if it can still sign someone in; :class:`LinkRefused` if not."""
    return _usable_link(session, SignInToken, "sign-in link", token, secret_key)


def sign_in_with_link(session: Session, token: str, *, secret_key: str) -> User:
    """Use up the link and return its user. Of two simultaneous uses only one succeeds."""
    row = check_sign_in_link(session, token, secret_key=secret_key)
    moment = clock.now()
    consumed = session.execute(
        sa.update(SignInToken)
        .where(SignInToken.id == row.id, SignInToken.used_at.is_(None))
        .values(used_at=moment, updated_at=moment)
        .execution_options(synchronize_session=False)
    )
    if consumed.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkRefused(LinkProblem.USED)
    session.refresh(row)
    user = row.user
    user.last_signed_in_at = moment
    session.flush()
    return user


# --- sessions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Resumed:
    """The user behind a session key, or None; ``timed_out`` when it ended for inactivity."""

    user: User | None
    timed_out: bool = False
    second_factor: bool = False


def start_session(session: Session, user: User, *, secret_key: str, second_factor: bool = False) -> str:
    """A new session for ``user``; the returned key goes in the cookie and nowhere else.
    ``second_factor`` records that the person also passed their authenticator code."""
    key = _new_token()
    moment = clock.now()
    session.add(
        UserSession(
            user_id=user.id,
            key_digest=_digest("session", key, secret_key),
            created_at=moment,
            last_seen_at=moment,
            second_factor_at=moment if second_factor else None,
        )
    )
    session.flush()
    return key


def resume_session(session: Session, key: str, *, secret_key: str) -> Resumed:
    presented = _digest("session", key, secret_key)
    row = session.scalars(sa.select(UserSession).where(UserSession.key_digest == presented)).first()
    if row is None or row.ended_at is not None or not hmac.compare_digest(row.key_digest, presented):
        return Resumed(None)
    moment = clock.now()
    if moment - row.last_seen_at > SESSION_IDLE_TIMEOUT or moment - row.created_at > SESSION_MAX_AGE:
        row.ended_at = moment
        session.flush()
        return Resumed(None, timed_out=True)
    if moment - row.last_seen_at >= SESSION_TOUCH_INTERVAL:
        row.last_seen_at = moment
        session.flush()
    return Resumed(row.user, second_factor=row.second_factor_at is not None)


def end_session(session: Session, key: str, *, secret_key: str) -> None:
    session.execute(
        sa.update(UserSession)
        .where(UserSession.key_digest == _digest("session", key, secret_key), UserSession.ended_at.is_(None))
        .values(ended_at=clock.now())
        .execution_options(synchronize_session=False)
    )


# --- nominating the induction tutor ----------------------------------------------------


def gias_contact_email(school: School) -> str | None:
    """Where nomination links go: the school's main GIAS address, else its alternative one."""
    return school.primary_contact_email or school.secondary_contact_email or None


def send_nomination_link(
    session: Session, school: School, *, secret_key: str, sender: EmailSender, links: Links
) -> NominationToken:
    """Email the school's GIAS contact a link to name its induction tutor (or, when it has
    one, to name someone else). Refused for schools that cannot use the service or have no
    address; :class:`TooManyRequests` past five a day or within five minutes of the last."""
    if not can_access_service(school):
        raise NominationRefused("not_eligible")
    to = gias_contact_email(school)
    if to is None:
        raise NominationRefused("no_email")
    moment = clock.now()
    recent = session.scalars(
        sa.select(NominationToken.created_at)
        .where(
            NominationToken.school_id == school.id, NominationToken.created_at > moment - dt.timedelta(days=1)
        )
        .order_by(NominationToken.created_at.desc())
    ).all()
    if recent and moment - recent[0] < NOMINATION_INTERVAL:
        raise TooManyRequests(retry_after=recent[0] + NOMINATION_INTERVAL - moment)
    if len(recent) >= NOMINATIONS_PER_SCHOOL_PER_DAY:
        raise TooManyRequests(
            retry_after=recent[NOMINATIONS_PER_SCHOOL_PER_DAY - 1] + dt.timedelta(days=1) - moment
        )

    token = _new_token()
    row = NominationToken(
        school_id=school.id,
        token_digest=_digest("nomination link", token, secret_key),
        sent_to=to,
        expires_at=moment + NOMINATION_LINK_LIFETIME,
    )
    session.add(row)
    session.flush()
    personalisation = {
        "school_name": school.name,
        "urn": school.urn,
        "nomination_url": links.nomination(token),
        "expiry_date": _long_date(row.expires_at),
        "request_access_url": links.request_access(),
    }
    if school.induction_tutor is not None:
        template = templates.TUTOR_CHANGE_REQUESTED
        personalisation |= {
            "tutor_name": school.induction_tutor.full_name,
            "sign_in_page_url": links.sign_in_page(),
        }
    else:
        template = templates.NOMINATION
    sender.send(EmailMessage(to=to, template=template, personalisation=personalisation))
    return row


def _long_date(moment: dt.datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def check_nomination_link(session: Session, token: str, *, secret_key: str) -> NominationToken:
    return _usable_link(session, NominationToken, "nomination link", token, secret_key)


def check_nominee(session: Session, school: School, full_name: str, email: str) -> None:
    """The rules on who can be named, each as a message on ``full_name`` or ``email``."""
    errors = []
    if not _tidy_name(full_name):
        errors.append(("full_name", "Enter the induction tutor’s full name"))
    elif len(_tidy_name(full_name)) > NAME_MAX_LENGTH:
        errors.append(("full_name", f"Full name must be {NAME_MAX_LENGTH} characters or fewer"))
    if not email.strip():
        errors.append(("email", "Enter the induction tutor’s email address"))
    elif not valid_email(email):
        errors.append(("email", "Enter an email address in the correct format, like name@example.com"))
    if errors:
        raise RuleBroken(errors)
    address = normalise_email(email)
    current = school.induction_tutor
    if current is not None and normalise_email(current.email) == address:
        raise RuleBroken.on("email", f"{current.full_name} is already the induction tutor for {school.name}")
    existing = find_user(session, address)
    known_name = existing.full_name if existing is not None else None
    if known_name is None:
        tutor = session.scalars(
            sa.select(InductionTutor).where(sa.func.lower(InductionTutor.email) == address)
        ).first()
        known_name = tutor.full_name if tutor is not None else None
    if known_name is not None and not _same_name(known_name, full_name):
        raise RuleBroken.on(
            "email",
            "This email address belongs to someone with a different name. Check the name and email address",
        )


def nominate_induction_tutor(
    session: Session,
    token: str,
    full_name: str,
    email: str,
    *,
    secret_key: str,
    sender: EmailSender,
    links: Links,
) -> InductionTutor:
    """Use up the nomination link and make this person the school's induction tutor."""
    row = check_nomination_link(session, token, secret_key=secret_key)
    moment = clock.now()
    consumed = session.execute(
        sa.update(NominationToken)
        .where(NominationToken.id == row.id, NominationToken.used_at.is_(None))
        .values(used_at=moment, updated_at=moment)
        .execution_options(synchronize_session=False)
    )
    if consumed.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkRefused(LinkProblem.USED)
    return appoint_induction_tutor(
        session, row.school, full_name, email, secret_key=secret_key, sender=sender, links=links
    )


def appoint_induction_tutor(
    session: Session,
    school: School,
    full_name: str,
    email: str,
    *,
    secret_key: str,
    sender: EmailSender,
    links: Links,
) -> InductionTutor:
    """Make this person the school's induction tutor, replacing any other, and email them a
    link to sign in. Shared by the nomination link, a tutor handing over, and DfE staff.

    A tutor replaced at their last school loses the role and, with it, their pages.
    """
    check_nominee(session, school, full_name, email)
    address = normalise_email(email)
    user = _account_for(session, address)
    if user is None:
        user = User(email=address, full_name=_tidy_name(full_name))
        session.add(user)
        session.flush()
    tutor = session.scalars(sa.select(InductionTutor).where(InductionTutor.user_id == user.id)).first()
    if tutor is None:
        tutor = InductionTutor(full_name=user.full_name, email=user.email, user_id=user.id)
        session.add(tutor)
        session.flush()
    school.induction_tutor = tutor
    session.flush()
    _send_sign_in_link(
        session,
        user,
        templates.TUTOR_NOMINATED,
        {"school_name": school.name},
        secret_key=secret_key,
        sender=sender,
        links=links,
    )
    return tutor


# --- lead provider users ---------------------------------------------------------------


def add_lead_provider_user(
    session: Session,
    provider: LeadProvider,
    full_name: str,
    email: str,
    *,
    sender: EmailSender,
    links: Links,
) -> User:
    """Give someone at a lead provider an account, and tell them how to sign in."""
    errors = []
    if not _tidy_name(full_name):
        errors.append(("full_name", "Enter the person’s full name"))
    elif len(_tidy_name(full_name)) > NAME_MAX_LENGTH:
        errors.append(("full_name", f"Full name must be {NAME_MAX_LENGTH} characters or fewer"))
    if not valid_email(email):
        errors.append(("email", "Enter an email address in the correct format, like name@example.com"))
    if errors:
        raise RuleBroken(errors)
    address = normalise_email(email)
    user = _account_for(session, address)
    if user is None:
        user = User(email=address, full_name=_tidy_name(full_name))
        session.add(user)
        session.flush()
    elif not _same_name(user.full_name, full_name):
        raise RuleBroken.on(
            "email",
            "This email address belongs to someone with a different name. Check the name and email address",
        )
    existing = lead_provider_of(session, user)
    if existing is not None:
        raise RuleBroken.on("email", f"{user.email} already has an account for {existing.name}")
    session.add(LeadProviderUser(user_id=user.id, lead_provider_id=provider.id))
    session.flush()
    sender.send(
        EmailMessage(
            to=user.email,
            template=templates.LEAD_PROVIDER_WELCOME,
            personalisation={
                "full_name": user.full_name,
                "lead_provider_name": provider.name,
                "sign_in_page_url": links.sign_in_page(),
            },
        )
    )
    return user
