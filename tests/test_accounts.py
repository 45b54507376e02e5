"""Accounts: sign-in links (single use, a day long, newest only), their rate limits,
sessions, naming a school's induction tutor, and lead provider users (domain.accounts)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from domain import accounts
from domain.accounts import LinkProblem, LinkRefused, Role, TooManyRequests
from domain.clock import UTC, now, travel
from domain.errors import RuleBroken
from integrations.email import OutboxSender, outbox_messages
from storage.models import InductionTutor, LeadProvider, SignInLinkRequest, SignInToken, User
from tests import builders
from web.auth.links import PageLinks

SECRET = "test-secret-key-that-is-long-enough-0123456789"
LINKS = PageLinks("http://service.test", "help@service.test")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def token_in(body: str) -> str:
    url = next(word for word in body.split() if "token=" in word)
    return parse_qs(urlsplit(url).query)["token"][0]


def request_link(session, email: str, client: str = "203.0.113.9") -> None:
    accounts.request_sign_in_link(
        session, email, client, secret_key=SECRET, sender=OutboxSender(session), links=LINKS
    )


def appoint(session, school, full_name: str, email: str):
    return accounts.appoint_induction_tutor(
        session, school, full_name, email, secret_key=SECRET, sender=OutboxSender(session), links=LINKS
    )


@pytest.fixture
def tutor(session):
    """A school whose induction tutor has an account."""
    school = builders.school(session, induction_tutor=None, name="Ash Tree Primary")
    with travel(START - dt.timedelta(days=1)):
        appoint(session, school, "Jo Bloggs", "Jo.Bloggs@Ash-Tree.example.com")
    session.commit()
    return session.scalars(sa.select(User).where(User.email == "jo.bloggs@ash-tree.example.com")).one()


def test_a_known_person_is_emailed_a_single_use_link_and_the_link_signs_them_in(session, tutor):
    with travel(START):
        request_link(session, "  JO.BLOGGS@ash-tree.example.com ")
    email = outbox_messages(session, to="jo.bloggs@ash-tree.example.com")[0]
    assert email.template == "sign_in"
    assert email.personalisation["full_name"] == "Jo Bloggs"
    assert email.body.startswith("Hello Jo Bloggs,")
    token = token_in(email.body)
    stored = session.scalars(sa.select(SignInToken)).one()
    assert token not in stored.token_digest and len(stored.token_digest) == 64  # only a digest is kept

    with travel(START + dt.timedelta(hours=23, minutes=59)):
        assert accounts.sign_in_with_link(session, token, secret_key=SECRET) == tutor
        assert tutor.last_signed_in_at == START + dt.timedelta(hours=23, minutes=59)
        with pytest.raises(LinkRefused) as again:
            accounts.sign_in_with_link(session, token, secret_key=SECRET)
    assert again.value.problem is LinkProblem.USED


def test_a_link_expires_after_24_hours(session, tutor):
    with travel(START):
        request_link(session, tutor.email)
    token = token_in(outbox_messages(session)[0].body)
    with travel(START + dt.timedelta(hours=24)), pytest.raises(LinkRefused) as refused:
        accounts.check_sign_in_link(session, token, secret_key=SECRET)
    assert refused.value.problem is LinkProblem.EXPIRED


def test_only_the_newest_link_works_and_unknown_tokens_are_refused(session, tutor):
    with travel(START):
        request_link(session, tutor.email)
    with travel(START + dt.timedelta(minutes=1)):
        request_link(session, tutor.email)
        sign_in_emails = [m for m in reversed(outbox_messages(session)) if m.template == "sign_in"]
        older, newer = (token_in(message.body) for message in sign_in_emails)
        for token in (older, "not-a-token", ""):
            with pytest.raises(LinkRefused) as refused:
                accounts.check_sign_in_link(session, token, secret_key=SECRET)
            assert refused.value.problem is LinkProblem.UNKNOWN
        assert accounts.check_sign_in_link(session, newer, secret_key=SECRET).user == tutor


def test_an_unknown_address_is_told_how_to_get_access_and_no_account_is_made(session):
    request_link(session, "Stranger@Example.com")
    email = outbox_messages(session)[0]
    assert (email.to, email.template) == ("Stranger@Example.com", "access_info")
    assert email.personalisation["request_access_url"] == "http://service.test/request-access"
    assert "help@service.test" in email.body
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(SignInToken)) == 0


def test_someone_with_no_role_left_is_treated_as_unknown(session, tutor):
    school = accounts.tutor_schools(session, tutor)[0]
    appoint(session, school, "Sam Other", "sam@ash-tree.example.com")
    assert accounts.roles_of(session, tutor) == []
    request_link(session, tutor.email)
    assert outbox_messages(session, to=tutor.email)[0].template == "access_info"


def test_a_tutor_recorded_before_accounts_existed_gets_an_account_on_asking(session):
    school = builders.school(session)  # the builder's tutor has no user, like older sandbox data
    request_link(session, school.induction_tutor.email.upper())
    tutor = session.get(InductionTutor, school.induction_tutor_id)
    assert tutor.user is not None
    assert (tutor.user.email, tutor.user.full_name) == (tutor.email.lower(), tutor.full_name)
    assert accounts.roles_of(session, tutor.user) == [Role.INDUCTION_TUTOR]
    assert outbox_messages(session)[0].template == "sign_in"


def test_link_requests_are_limited_per_address_for_known_and_unknown_people_alike(session, tutor):
    with travel(START):
        for _ in range(accounts.LINK_REQUESTS_PER_EMAIL):
            request_link(session, tutor.email)
            request_link(session, "nobody@example.com")
    for address in (tutor.email, "NOBODY@example.com"):
        with travel(START + dt.timedelta(minutes=30)), pytest.raises(TooManyRequests) as limited:
            request_link(session, address)
        assert limited.value.retry_after == dt.timedelta(minutes=30)
    with travel(START + dt.timedelta(hours=1, seconds=1)):
        request_link(session, tutor.email)  # the window has moved on


def test_link_requests_are_limited_per_client_address(session):
    with travel(START):
        for n in range(accounts.LINK_REQUESTS_PER_CLIENT):
            request_link(session, f"person{n}@example.com", client="198.51.100.7")
        with pytest.raises(TooManyRequests):
            request_link(session, "one-more@example.com", client="198.51.100.7")
        request_link(session, "one-more@example.com", client="198.51.100.8")


def test_requests_older_than_a_day_are_forgotten(session):
    with travel(START):
        request_link(session, "a@example.com")
    with travel(START + dt.timedelta(days=1, minutes=1)):
        request_link(session, "b@example.com")
    assert session.scalar(sa.select(sa.func.count()).select_from(SignInLinkRequest)) == 1


def test_sessions_end_after_an_idle_hour_on_sign_out_and_after_twelve_hours(session, tutor):
    with travel(START):
        key = accounts.start_session(session, tutor, secret_key=SECRET)
    with travel(START + dt.timedelta(minutes=59)):
        assert accounts.resume_session(session, key, secret_key=SECRET).user == tutor
    with travel(START + dt.timedelta(minutes=59 + 61)):
        resumed = accounts.resume_session(session, key, secret_key=SECRET)
    assert resumed.user is None and resumed.timed_out

    with travel(START):
        key = accounts.start_session(session, tutor, secret_key=SECRET)
    for minutes in range(30, 12 * 60, 30):
        with travel(START + dt.timedelta(minutes=minutes)):
            assert accounts.resume_session(session, key, secret_key=SECRET).user == tutor
    with travel(START + dt.timedelta(hours=12, minutes=1)):
        assert accounts.resume_session(session, key, secret_key=SECRET).user is None

    key = accounts.start_session(session, tutor, secret_key=SECRET)
    accounts.end_session(session, key, secret_key=SECRET)
    assert accounts.resume_session(session, key, secret_key=SECRET) == accounts.Resumed(None)
    assert accounts.resume_session(session, "made-up", secret_key=SECRET).user is None


# --- nominations -----------------------------------------------------------------------


def send_nomination(session, school):
    return accounts.send_nomination_link(
        session, school, secret_key=SECRET, sender=OutboxSender(session), links=LINKS
    )


def test_a_school_without_a_tutor_is_sent_a_nomination_link_valid_for_21_days(session):
    school = builders.school(
        session,
        induction_tutor=None,
        primary_contact_email=None,
        secondary_contact_email="head@oak.example.com",
    )
    with travel(START):
        row = send_nomination(session, school)
    email = outbox_messages(session)[0]
    assert (email.to, email.template, row.sent_to) == (
        "head@oak.example.com",
        "nomination",
        "head@oak.example.com",
    )
    assert email.personalisation["expiry_date"] == "23 March 2026"
    assert email.personalisation["nomination_url"].startswith("http://service.test/nominations/start?token=")
    token = token_in(email.body)
    with travel(START + dt.timedelta(days=21) - dt.timedelta(seconds=1)):
        assert accounts.check_nomination_link(session, token, secret_key=SECRET).school == school
    with travel(START + dt.timedelta(days=21)), pytest.raises(LinkRefused) as refused:
        accounts.check_nomination_link(session, token, secret_key=SECRET)
    assert refused.value.problem is LinkProblem.EXPIRED


def test_a_school_with_a_tutor_is_told_who_it_is_with_a_link_to_change_them(session):
    school = builders.school(session, primary_contact_email="office@elm.example.com")
    send_nomination(session, school)
    email = outbox_messages(session)[0]
    assert email.template == "tutor_change_requested"
    assert email.personalisation["tutor_name"] == school.induction_tutor.full_name


def test_nomination_links_are_refused_without_an_address_or_for_a_school_that_cannot_use_the_service(session):
    with pytest.raises(accounts.NominationRefused, match="no_email"):
        send_nomination(session, builders.school(session, induction_tutor=None))
    closed = builders.school(session, school_status_code=2, primary_contact_email="office@shut.example.com")
    with pytest.raises(accounts.NominationRefused, match="not_eligible"):
        send_nomination(session, closed)


def test_nomination_links_are_limited_to_five_a_day_five_minutes_apart(session):
    school = builders.school(session, induction_tutor=None, primary_contact_email="office@pine.example.com")
    with travel(START):
        send_nomination(session, school)
    with travel(START + dt.timedelta(minutes=4)), pytest.raises(TooManyRequests):
        send_nomination(session, school)
    for n in range(1, 5):
        with travel(START + dt.timedelta(minutes=5 * n)):
            send_nomination(session, school)
    with travel(START + dt.timedelta(hours=2)), pytest.raises(TooManyRequests) as limited:
        send_nomination(session, school)
    assert limited.value.retry_after == dt.timedelta(hours=22)


def test_naming_a_tutor_uses_up_the_link_links_the_school_and_emails_them_a_sign_in_link(session):
    school = builders.school(session, induction_tutor=None, primary_contact_email="office@yew.example.com")
    send_nomination(session, school)
    token = token_in(outbox_messages(session)[0].body)
    tutor = accounts.nominate_induction_tutor(
        session, token, "  Ada   Lovelace ", "Ada@Yew.example.com", secret_key=SECRET,
        sender=OutboxSender(session), links=LINKS,
    )  # fmt: skip
    assert school.induction_tutor == tutor
    assert (tutor.full_name, tutor.email, tutor.user.email) == (
        "Ada Lovelace",
        "ada@yew.example.com",
        "ada@yew.example.com",
    )
    invitation = outbox_messages(session, to="ada@yew.example.com")[0]
    assert invitation.template == "tutor_nominated"
    assert invitation.personalisation["school_name"] == school.name
    assert accounts.sign_in_with_link(session, token_in(invitation.body), secret_key=SECRET) == tutor.user
    with pytest.raises(LinkRefused) as used:
        accounts.check_nomination_link(session, token, secret_key=SECRET)
    assert used.value.problem is LinkProblem.USED


def test_one_person_can_be_the_tutor_of_several_schools(session, tutor):
    other = builders.school(session, induction_tutor=None, name="Beech Hill Academy")
    appoint(session, other, "jo bloggs", "jo.bloggs@ash-tree.example.com")
    assert [s.name for s in accounts.tutor_schools(session, tutor)] == [
        "Ash Tree Primary",
        "Beech Hill Academy",
    ]
    assert session.scalar(sa.select(sa.func.count()).select_from(InductionTutor)) == 1


@pytest.mark.parametrize(
    ("full_name", "email", "attribute", "message"),
    [
        ("", "a@example.com", "full_name", "Enter the induction tutor’s full name"),
        ("A Person", "", "email", "Enter the induction tutor’s email address"),
        ("A Person", "not an email", "email", "Enter an email address in the correct format, like name@example.com"),
        ("Jo Bloggs", "JO.BLOGGS@ash-tree.example.com", "email", "Jo Bloggs is already the induction tutor for Ash Tree Primary"),
        ("Joanna Smith", "jo.bloggs@ash-tree.example.com", "email", "This email address belongs to someone with a different name. Check the name and email address"),
    ],
    ids=["no-name", "no-email", "bad-email", "already-tutor", "different-name"],
)  # fmt: skip
def test_who_can_be_named(session, tutor, full_name, email, attribute, message):
    school = accounts.tutor_schools(session, tutor)[0]
    target = school if "already" in message else builders.school(session, induction_tutor=None)
    with pytest.raises(RuleBroken) as broken:
        accounts.check_nominee(session, target, full_name, email)
    assert broken.value.errors == [(attribute, message)]


def test_a_tutor_replaced_at_their_last_school_loses_the_role(session, tutor):
    school = accounts.tutor_schools(session, tutor)[0]
    appoint(session, school, "New Person", "new.person@ash-tree.example.com")
    assert accounts.roles_of(session, tutor) == []
    assert school.induction_tutor.full_name == "New Person"


# --- lead provider users ---------------------------------------------------------------


def test_a_lead_provider_user_is_given_an_account_once(session):
    provider = LeadProvider(name="Teach First Again")
    session.add(provider)
    session.flush()
    user = accounts.add_lead_provider_user(
        session,
        provider,
        "Pat Provider",
        "Pat@Provider.example.com",
        sender=OutboxSender(session),
        links=LINKS,
    )
    assert accounts.roles_of(session, user) == [Role.LEAD_PROVIDER]
    assert accounts.lead_provider_of(session, user) == provider
    assert outbox_messages(session)[0].template == "lead_provider_welcome"
    with pytest.raises(RuleBroken, match="already has an account for Teach First Again"):
        accounts.add_lead_provider_user(
            session,
            provider,
            "Pat Provider",
            "pat@provider.example.com",
            sender=OutboxSender(session),
            links=LINKS,
        )


def test_email_addresses_are_unique_whatever_their_case(session):
    session.add(User(email="same@example.com", full_name="One", created_at=now(), updated_at=now()))
    session.flush()
    session.add(User(email="SAME@example.com", full_name="Two", created_at=now(), updated_at=now()))
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()
