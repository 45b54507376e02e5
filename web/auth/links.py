"""The addresses emails point to, built from the service's public address.

Links in emails are never built from the request's Host header: whoever sends the request
chooses that header, and a sign-in link pointing at their host would hand them the token.
``CPD_BASE_URL`` names the public address; outside production a request's own host stands in
when it is unset, so ``make run`` and the tests work on any port. The paths are constants so
commands (which have no request) can build the same links.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from cpd.config import Settings

START_PATH = "/"
SIGN_IN_PATH = "/sign-in"
CONFIRM_SIGN_IN_PATH = "/sign-in/confirm"
NOMINATION_START_PATH = "/nominations/start"
REQUEST_ACCESS_PATH = "/request-access"
#: A school challenges a partnership from its email without signing in (web/schools/challenge.py).
REPORT_PARTNERSHIP_PATH = "/schools/report-incorrect-partnership"
#: What commands use outside production when ``CPD_BASE_URL`` is unset (``make run``'s address).
DEVELOPMENT_BASE_URL = "http://127.0.0.1:8000"


class BaseUrlMissing(RuntimeError):
    """Production without ``CPD_BASE_URL``: emails would have nowhere to point."""


@dataclass(frozen=True)
class PageLinks:
    """:class:`domain.accounts.Links` for this service."""

    base_url: str
    support_email: str

    def sign_in(self, token: str) -> str:
        return f"{self.base_url}{CONFIRM_SIGN_IN_PATH}?{urlencode({'token': token})}"

    def sign_in_page(self) -> str:
        return f"{self.base_url}{SIGN_IN_PATH}"

    def nomination(self, token: str) -> str:
        return f"{self.base_url}{NOMINATION_START_PATH}?{urlencode({'token': token})}"

    def request_access(self) -> str:
        return f"{self.base_url}{REQUEST_ACCESS_PATH}"

    def report_partnership(self, token: str) -> str:
        return f"{self.base_url}{REPORT_PARTNERSHIP_PATH}?{urlencode({'token': token})}"


def links_for(settings: Settings, request_host_url: str | None = None) -> PageLinks:
    """Links from ``CPD_BASE_URL``; outside production, else the request's host (pages) or
    ``make run``'s address (commands)."""
    base = settings.base_url
    if base is None:
        if settings.environment == "production":
            raise BaseUrlMissing("CPD_BASE_URL is not set, so emails cannot link to the service")
        base = request_host_url or DEVELOPMENT_BASE_URL
    return PageLinks(base_url=base.rstrip("/"), support_email=settings.support_email)
