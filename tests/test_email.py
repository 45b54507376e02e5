"""Email: our templates, the outbox, the choice of sender, and the GOV.UK Notify adapter
against a local fake of Notify's v2 API (real HTTP, the official client, its JWT auth)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest

from cpd.config import ConfigurationError, load_settings
from integrations import email_templates
from integrations.email import (
    EmailMessage,
    EmailNotConfigured,
    EmailNotSent,
    NotifySender,
    OutboxSender,
    build_sender,
    outbox_available,
    outbox_messages,
)

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"cpd_test_key-{SERVICE_ID}-{SECRET}"
TEMPLATE_IDS = {name: str(uuid.uuid5(uuid.NAMESPACE_URL, name)) for name in email_templates.TEMPLATES}
REFUSED_TEMPLATE = TEMPLATE_IDS[email_templates.ACCESS_INFO]


@dataclass
class FakeNotify:
    """What the fake Notify received: each request's verified claims and JSON body."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(scope="module")
def notify() -> Iterator[FakeNotify]:
    """A tiny Notify: ``POST /v2/notifications/email`` with a bearer JWT signed (HS256) with
    the key's secret, issued by the service id, at most 30 seconds old, as Notify checks."""
    state = FakeNotify(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            scheme, _, token = self.headers.get("Authorization", "").partition(" ")
            try:
                claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_iat": True})
                assert scheme == "Bearer" and claims["iss"] == SERVICE_ID
                assert abs(time.time() - claims["iat"]) <= 30
            except (jwt.PyJWTError, AssertionError, KeyError):
                return self._answer(403, {"errors": [{"error": "AuthError", "message": "Invalid token"}]})
            if self.path != "/v2/notifications/email":
                return self._answer(404, {"errors": [{"error": "NotFound", "message": "Not found"}]})
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.received.append({"claims": claims, "body": body, "user_agent": self.headers["User-agent"]})
            if body["template_id"] == REFUSED_TEMPLATE:
                message = "Can’t send to this recipient using a team-only API key"
                return self._answer(400, {"errors": [{"error": "BadRequestError", "message": message}]})
            notification = str(uuid.uuid4())
            return self._answer(
                201,
                {
                    "id": notification,
                    "reference": None,
                    "content": {"subject": "s", "body": "b", "from_email": "service@notify.example"},
                    "uri": f"{state.url}/v2/notifications/{notification}",
                    "template": {"id": body["template_id"], "version": 1, "uri": "x"},
                },
            )

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def test_the_notify_adapter_sends_template_address_and_personalisation_with_notifys_auth(notify):
    sender = NotifySender(API_KEY, TEMPLATE_IDS, base_url=notify.url)
    personalisation = {
        "full_name": "Jo Bloggs",
        "sign_in_url": "https://x.test/s?t=1",
        "sign_in_page_url": "https://x.test/s",
    }
    sender.send(EmailMessage("jo@school.example.com", email_templates.SIGN_IN, personalisation))
    request = notify.received[-1]
    assert request["body"] == {
        "email_address": "jo@school.example.com",
        "template_id": TEMPLATE_IDS["sign_in"],
        "personalisation": personalisation,
    }
    assert request["claims"]["iss"] == SERVICE_ID
    assert request["user_agent"].startswith("NOTIFY-API-PYTHON-CLIENT/")


def test_notify_refusing_or_missing_is_an_error_that_names_the_template_not_the_links(notify):
    sender = NotifySender(API_KEY, TEMPLATE_IDS, base_url=notify.url)
    access = {"request_access_url": "u", "support_email": "s", "sign_in_page_url": "p"}
    with pytest.raises(EmailNotSent, match="'access_info'"):
        sender.send(EmailMessage("jo@school.example.com", email_templates.ACCESS_INFO, access))
    wrong_key = NotifySender(f"cpd_test_key-{SERVICE_ID}-{uuid.uuid4()}", TEMPLATE_IDS, base_url=notify.url)
    with pytest.raises(EmailNotSent):
        wrong_key.send(
            EmailMessage(
                "jo@school.example.com",
                email_templates.SIGN_IN,
                {"full_name": "a", "sign_in_url": "b", "sign_in_page_url": "c"},
            )
        )
    unreachable = NotifySender(API_KEY, TEMPLATE_IDS, base_url="http://127.0.0.1:9", timeout=2)
    with pytest.raises(EmailNotSent):
        unreachable.send(EmailMessage("jo@school.example.com", email_templates.ACCESS_INFO, access))


def test_the_outbox_keeps_the_rendered_message(session):
    OutboxSender(session).send(
        EmailMessage(
            "Head@Oak.example.com",
            email_templates.NOMINATION,
            {
                "school_name": "Oak Primary",
                "urn": "100001",
                "nomination_url": "http://x.test/n?token=abc",
                "expiry_date": "1 April 2026",
                "request_access_url": "http://x.test/request-access",
            },
        )
    )
    kept = outbox_messages(session, to="head@oak.example.com")[0]
    assert kept.subject == "Tell us who will register early career teachers at Oak Primary"
    assert "http://x.test/n?token=abc" in kept.body and "1 April 2026" in kept.body
    assert "((" not in kept.body
    assert kept.personalisation["urn"] == "100001"


def test_a_template_sent_without_one_of_its_values_is_refused():
    with pytest.raises(email_templates.MissingPersonalisation, match="sign_in_url"):
        email_templates.render(email_templates.SIGN_IN, {"full_name": "A", "sign_in_page_url": "p"})


def test_every_template_has_a_subject_a_body_and_a_notify_variable():
    for name, template in email_templates.TEMPLATES.items():
        assert template.subject and template.body.strip()
        assert template.notify_env == f"NOTIFY_TEMPLATE_{name.upper()}"


def test_the_sender_is_notify_with_a_key_the_outbox_without_and_nothing_in_production(settings, session):
    assert isinstance(build_sender(settings, session), OutboxSender)
    assert outbox_available(settings)
    with_notify = replace(settings, notify_api_key=API_KEY, notify_template_ids=TEMPLATE_IDS)
    assert isinstance(build_sender(with_notify, session), NotifySender)
    assert not outbox_available(with_notify)
    production = replace(settings, environment="production")
    assert not outbox_available(production)
    with pytest.raises(EmailNotConfigured):
        build_sender(production, session)


def test_notify_template_ids_come_from_the_environment_and_must_all_be_set_with_a_key():
    env = {f"NOTIFY_TEMPLATE_{name.upper()}": template_id for name, template_id in TEMPLATE_IDS.items()}
    settings = load_settings({**env, "NOTIFY_API_KEY": API_KEY})
    assert settings.notify_template_ids == TEMPLATE_IDS
    assert API_KEY not in repr(settings)
    del env["NOTIFY_TEMPLATE_SIGN_IN"]
    with pytest.raises(ConfigurationError, match="NOTIFY_TEMPLATE_SIGN_IN"):
        load_settings({**env, "NOTIFY_API_KEY": API_KEY})
    with pytest.raises(ConfigurationError, match=r"not a GOV\.UK Notify API key"):
        load_settings({**env, "NOTIFY_API_KEY": "short"})
