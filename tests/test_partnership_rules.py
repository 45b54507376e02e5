"""Confirming partnerships and changing their delivery partner (business-rules §5.2, §5.3):
every rule with its exact message and order, and every effect on the school's training."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from domain import clock
from domain import partnerships as rules
from domain.errors import RuleBroken
from storage.enums import (
    ChallengeReason,
    InductionProgrammeChoice,
    InductionStatus,
    ProfileType,
    TrainingProgramme,
)
from storage.models import (
    InductionProgramme,
    InductionRecord,
    LeadProvider,
    Partnership,
    ProviderRelationship,
    SchoolCohort,
)
from tests import builders
from tests.builders import at
from tests.factories import provider_with_token

NOW = at(2025, 10, 1)
#: An id nothing has (fixed, so test ids are the same in every pytest-xdist worker).
UNKNOWN_ID = "5f0c2a5e-3d55-4d7a-9d3e-0b6c1f7e2a91"


@pytest.fixture
def world(session, settings):
    """Two providers; the first works with ``partner`` in 2023-2025."""
    provider, _ = provider_with_token(session, settings.secret_key)
    rival, _ = provider_with_token(session, settings.secret_key, name="Teach First")
    partner = builders.delivery_partner(session, provider)
    session.flush()
    return provider, rival, partner


def _errors(excinfo: pytest.ExceptionInfo[RuleBroken]) -> list[tuple[str, str]]:
    return excinfo.value.by_attribute()


def _confirm(session, provider: LeadProvider, school, partner, year: object = "2025") -> Partnership:
    with clock.travel(NOW):
        return rules.confirm_partnership(
            session, provider.id, cohort=year, school_id=str(school.id), delivery_partner_id=str(partner.id)
        )


def _records(session, programme_id: uuid.UUID) -> list[InductionRecord]:
    return list(
        session.scalars(
            sa.select(InductionRecord)
            .where(InductionRecord.induction_programme_id == programme_id)
            .order_by(InductionRecord.created_at)
        )
    )


# --- confirm: validation ----------------------------------------------------------------------


@pytest.mark.parametrize("blank", [None, "", "   ", False, [], {}])
def test_blank_values_are_each_reported(session, world, blank):
    provider, _, _ = world
    with pytest.raises(RuleBroken) as excinfo:
        rules.confirm_partnership(session, provider.id, blank, blank, blank)
    assert _errors(excinfo) == [
        ("cohort", "Enter a '#/cohort'."),
        ("school_id", "Enter a '#/school_id'."),
        ("delivery_partner_id", "Enter a '#/delivery_partner_id'."),
    ]


@pytest.mark.parametrize(
    "cohort", ["abcd", "1999", "2099", "2025,2024", "20255", "２０２５", "2025.0", ["2025"]]
)
def test_unknown_or_malformed_cohort_is_invalid(session, world, cohort):
    provider, _, partner = world
    school = builders.school(session)
    with pytest.raises(RuleBroken) as excinfo:
        _confirm(session, provider, school, partner, year=cohort)
    assert _errors(excinfo)[0] == (
        "cohort",
        "The '#/cohort' you have entered is invalid. Check cohort details and try again.",
    )


def test_cohort_may_be_sent_as_a_number(session, world):
    provider, _, partner = world
    school = builders.school(session)
    assert (
        _confirm(session, provider, school, partner, year=2025).cohort_id == builders.cohort(session, 2025).id
    )


@pytest.mark.parametrize("school_id", ["not-a-uuid", UNKNOWN_ID, "\x00", "1" * 200])
def test_unknown_or_malformed_school_is_invalid(session, world, school_id):
    provider, _, partner = world
    with pytest.raises(RuleBroken) as excinfo:
        rules.confirm_partnership(session, provider.id, "2025", school_id, str(partner.id))
    assert _errors(excinfo) == [
        (
            "school_id",
            "The '#/school_id' you have entered is invalid. Check school details and try again. "
            "Contact the DfE for support if you are unable to find the '#/school_id'.",
        )
    ]


def test_cip_only_school(session, world):
    provider, _, partner = world
    school = builders.school(session, school_type_code=10)  # other independent school
    with pytest.raises(RuleBroken) as excinfo:
        _confirm(session, provider, school, partner)
    assert _errors(excinfo) == [
        (
            "school_id",
            "The school you have entered has not registered to deliver DfE-funded training. "
            "Contact the school for more information.",
        )
    ]


@pytest.mark.parametrize(
    "overrides",
    [{"school_status_code": 2}, {"administrative_district_code": "W06000001"}, {"school_type_code": 24}],
)
def test_ineligible_school(session, world, overrides):
    provider, _, partner = world
    school = builders.school(session, **overrides)
    with pytest.raises(RuleBroken) as excinfo:
        _confirm(session, provider, school, partner)
    assert _errors(excinfo) == [
        (
            "school_id",
            "The school you have entered is currently ineligible for DfE funding. "
            "Contact the school for more information.",
        )
    ]


def test_already_confirmed_with_this_provider(session, world):
    provider, _, partner = world
    school = builders.school(session)
    builders.partnership(session, school, provider, partner, 2025)
    other_partner = builders.delivery_partner(session, provider)
    with pytest.raises(RuleBroken) as excinfo:
        _confirm(session, provider, school, other_partner)
    assert _errors(excinfo) == [
        ("school_id", "You are already in a confirmed partnership with this school for the entered cohort.")
    ]


def test_confirmed_with_another_provider(session, world):
    provider, rival, partner = world
    school = builders.school(session)
    rival_partner = builders.delivery_partner(session, rival)
    builders.partnership(session, school, rival, rival_partner, 2025)
    with pytest.raises(RuleBroken) as excinfo:
        _confirm(session, provider, school, partner)
    assert _errors(excinfo) == [
        (
            "school_id",
            "Another provider is in a confirmed partnership with the school for the cohort you entered. "
            "Contact the school for more information.",
        )
    ]


def test_challenged_or_relationship_partnerships_of_others_do_not_block(session, world):
    provider, rival, partner = world
    school = builders.school(session)
    rival_partner = builders.delivery_partner(session, rival)
    builders.partnership(
        session,
        school,
        rival,
        rival_partner,
        2025,
        challenge_reason=ChallengeReason.ANOTHER_PROVIDER,
        challenged_at=at(2025, 9, 20),
    )
    other_school = builders.school(session)
    builders.partnership(session, other_school, rival, rival_partner, 2025, is_relationship=True)
    assert _confirm(session, provider, school, partner).lead_provider_id == provider.id
    assert _confirm(session, provider, other_school, partner).lead_provider_id == provider.id


def test_previous_provider_not_yet_released_by_the_school(session, world):
    provider, rival, partner = world
    school = builders.school(session)
    rival_partner = builders.delivery_partner(session, rival, years=(2024, 2025))
    builders.partnership(session, school, rival, rival_partner, 2024)
    with pytest.raises(RuleBroken) as excinfo:
        _confirm(session, provider, school, partner)
    message = (
        "The school you have entered has not yet confirmed they will deliver DfE-funded training. "
        "Contact the school for more information."
    )
    assert _errors(excinfo) == [("school_id", message)]
    # The same applies to the provider the school had last year.
    with pytest.raises(RuleBroken) as excinfo:
        _confirm(session, rival, school, rival_partner)
    assert _errors(excinfo) == [("school_id", message)]
    # Once the school has set up the new cohort, it has made its choice.
    builders.school_cohort(session, school, 2025, InductionProgrammeChoice.NOT_YET_KNOWN)
    assert _confirm(session, provider, school, partner).school_id == school.id


@pytest.mark.parametrize("partner_id", ["nope", UNKNOWN_ID])
def test_unknown_delivery_partner_is_invalid(session, world, partner_id):
    provider, _, _ = world
    school = builders.school(session)
    with pytest.raises(RuleBroken) as excinfo:
        rules.confirm_partnership(session, provider.id, "2025", str(school.id), partner_id)
    assert _errors(excinfo) == [
        (
            "delivery_partner_id",
            "The '#/delivery_partner_id' you have entered is invalid. Check delivery partner details and try again.",
        )
    ]


def test_discarded_delivery_partner_is_invalid(session, world):
    provider, _, partner = world
    partner.discarded_at = at(2025, 1, 1)
    school = builders.school(session)
    with pytest.raises(RuleBroken) as excinfo:
        _confirm(session, provider, school, partner)
    assert _errors(excinfo)[0][1].startswith("The '#/delivery_partner_id' you have entered is invalid.")


NO_RELATIONSHIP = (
    "The entered delivery partner is not recognised to be working in partnership with you for the given "
    "cohort. Contact the DfE for more information."
)


def test_delivery_partner_without_a_relationship_in_the_cohort(session, world):
    provider, rival, partner = world
    school = builders.school(session)
    with pytest.raises(RuleBroken) as excinfo:
        _confirm(session, provider, school, partner, year="2022")
    assert _errors(excinfo) == [("delivery_partner_id", NO_RELATIONSHIP)]
    rivals_partner = builders.delivery_partner(session, rival)
    with pytest.raises(RuleBroken) as excinfo:
        _confirm(session, provider, school, rivals_partner)
    assert _errors(excinfo) == [("delivery_partner_id", NO_RELATIONSHIP)]


def test_discarded_relationship_does_not_count(session, world):
    provider, _, partner = world
    for relationship in session.scalars(
        sa.select(ProviderRelationship).where(ProviderRelationship.delivery_partner_id == partner.id)
    ):
        relationship.discarded_at = at(2025, 1, 1)
    with pytest.raises(RuleBroken) as excinfo:
        _confirm(session, provider, builders.school(session), partner)
    assert _errors(excinfo) == [("delivery_partner_id", NO_RELATIONSHIP)]


def test_blank_values_come_first_then_the_checks_in_order(session, world):
    provider, _, _ = world
    school = builders.school(session, school_status_code=2)
    with pytest.raises(RuleBroken) as excinfo:
        rules.confirm_partnership(session, provider.id, "1066", str(school.id), "")
    assert [title for title, _ in _errors(excinfo)] == ["delivery_partner_id", "cohort", "school_id"]
    with pytest.raises(RuleBroken) as excinfo:
        rules.confirm_partnership(session, provider.id, "", str(school.id), str(uuid.uuid4()))
    assert [title for title, _ in _errors(excinfo)] == ["cohort", "school_id", "delivery_partner_id"]


def test_an_unknown_cohort_leaves_no_relationship_to_find(session, world):
    provider, _, partner = world
    with pytest.raises(RuleBroken) as excinfo:
        _confirm(session, provider, builders.school(session), partner, year="2019")
    assert [title for title, _ in _errors(excinfo)] == ["cohort", "delivery_partner_id"]
    assert _errors(excinfo)[1] == ("delivery_partner_id", NO_RELATIONSHIP)


# --- confirm: effects --------------------------------------------------------------------------


def test_a_new_partnership_and_provider_led_set_up(session, world):
    provider, _, partner = world
    school = builders.school(session)
    partnership = _confirm(session, provider, school, partner)
    assert (partnership.school_id, partnership.lead_provider_id, partnership.delivery_partner_id) == (
        school.id,
        provider.id,
        partner.id,
    )
    assert partnership.cohort_id == builders.cohort(session, 2025).id
    assert not partnership.is_relationship and not partnership.pending
    assert partnership.challenge_reason is None and partnership.challenged_at is None
    assert partnership.report_id is not None
    # 2025-09-01 + 2 months - 1 day is later than 1 October + 14 days.
    assert partnership.challenge_deadline == at(2025, 10, 31)
    school_cohort = session.scalars(sa.select(SchoolCohort).where(SchoolCohort.school_id == school.id)).one()
    assert school_cohort.induction_programme_choice == InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME
    programme = session.get(InductionProgramme, school_cohort.default_induction_programme_id)
    assert programme.training_programme == TrainingProgramme.FULL_INDUCTION_PROGRAMME
    assert programme.partnership_id == partnership.id


@pytest.mark.parametrize(
    ("now", "deadline"),
    [
        (at(2025, 6, 1), at(2025, 10, 31)),
        (
            dt.datetime(2025, 10, 25, 13, 5, tzinfo=clock.UTC),
            dt.datetime(2025, 11, 8, 13, 5, tzinfo=clock.UTC),
        ),
    ],
)
def test_challenge_deadline_is_the_later_of_the_two_windows(session, world, now, deadline):
    assert rules.challenge_deadline(builders.cohort(session, 2025), now) == deadline


def test_month_arithmetic_clamps_to_shorter_months():
    assert rules._add_months(dt.date(2023, 12, 31), 2) == dt.date(2024, 2, 29)
    assert rules._add_months(dt.date(2024, 11, 30), 2) == dt.date(2025, 1, 30)


def test_nothing_is_committed_by_the_rules(session, world, settings):
    provider, _, partner = world
    school = builders.school(session)
    session.commit()
    _confirm(session, provider, school, partner)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Partnership)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(SchoolCohort)) == 0


def test_reconfirming_after_a_challenge_reuses_the_row_and_clears_the_challenge(session, world):
    provider, _, partner = world
    school = builders.school(session)
    old, programme = builders.partnership(
        session,
        school,
        provider,
        partner,
        2025,
        challenge_reason=ChallengeReason.MISTAKE,
        challenged_at=at(2025, 9, 10),
        pending=True,
    )
    other_partner = builders.delivery_partner(session, provider)
    again = _confirm(session, provider, school, other_partner)
    assert again.id == old.id
    assert again.challenge_reason is None and again.challenged_at is None and not again.pending
    assert again.delivery_partner_id == other_partner.id
    school_cohort = builders.school_cohort(session, school, 2025)
    assert school_cohort.default_induction_programme_id == programme.id


def test_a_relationship_partnership_with_the_same_partner_is_converted(session, world):
    provider, _, partner = world
    school = builders.school(session)
    relationship, programme = builders.partnership(
        session, school, provider, partner, 2025, is_relationship=True
    )
    confirmed = _confirm(session, provider, school, partner)
    assert confirmed.id == relationship.id and not confirmed.is_relationship
    school_cohort = builders.school_cohort(session, school, 2025)
    # The transfer programme already under this partnership becomes the default.
    assert school_cohort.default_induction_programme_id == programme.id
    assert session.scalar(sa.select(sa.func.count()).select_from(Partnership)) == 1


def test_a_relationship_with_another_partner_is_left_alone(session, world):
    provider, _, partner = world
    school = builders.school(session)
    other_partner = builders.delivery_partner(session, provider)
    relationship, _ = builders.partnership(
        session, school, provider, other_partner, 2025, is_relationship=True
    )
    confirmed = _confirm(session, provider, school, partner)
    assert confirmed.id != relationship.id
    session.refresh(relationship)
    assert relationship.is_relationship


@pytest.mark.parametrize(
    ("choice", "programme_type"),
    [
        (InductionProgrammeChoice.CORE_INDUCTION_PROGRAMME, TrainingProgramme.CORE_INDUCTION_PROGRAMME),
        (InductionProgrammeChoice.DESIGN_OUR_OWN, TrainingProgramme.DESIGN_OUR_OWN),
        (InductionProgrammeChoice.NO_EARLY_CAREER_TEACHERS, None),
    ],
)
def test_a_school_led_or_no_ects_choice_becomes_provider_led(session, world, choice, programme_type):
    provider, _, partner = world
    school = builders.school(session)
    school_cohort = builders.school_cohort(session, school, 2025, choice)
    school_cohort.opt_out_of_updates = choice == InductionProgrammeChoice.NO_EARLY_CAREER_TEACHERS
    school_led = None
    if programme_type is not None:
        school_led = InductionProgramme(school_cohort_id=school_cohort.id, training_programme=programme_type)
        session.add(school_led)
        session.flush()
        school_cohort.default_induction_programme_id = school_led.id
        participant = builders.participant(session, school_led)
    session.flush()
    partnership = _confirm(session, provider, school, partner)
    assert school_cohort.induction_programme_choice == InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME
    assert school_cohort.opt_out_of_updates is False
    default = session.get(InductionProgramme, school_cohort.default_induction_programme_id)
    assert default.training_programme == TrainingProgramme.FULL_INDUCTION_PROGRAMME
    assert default.partnership_id == partnership.id
    if school_led is not None:
        # School-led participants are not moved: only provider-led programmes are.
        (record,) = _records(session, school_led.id)
        assert record.participant_profile_id == participant.id and record.end_date is None
        assert _records(session, default.id) == []


def test_an_unpartnered_provider_led_default_gets_the_partnership(session, world):
    provider, _, partner = world
    school = builders.school(session)
    school_cohort = builders.school_cohort(session, school, 2025)
    fip = InductionProgramme(
        school_cohort_id=school_cohort.id, training_programme=TrainingProgramme.FULL_INDUCTION_PROGRAMME
    )
    session.add(fip)
    session.flush()
    school_cohort.default_induction_programme_id = fip.id
    participant = builders.participant(session, fip)
    partnership = _confirm(session, provider, school, partner)
    assert fip.partnership_id == partnership.id
    assert school_cohort.default_induction_programme_id == fip.id
    (record,) = _records(session, fip.id)
    assert record.participant_profile_id == participant.id and record.end_date is None


def test_participants_on_challenged_or_unpartnered_programmes_move_onto_the_new_one(session, world):
    provider, rival, partner = world
    school = builders.school(session)
    rival_partner = builders.delivery_partner(session, rival)
    _, challenged_programme = builders.partnership(
        session,
        school,
        rival,
        rival_partner,
        2025,
        challenge_reason=ChallengeReason.ANOTHER_PROVIDER,
        challenged_at=at(2025, 9, 15),
    )
    school_cohort = builders.school_cohort(session, school, 2025)
    loose = InductionProgramme(
        school_cohort_id=school_cohort.id, training_programme=TrainingProgramme.FULL_INDUCTION_PROGRAMME
    )
    session.add(loose)
    session.flush()
    mentor = builders.participant(session, challenged_programme, profile_type=ProfileType.MENTOR)
    ect = builders.participant(session, challenged_programme, mentor=mentor)
    leaver = builders.participant(
        session, loose, induction_status=InductionStatus.LEAVING, end_date=at(2025, 12, 31)
    )
    gone = builders.participant(session, loose, end_date=at(2025, 9, 20))

    partnership = _confirm(session, provider, school, partner)

    target = session.get(InductionProgramme, school_cohort.default_induction_programme_id)
    assert target.id not in (challenged_programme.id, loose.id)
    assert target.partnership_id == partnership.id
    moved = {record.participant_profile_id: record for record in _records(session, target.id)}
    assert set(moved) == {mentor.id, ect.id, leaver.id}
    assert moved[ect.id].mentor_profile_id == mentor.id
    assert moved[ect.id].start_date == NOW and moved[ect.id].end_date is None
    assert moved[ect.id].induction_status == InductionStatus.ACTIVE
    assert moved[leaver.id].induction_status == InductionStatus.LEAVING
    assert moved[leaver.id].end_date == at(2025, 12, 31)
    for programme in (challenged_programme, loose):
        for record in _records(session, programme.id):
            if record.participant_profile_id == gone.id:
                assert record.end_date == at(2025, 9, 20)
                assert record.induction_status == InductionStatus.ACTIVE
            else:
                assert record.end_date == NOW
                assert record.induction_status == InductionStatus.CHANGED


def test_programmes_under_a_live_partnership_keep_their_participants(session, world):
    provider, _, partner = world
    school = builders.school(session)
    other_partner = builders.delivery_partner(session, provider)
    _, relationship_programme = builders.partnership(
        session, school, provider, other_partner, 2025, is_relationship=True
    )
    transferred = builders.participant(session, relationship_programme)
    _confirm(session, provider, school, partner)
    (record,) = _records(session, relationship_programme.id)
    assert record.participant_profile_id == transferred.id and record.end_date is None


# --- change the delivery partner -----------------------------------------------------------------


def _change(session, provider: LeadProvider, partnership_id: object, partner_id: object) -> Partnership:
    with clock.travel(NOW):
        return rules.change_delivery_partner(session, provider.id, partnership_id, partner_id)


def test_only_the_providers_own_full_partnerships_can_be_changed(session, world):
    provider, rival, partner = world
    school = builders.school(session)
    rival_partner = builders.delivery_partner(session, rival)
    rivals, _ = builders.partnership(session, school, rival, rival_partner, 2025)
    relationship, _ = builders.partnership(
        session, builders.school(session), provider, partner, 2025, is_relationship=True
    )
    for partnership_id in (rivals.id, relationship.id, uuid.uuid4(), "nope", None, 42):
        with pytest.raises(rules.PartnershipNotFound):
            _change(session, provider, partnership_id, str(partner.id))


@pytest.mark.parametrize(
    ("partner_id", "message"),
    [
        (None, "Enter a '#/delivery_partner_id'."),
        ("  ", "Enter a '#/delivery_partner_id'."),
        (
            "nope",
            "The '#/delivery_partner_id' you have entered is invalid. Check delivery partner details and try again.",
        ),
        (
            UNKNOWN_ID,
            "The '#/delivery_partner_id' you have entered is invalid. Check delivery partner details and try again.",
        ),
    ],
)
def test_change_to_a_blank_or_unknown_partner(session, world, partner_id, message):
    provider, _, partner = world
    partnership, _ = builders.partnership(session, builders.school(session), provider, partner, 2025)
    with pytest.raises(RuleBroken) as excinfo:
        _change(session, provider, partnership.id, partner_id)
    assert _errors(excinfo) == [("delivery_partner_id", message)]


def test_change_to_a_partner_without_a_relationship_in_the_cohort(session, world):
    provider, _, partner = world
    partnership, _ = builders.partnership(session, builders.school(session), provider, partner, 2025)
    not_in_2025 = builders.delivery_partner(session, provider, years=(2024,))
    with pytest.raises(RuleBroken) as excinfo:
        _change(session, provider, partnership.id, str(not_in_2025.id))
    assert _errors(excinfo) == [("delivery_partner_id", NO_RELATIONSHIP)]


CHALLENGED = (
    "Your update cannot be made as this partnership has been challenged by the school. If this partnership "
    "has been challenged in error, submit a new partnership confirmation using the endpoint "
    "POST /api/v3/partnerships/ecf."
)


def test_a_challenged_partnership_cannot_be_changed(session, world):
    provider, _, partner = world
    partnership, _ = builders.partnership(
        session,
        builders.school(session),
        provider,
        partner,
        2025,
        challenge_reason=ChallengeReason.NOT_CONFIRMED,
        challenged_at=at(2025, 9, 3),
    )
    other_partner = builders.delivery_partner(session, provider)
    for partner_id in (other_partner.id, partner.id):
        with pytest.raises(RuleBroken) as excinfo:
            _change(session, provider, partnership.id, str(partner_id))
        assert _errors(excinfo) == [("delivery_partner_id", CHALLENGED)]
    # The relationship check comes first.
    not_in_2025 = builders.delivery_partner(session, provider, years=(2024,))
    with pytest.raises(RuleBroken) as excinfo:
        _change(session, provider, partnership.id, str(not_in_2025.id))
    assert _errors(excinfo) == [("delivery_partner_id", NO_RELATIONSHIP)]


def test_change_to_a_partner_already_in_a_relationship_partnership_there(session, world):
    provider, _, partner = world
    school = builders.school(session)
    partnership, _ = builders.partnership(session, school, provider, partner, 2025)
    other_partner = builders.delivery_partner(session, provider)
    builders.partnership(session, school, provider, other_partner, 2025, is_relationship=True)
    with pytest.raises(RuleBroken) as excinfo:
        _change(session, provider, partnership.id, str(other_partner.id))
    assert _errors(excinfo) == [
        (
            "delivery_partner_id",
            "We are unable to process this request. You are already confirmed to be in partnership with the "
            "entered delivery partner. Contact the DfE for support.",
        )
    ]


def test_the_same_partner_changes_nothing(session, world):
    provider, _, partner = world
    partnership, _ = builders.partnership(session, builders.school(session), provider, partner, 2025)
    session.commit()
    before = (partnership.updated_at, partnership.challenge_deadline, partnership.report_id)
    assert _change(session, provider, str(partnership.id), str(partner.id)) is partnership
    session.flush()
    assert (partnership.updated_at, partnership.challenge_deadline, partnership.report_id) == before


def test_changing_the_partner_reports_the_same_partnership_again(session, world):
    provider, _, partner = world
    school = builders.school(session)
    partnership, programme = builders.partnership(session, school, provider, partner, 2025)
    participant = builders.participant(session, programme)
    other_partner = builders.delivery_partner(session, provider)
    changed = _change(session, provider, str(partnership.id), str(other_partner.id))
    assert changed.id == partnership.id
    assert changed.delivery_partner_id == other_partner.id
    assert changed.challenge_deadline == at(2025, 10, 31)
    assert changed.report_id is not None
    assert builders.school_cohort(session, school, 2025).default_induction_programme_id == programme.id
    (record,) = _records(session, programme.id)
    assert record.participant_profile_id == participant.id and record.end_date is None
    assert session.scalar(sa.select(sa.func.count()).select_from(Partnership)) == 1
