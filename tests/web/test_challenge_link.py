"""A school challenges a partnership from the link in the email telling it a provider confirmed
it (no sign-in needed, until the challenge deadline), or from its dashboard; either way every user
of the provider is emailed and the provider loses sight of the school's participants."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from domain.partnerships import ChallengeLinkInvalid, challenge_token, partnership_for_challenge_token
from storage.enums import ChallengeReason
from storage.models import Partnership, School
from tests import builders
from tests.factories import provider_with_token
from tests.web.service_pages import (
    error_summary,
    h1_of,
    link_in,
    make_provider_user,
    make_tutor,
    outbox,
    sign_in,
    submit,
)
from tests.web.test_provider_pages import _hidden, provider, signed_in, upload_ok  # noqa: F401  (fixtures)

LINK = "/schools/report-incorrect-partnership"


def confirm_schools(client, session, urns: str) -> None:
    """The provider uploads the URNs and confirms them, as on its pages."""
    check_path = upload_ok(client, session, f"URN\n{urns}\n")
    page = client.get(check_path)
    assert (
        submit(client, check_path, {"shown": _hidden(page.text, "shown")}, page=page.text).status_code == 302
    )


def partnership_of(session, urn: str) -> Partnership:
    session.expire_all()
    return session.scalars(sa.select(Partnership).join(School).where(School.urn == urn)).one()


def challenged_emails(session) -> list:
    return [
        e for e in outbox(session, to="pat@provider.example.com") if e.template == "partnership_challenged"
    ]


def test_both_schools_emails_carry_a_link_that_challenges_without_signing_in(app, signed_in, session):  # noqa: F811
    tutor_school = builders.school(session, urn="400010", name="Birch Primary", la_name="Leeds")
    builders.school(session, urn="400011", name="Cedar Academy", induction_tutor=None,
                    primary_contact_email="office@cedar.example.sch.uk")  # fmt: skip
    session.commit()
    confirm_schools(signed_in, session, "400010\n400011")
    (to_tutor,) = outbox(session, to=tutor_school.induction_tutor.email)
    (to_office,) = outbox(session, to="office@cedar.example.sch.uk")
    assert "(you do not need to sign in)" in to_tutor.body and "(nobody needs to sign in)" in to_office.body

    for email, urn, name in ((to_tutor, "400010", "Birch Primary"), (to_office, "400011", "Cedar Academy")):
        link = link_in(email, LINK)
        with app.test_client() as school:  # nobody signed in
            page = school.get(link)
            assert page.status_code == 200
            assert (
                h1_of(page.text)
                == "Why is the partnership with Ambition Institute and Leeds Partnership not right?"
            )
            assert partnership_of(session, urn).challenge_reason is None  # opening the link changes nothing
            assert error_summary(submit(school, link, {}, page=page.text).text) == [
                "Select why you are reporting this partnership"
            ]
            done = submit(school, link, {"reason": "do_not_recognise"}, page=page.text)
            assert done.status_code == 302 and done.headers["location"].startswith(f"{LINK}/reported?token=")
            assert h1_of(school.get(done.headers["location"]).text) == "Partnership reported"
            assert h1_of(school.get(link).text) == "This partnership has already been reported"
        assert partnership_of(session, urn).challenge_reason == ChallengeReason.DO_NOT_RECOGNISE
        (told,) = [e for e in challenged_emails(session) if f"{name} (URN {urn})" in e.body]
        assert told.subject == f"{name} says it is not working with Ambition Institute"
        assert "The reason they gave: We do not recognise this provider" in told.body
        assert "Leeds Partnership in the 2025 to 2026 academic year" in told.body
    assert len(challenged_emails(session)) == 2


@pytest.mark.parametrize("token", ["", "nonsense", "0" * 32 + ".abc"])
def test_a_link_that_names_no_partnership_gets_a_clear_page(client, token):
    page = client.get(f"{LINK}?token={token}")
    assert page.status_code == 404 and h1_of(page.text) == "This link is not valid"


def test_a_tampered_link_gets_the_same_page_and_challenges_nothing(app, signed_in, session):  # noqa: F811
    builders.school(session, urn="400010", name="Birch Primary")
    session.commit()
    confirm_schools(signed_in, session, "400010")
    link = link_in(next(e for e in outbox(session) if e.template == "partnership_confirmed_tutor"), LINK)
    tampered = link[:-4] + ("0000" if not link.endswith("0000") else "1111")
    with app.test_client() as school:
        page = school.get(tampered)
        assert (page.status_code, h1_of(page.text)) == (404, "This link is not valid")
        refused = school.post(tampered, data={"reason": "mistake", "csrf_token": "x"})
        assert refused.status_code == 400
    assert partnership_of(session, "400010").challenge_reason is None


def test_after_the_deadline_the_link_says_so_and_challenges_nothing(app, signed_in, session):  # noqa: F811
    builders.school(session, urn="400010", name="Birch Primary")
    session.commit()
    confirm_schools(signed_in, session, "400010")
    email = next(e for e in outbox(session) if e.template == "partnership_confirmed_tutor")
    link = link_in(email, LINK)
    deadline = partnership_of(session, "400010").challenge_deadline
    assert deadline is not None
    late = {"X-With-Server-Date": (deadline + dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")}
    with app.test_client() as school:
        form = school.get(link)  # opened in time, sent too late
        page = school.get(link, headers=late)
        assert h1_of(page.text) == "The deadline for reporting this partnership has passed"
        sent = submit(school, link, {"reason": "mistake"}, page=form.text, headers=late)
        assert h1_of(sent.text) == "The deadline for reporting this partnership has passed"
    assert partnership_of(session, "400010").challenge_reason is None
    assert challenged_emails(session) == []


def test_confirming_again_with_a_new_deadline_retires_the_old_link(session, settings):
    lead_provider, _ = provider_with_token(session, settings.secret_key)
    partner = builders.delivery_partner(session, lead_provider)
    partnership, _ = builders.partnership(
        session,
        builders.school(session),
        lead_provider,
        partner,
        2025,
        challenge_deadline=builders.at(2025, 10, 31),
    )
    session.commit()
    token = challenge_token(partnership, settings.secret_key)
    assert partnership_for_challenge_token(session, token, settings.secret_key).id == partnership.id
    with pytest.raises(ChallengeLinkInvalid):  # signed with the service's own key
        partnership_for_challenge_token(session, token, "another-secret-key-that-is-long-enough-0123")
    partnership.challenge_deadline = builders.at(2025, 11, 30)
    session.commit()
    with pytest.raises(ChallengeLinkInvalid):
        partnership_for_challenge_token(session, token, settings.secret_key)


def test_a_challenge_from_the_dashboard_emails_the_providers_users_too(app, signed_in, session):  # noqa: F811
    make_provider_user(session, email="sam@provider.example.com", name="Sam Provider")
    _, school = make_tutor(session)
    confirm_schools(signed_in, session, school.urn)
    with app.test_client() as tutor:
        assert sign_in(tutor, session, school.induction_tutor.email).status_code == 302
        report = f"/schools/{school.urn}-ash-tree-primary-school/partnerships/{partnership_of(session, school.urn).id}/report"
        assert submit(tutor, report, {"reason": "no_ects"}).status_code == 302
    told = sorted(e.to for e in outbox(session) if e.template == "partnership_challenged")
    assert told == ["pat@provider.example.com", "sam@provider.example.com"]
