"""Confirming schools from a CSV of URNs (school-side spec §2.2–2.4): reading the file, every
check with its row, confirming through the API's rules, emailing each school, and one
transaction for the lot."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from domain import clock
from domain import partnership_uploads as uploads
from domain.accounts import add_lead_provider_user
from domain.errors import RuleBroken
from integrations.email import EmailMessage, OutboxSender
from storage.enums import ChallengeReason, InductionProgrammeChoice, TrainingProgramme
from storage.models import (
    InductionProgramme,
    NominationToken,
    OutboxEmail,
    Partnership,
    PartnershipUpload,
    SchoolCohort,
)
from tests import builders
from tests.builders import at
from tests.factories import provider_with_token
from web.auth.links import PageLinks

NOW = at(2025, 10, 1)
LINKS = PageLinks("http://testserver", "help@example.test")


@pytest.fixture
def world(session, settings):
    provider, _ = provider_with_token(session, settings.secret_key)
    rival, _ = provider_with_token(session, settings.secret_key, name="Teach First")
    partner = builders.delivery_partner(session, provider, name="Leeds Partnership")
    user = add_lead_provider_user(session, provider, "Pat Provider", "pat@provider.example.com",
                                  sender=OutboxSender(session), links=LINKS)  # fmt: skip
    session.execute(sa.delete(OutboxEmail))
    session.flush()
    return provider, rival, partner, user


def _start(session, world, body: str, *, year: str = "2025", filename: str = "schools.csv"):
    provider, _, partner, user = world
    with clock.travel(NOW):
        return uploads.start_upload(
            session, provider, user, cohort_year=year, delivery_partner_id=str(partner.id),
            data=body.encode(), filename=filename,
        )  # fmt: skip


def _check(session, upload):
    with clock.travel(NOW):
        return uploads.check_upload(session, upload)


def _confirm(session, settings, upload, shown=None):
    with clock.travel(NOW):
        shown = shown if shown is not None else uploads.check_upload(session, upload).digest
        return uploads.confirm_upload(
            session, upload, shown, secret_key=settings.secret_key, sender=OutboxSender(session), links=LINKS
        )


# --- reading the file ------------------------------------------------------------------------


def test_a_file_is_read_row_by_row_with_an_optional_header():
    body = "\ufeffURN,name\r\n100001,Ash\r\n\r\n 100002 \r\n00100003\r\nabc\r\n"
    assert uploads.read_urns(body.encode(), "Schools.CSV") == [
        [2, "100001"],
        [4, "100002"],
        [5, "00100003"],
        [6, "abc"],
    ]
    assert uploads.read_urns(b"100001\n100002", "s.csv") == [[1, "100001"], [2, "100002"]]
    assert uploads.read_urns("100001\n\xe9\n".encode("cp1252"), "s.csv") == [[1, "100001"], [2, "é"]]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "", uploads.FILE_MISSING),
        (b"", "schools.csv", uploads.FILE_EMPTY),
        (b" \r\n\r\n", "schools.csv", uploads.FILE_EMPTY),
        (b"100001", "schools.xlsx", uploads.FILE_NOT_CSV),
        (b"PK\x03\x04\x00\x00", "schools.csv", uploads.FILE_NOT_CSV),
        (b"1" * (uploads.MAX_FILE_BYTES + 1), "schools.csv", uploads.FILE_TOO_BIG),
        (b"URN\r\n,,\r\n", "schools.csv", uploads.FILE_NO_URNS),
    ],
    ids=["missing", "empty", "blank", "not-csv-name", "binary", "too-big", "header-only"],
)
def test_files_that_cannot_be_read_are_refused(data, filename, message):
    with pytest.raises(RuleBroken) as raised:
        uploads.read_urns(data, filename)
    assert raised.value.errors == [("csv_file", message)]


def test_the_cohort_and_delivery_partner_are_checked_with_the_file(session, world, settings):
    provider, rival, partner, user = world
    other = builders.delivery_partner(session, rival, name="Rival Partner")
    only_2024 = builders.delivery_partner(session, provider, years=(2024,), name="Old Partner")

    def errors(**given):
        values = {"cohort_year": "2025", "delivery_partner_id": str(partner.id), "data": b"100001",
                  "filename": "s.csv"} | given  # fmt: skip
        with pytest.raises(RuleBroken) as raised, clock.travel(NOW):
            uploads.start_upload(session, provider, user, **values)
        return raised.value.errors

    assert errors(cohort_year="", delivery_partner_id="", data=b"", filename="") == [
        ("cohort", uploads.COHORT_MISSING),
        ("delivery_partner", uploads.PARTNER_MISSING),
        ("csv_file", uploads.FILE_MISSING),
    ]
    assert errors(cohort_year="2019") == [("cohort", uploads.COHORT_NOT_YOURS)]
    assert errors(cohort_year="2026") == [("cohort", uploads.COHORT_NOT_YOURS)]  # not contracted
    assert errors(delivery_partner_id=str(other.id)) == [("delivery_partner", uploads.PARTNER_MISSING)]
    assert errors(delivery_partner_id="not-an-id") == [("delivery_partner", uploads.PARTNER_MISSING)]
    assert errors(delivery_partner_id=str(only_2024.id)) == [
        ("delivery_partner", "Select a delivery partner who works with you in the 2025 to 2026 academic year")
    ]


def test_the_choices_are_the_providers_own(session, world):
    provider, rival, _partner, _ = world
    builders.delivery_partner(session, rival, name="Rival Partner")
    with clock.travel(NOW):
        cohorts = uploads.provider_cohorts(session, provider)
    assert [c.start_year for c in cohorts] == [2025, 2024, 2023, 2022, 2021]
    assert [
        (p.name, years) for p, years in uploads.provider_delivery_partners(session, provider, cohorts)
    ] == [("Leeds Partnership", [2023, 2024, 2025])]


# --- the checks ----------------------------------------------------------------------------------


def test_every_check_names_its_row(session, world, settings):
    provider, rival, partner, _ = world
    rival_partner = builders.delivery_partner(session, rival)
    fine = builders.school(session, urn="200001", name="Fine School", la_name="Leeds")
    cip_only = builders.school(session, urn="200002", name="Independent School", school_type_code=10)
    closed = builders.school(session, urn="200003", name="Closed School", school_status_code=2)
    ours = builders.school(session, urn="200004", name="Our School")
    builders.partnership(session, ours, provider, partner, 2025)
    theirs = builders.school(session, urn="200005", name="Their School")
    builders.partnership(session, theirs, rival, rival_partner, 2025)
    last_year = builders.school(session, urn="200006", name="Last Year School")
    builders.partnership(session, last_year, rival, rival_partner, 2024)
    challenged = builders.school(session, urn="200007", name="Challenged School")
    builders.partnership(session, challenged, rival, rival_partner, 2025, challenged_at=NOW,
                         challenge_reason=ChallengeReason.MISTAKE)  # fmt: skip
    body = "urn\n200001\nnot-a-urn\n999999\n200002\n200003\n200004\n200005\n200006\n0200001\n200007\n"
    upload = _start(session, world, body)
    result = _check(session, upload)
    assert [(p.row, p.value, p.school.name if p.school else None, p.problem) for p in result.problems] == [
        (3, "not-a-urn", None, uploads.Problem.NOT_A_URN),
        (4, "999999", None, uploads.Problem.NOT_FOUND),
        (5, "200002", "Independent School", uploads.Problem.CIP_ONLY),
        (6, "200003", "Closed School", uploads.Problem.INELIGIBLE),
        (7, "200004", "Our School", uploads.Problem.ALREADY_YOURS),
        (8, "200005", "Their School", uploads.Problem.OTHER_PROVIDER),
        (9, "200006", "Last Year School", uploads.Problem.PROGRAMME_NOT_CONFIRMED),
        (10, "0200001", "Fine School", "This school is already in the file, on row 2"),
    ]
    assert [school.name for school in result.schools] == ["Fine School", "Challenged School"]
    assert result.row_count == 10
    assert {fine.id, challenged.id} == {s.id for s in result.schools}
    assert cip_only and closed


def test_a_school_that_set_up_the_new_cohort_can_move_to_a_new_provider(session, world):
    _provider, rival, _partner, _ = world
    school = builders.school(session, urn="200010")
    builders.partnership(session, school, rival, builders.delivery_partner(session, rival), 2024)
    builders.school_cohort(session, school, 2025)
    assert [s.urn for s in _check(session, _start(session, world, "200010")).schools] == ["200010"]


def test_uploads_are_the_providers_own_and_old_ones_are_cleared(session, world, settings):
    provider, rival, partner, user = world
    first = _start(session, world, "100001")
    assert uploads.find_upload(session, provider, str(first.id)) is first
    assert uploads.find_upload(session, rival, str(first.id)) is None
    assert uploads.find_upload(session, provider, "nonsense") is None
    with clock.travel(NOW + dt.timedelta(days=2)):
        uploads.start_upload(session, provider, user, cohort_year="2025", delivery_partner_id=str(partner.id),
                             data=b"100001", filename="s.csv")  # fmt: skip
    assert session.scalar(sa.select(sa.func.count()).select_from(PartnershipUpload)) == 1


# --- confirming --------------------------------------------------------------------------------


def test_confirming_creates_partnerships_and_emails_each_school(session, world, settings):
    provider, _, partner, _ = world
    with_tutor = builders.school(session, urn="300001", name="Tutor School")
    no_tutor = builders.school(session, urn="300002", name="Office School", induction_tutor=None,
                               primary_contact_email="office@office.example.sch.uk")  # fmt: skip
    unreachable = builders.school(session, urn="300003", name="Quiet School", induction_tutor=None)
    upload = _start(session, world, "300001\n300002\n300003\n")
    notices = _confirm(session, settings, upload)

    assert [(n.school.urn, n.to, n.template) for n in notices] == [
        ("300001", with_tutor.induction_tutor.email, "partnership_confirmed_tutor"),
        ("300002", "office@office.example.sch.uk", "partnership_confirmed_school"),
        ("300003", None, None),
    ]
    made = session.scalars(sa.select(Partnership).where(Partnership.lead_provider_id == provider.id)).all()
    assert {p.school_id for p in made} == {with_tutor.id, no_tutor.id, unreachable.id}
    deadline = at(2025, 10, 15)  # the later of 31 October and 14 days on: 31 October 2025
    assert {p.challenge_deadline for p in made} == {max(at(2025, 10, 31), deadline)}
    assert all(p.delivery_partner_id == partner.id and p.challenged_at is None for p in made)
    # Each school now runs provider-led training through its partnership.
    for school in (with_tutor, no_tutor):
        cohort = session.scalars(sa.select(SchoolCohort).where(SchoolCohort.school_id == school.id)).one()
        assert cohort.induction_programme_choice == InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME
        programme = session.get(InductionProgramme, cohort.default_induction_programme_id)
        assert programme.training_programme == TrainingProgramme.FULL_INDUCTION_PROGRAMME
        assert programme.partnership_id in {p.id for p in made}

    emails = {e.to: e for e in session.scalars(sa.select(OutboxEmail))}
    assert set(emails) == {with_tutor.induction_tutor.email, "office@office.example.sch.uk"}
    tutor_email = emails[with_tutor.induction_tutor.email]
    assert "Ambition Institute has told us it will train" in tutor_email.body
    assert "Leeds Partnership" in tutor_email.body and "2025 to 2026" in tutor_email.body
    assert "before 31 October 2025" in tutor_email.body and "http://testserver/sign-in" in tutor_email.body
    office = emails["office@office.example.sch.uk"]
    assert "http://testserver/nominations/start?token=" in office.body
    assert session.scalars(sa.select(NominationToken.sent_to)).all() == ["office@office.example.sch.uk"]
    assert upload.confirmed_count == 3 and upload.confirmed_at == NOW


def test_a_school_sent_a_nomination_link_minutes_ago_is_pointed_to_request_access(session, world, settings):
    from domain.accounts import send_nomination_link

    school = builders.school(session, urn="300010", induction_tutor=None,
                             primary_contact_email="office@school.example.sch.uk")  # fmt: skip
    with clock.travel(NOW - dt.timedelta(minutes=1)):
        send_nomination_link(session, school, secret_key=settings.secret_key, sender=OutboxSender(session),
                             links=LINKS)  # fmt: skip
    _confirm(session, settings, _start(session, world, "300010"))
    latest = session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.template == "partnership_confirmed_school")
    ).one()
    assert "http://testserver/request-access" in latest.body


def test_confirming_refuses_when_the_schools_changed_since_the_check(session, world, settings):
    provider, rival, _, _ = world
    builders.school(session, urn="300020")
    late = builders.school(session, urn="300021")
    upload = _start(session, world, "300020\n300021")
    shown = _check(session, upload).digest
    builders.partnership(session, late, rival, builders.delivery_partner(session, rival), 2025)
    with pytest.raises(uploads.UploadChanged):
        _confirm(session, settings, upload, shown)
    assert session.scalar(sa.select(sa.func.count()).select_from(Partnership).where(
        Partnership.lead_provider_id == provider.id)) == 0  # fmt: skip
    # A fresh look shows one school, and that one can be confirmed.
    assert [n.school.urn for n in _confirm(session, settings, upload)] == ["300020"]
    with pytest.raises(uploads.AlreadyConfirmed):
        _confirm(session, settings, upload)


def test_a_file_with_nothing_to_confirm_confirms_nothing(session, world, settings):
    upload = _start(session, world, "999999")
    with pytest.raises(uploads.UploadChanged):
        _confirm(session, settings, upload)


class _Failing:
    def __init__(self, session, after: int) -> None:
        self.outbox, self.left = OutboxSender(session), after

    def send(self, message: EmailMessage) -> None:
        if self.left == 0:
            raise RuntimeError("the email service failed")
        self.left -= 1
        self.outbox.send(message)


def test_one_transaction_a_failure_part_way_writes_nothing(session, world, settings):
    _provider, _, _, _ = world
    builders.school(session, urn="300030")
    builders.school(session, urn="300031")
    upload = _start(session, world, "300030\n300031")
    session.commit()
    with pytest.raises(RuntimeError), clock.travel(NOW):
        uploads.confirm_upload(
            session, upload, uploads.check_upload(session, upload).digest, secret_key=settings.secret_key,
            sender=_Failing(session, after=1), links=LINKS,
        )  # fmt: skip
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Partnership)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 0
    assert session.get(PartnershipUpload, upload.id).confirmed_at is None
