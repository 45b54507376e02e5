"""Sign-in hardening through the pages: the per-client limit on link requests (whatever the
addresses), and a used link refused when its form is sent again (not only when reopened).
The per-address limit and reopening a used link: tests/web/test_auth_pages.py."""

from __future__ import annotations

from domain import accounts
from tests.web.service_pages import h1_of, link_in, make_tutor, outbox, submit


def test_one_client_asking_for_links_for_many_addresses_is_refused_after_thirty(client, session):
    for n in range(accounts.LINK_REQUESTS_PER_CLIENT):
        answer = submit(client, "/sign-in", {"email": f"person{n}@example.com"})
        assert answer.status_code == 302, n
    refused = submit(client, "/sign-in", {"email": "one-more@example.com"})
    assert refused.status_code == 429
    assert "too many" in h1_of(refused.text).lower()
    assert outbox(session, to="one-more@example.com") == []


def test_a_used_link_cannot_sign_in_again_even_by_resending_its_form(client, session):
    user, _school = make_tutor(session)
    submit(client, "/sign-in", {"email": user.email})
    path = link_in(outbox(session, to=user.email)[0])
    page = client.get(path).text
    token = path.split("token=")[1]
    first = submit(client, "/sign-in/confirm", {"token": token}, page=page)
    assert first.status_code == 302
    client.cookies.clear()
    page = client.get("/sign-in").text
    again = submit(client, "/sign-in/confirm", {"token": token}, page=page)
    assert again.status_code in (400, 410)
    assert client.get("/schools", follow_redirects=False).status_code == 302  # not signed in
