"""Helpers for tests of DfE staff pages: make a staff account and sign in as one, through the
emailed link and the authenticator step, as a person with the app on their phone would."""

from __future__ import annotations

import html
import re
from typing import Any

import pyotp
import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import clock, staff
from storage.enums import StaffRole
from storage.models import OutboxEmail, StaffSecondFactor, User
from tests.web.service_pages import link_in, outbox, submit

#: Each staff member's authenticator secret, as their app would hold it (read at enrolment).
APPS: dict[str, str] = {}


def make_staff(session: Session, email: str, *roles: StaffRole | str, name: str = "Sam Staff") -> User:
    user = staff.add_staff_user(session, email, name, [StaffRole(role) for role in roles])
    session.execute(sa.delete(OutboxEmail))
    session.commit()
    return user


def app_code(session: Session, email: str) -> str:
    """The code the person's app shows: the current step's code, or the next one when that is
    used (as if they waited for the next code when signing in twice within 30 seconds). Steps
    at or after the current one stay inside the accepted window even when a 30-second boundary
    passes before the code is posted; the previous step is the last resort."""
    totp = pyotp.TOTP(APPS[email])
    session.expire_all()
    used = session.scalars(
        sa.select(StaffSecondFactor.last_used_step).join(User).where(User.email == email)
    ).first()
    step = totp.timecode(clock.now())
    preferred = [
        *range(step, step + staff.CODE_WINDOW + 1),
        *range(step - 1, step - staff.CODE_WINDOW - 1, -1),
    ]
    for candidate in preferred:
        if used is None or candidate > used:
            return totp.generate_otp(candidate)
    raise AssertionError("every code in the window is used")


def sign_in_staff(client: Any, session: Session, email: str) -> Any:
    """Link from the outbox → confirm → authenticator page (enrolling the app the first time)
    → code. Returns the response to the code's POST."""
    assert submit(client, "/sign-in", {"email": email}).status_code == 302
    confirm = client.get(link_in(outbox(session, to=email)[0]))
    token = re.search(r'name="token"[^>]*value="([^"]*)"', confirm.text) or re.search(
        r'value="([^"]*)"[^>]*name="token"', confirm.text
    )
    assert token, confirm.text
    step = submit(client, "/sign-in/confirm", {"token": html.unescape(token.group(1))}, page=confirm.text)
    assert (step.status_code, step.headers["location"]) == (302, "/sign-in/authenticator")
    page = client.get("/sign-in/authenticator")
    secret = re.search(r'class="app-secret-key">([A-Z2-7]+)<', page.text)
    if secret:
        APPS[email] = secret.group(1)
    return submit(client, "/sign-in/authenticator", {"code": app_code(session, email)}, page=page.text)
