"""Helpers for tests of the service's pages: CSRF tokens, forms, the outbox, people."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import accounts
from integrations.email import OutboxSender
from storage.models import LeadProvider, OutboxEmail, School, User
from tests import builders
from web.auth.links import PageLinks

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_URL = re.compile(r"https?://\S+")


def text_of(page: str) -> str:
    """The page's text, tags dropped and spaces collapsed."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).strip()


def main_text(page: str) -> str:
    found = re.search(r"<main.*?</main>", page, re.S)
    return text_of(found.group(0) if found else page)


def title_of(page: str) -> str:
    return text_of(re.search(r"<title[^>]*>(.*?)</title>", page, re.S).group(1))  # type: ignore[union-attr]


def h1_of(page: str) -> str:
    return text_of(re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1))  # type: ignore[union-attr]


def error_summary(page: str) -> list[str]:
    """The messages in the GOV.UK error summary, in order."""
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    return (
        [text_of(item) for item in re.findall(r"<li>(.*?)</li>", summary.group(0), re.S)] if summary else []
    )


def inline_errors(page: str) -> list[str]:
    return [
        text_of(message).removeprefix("Error:").strip()
        for message in re.findall(r'<p id="[^"]*-error" class="govuk-error-message">(.*?)</p>', page, re.S)
    ]


def csrf_token(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "no CSRF token on the page"
    return html.unescape(found.group(1))


def submit(
    client: Any, path: str, data: dict[str, str] | None = None, *, page: str | None = None, **kwargs: Any
) -> Any:
    """POST a form as a browser would: with the CSRF token of the page it is on (fetched
    from ``path`` unless ``page`` is given). Redirects are not followed."""
    if page is None:
        page = client.get(path).text
    return client.post(
        path, data={"csrf_token": csrf_token(page), **(data or {})}, follow_redirects=False, **kwargs
    )


def outbox(session: Session, to: str | None = None) -> list[OutboxEmail]:
    session.expire_all()
    query = sa.select(OutboxEmail).order_by(OutboxEmail.created_at.desc())
    if to is not None:
        query = query.where(sa.func.lower(OutboxEmail.to) == to.lower())
    return list(session.scalars(query))


def link_in(email: OutboxEmail, containing: str = "token=") -> str:
    """The path and query of the first link in an email that contains ``containing``."""
    url = next(url for url in _URL.findall(email.body) if containing in url)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def make_tutor(session: Session, *, name: str = "Jo Bloggs", email: str = "jo.bloggs@ash-tree.example.com",
               school: School | None = None) -> tuple[User, School]:  # fmt: skip
    """A school and its induction tutor with an account (committed); the outbox is emptied."""
    school = school or builders.school(session, induction_tutor=None, name="Ash Tree Primary School")
    links = PageLinks("http://testserver", "help@example.test")
    tutor = accounts.appoint_induction_tutor(
        session, school, name, email, secret_key="not-used-here", sender=OutboxSender(session), links=links
    )
    session.execute(sa.delete(OutboxEmail))
    session.commit()
    assert tutor.user is not None
    return tutor.user, school


def make_provider_user(
    session: Session, *, email: str = "pat@provider.example.com", name: str = "Pat Provider"
) -> tuple[User, LeadProvider]:
    provider = session.scalars(
        sa.select(LeadProvider).where(LeadProvider.name == "Ambition Institute")
    ).first()
    if provider is None:
        provider = LeadProvider(name="Ambition Institute")
        session.add(provider)
        session.flush()
    links = PageLinks("http://testserver", "help@example.test")
    user = accounts.add_lead_provider_user(
        session, provider, name, email, sender=OutboxSender(session), links=links
    )
    session.execute(sa.delete(OutboxEmail))
    session.commit()
    return user, provider


def sign_in(client: Any, session: Session, email: str) -> Any:
    """Ask for a link on the sign-in page, open it from the outbox and press the button;
    returns the response to that POST."""
    assert submit(client, "/sign-in", {"email": email}).status_code == 302
    confirm = client.get(link_in(outbox(session, to=email)[0]))
    assert confirm.status_code == 200, confirm.text
    return submit(client, "/sign-in/confirm", {"token": _hidden(confirm.text, "token")}, page=confirm.text)


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page
    )
    assert found, f"no hidden {name}"
    return html.unescape(found.group(1))
