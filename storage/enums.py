"""Stored vocabularies. Each becomes a CHECK constraint on its column.

Values are stored as the original service stores them (underscores); the API
layer maps them to the wire spelling where the two differ (e.g. declaration
states are dasherised on the wire).
"""

from __future__ import annotations

from enum import StrEnum


class ScheduleType(StrEnum):
    STANDARD = "ecf_standard"
    REDUCED = "ecf_reduced"
    EXTENDED = "ecf_extended"
    REPLACEMENT = "ecf_replacement"


class DeclarationType(StrEnum):
    STARTED = "started"
    RETAINED_1 = "retained-1"
    RETAINED_2 = "retained-2"
    RETAINED_3 = "retained-3"
    RETAINED_4 = "retained-4"
    COMPLETED = "completed"
    EXTENDED_1 = "extended-1"
    EXTENDED_2 = "extended-2"
    EXTENDED_3 = "extended-3"


class CourseIdentifier(StrEnum):
    ECT = "ecf-induction"
    MENTOR = "ecf-mentor"


class ProfileType(StrEnum):
    ECT = "ect"
    MENTOR = "mentor"


class RecordStatus(StrEnum):
    """A profile's status as the school sees it."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class TrainingStatus(StrEnum):
    """Set by the lead provider through the participant actions."""

    ACTIVE = "active"
    DEFERRED = "deferred"
    WITHDRAWN = "withdrawn"


class InductionStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    CHANGED = "changed"
    LEAVING = "leaving"
    COMPLETED = "completed"


class ProfileDuplicity(StrEnum):
    SINGLE = "single"
    PRIMARY = "primary"
    SECONDARY = "secondary"


class EligibilityStatus(StrEnum):
    ELIGIBLE = "eligible"
    MATCHED = "matched"
    MANUAL_CHECK = "manual_check"
    INELIGIBLE = "ineligible"


class EligibilityReason(StrEnum):
    NONE = "none"
    ACTIVE_FLAGS = "active_flags"
    PREVIOUS_PARTICIPATION = "previous_participation"
    PREVIOUS_INDUCTION = "previous_induction"
    NO_QTS = "no_qts"
    DIFFERENT_TRN = "different_trn"
    DUPLICATE_PROFILE = "duplicate_profile"
    NO_INDUCTION = "no_induction"
    EXEMPT_FROM_INDUCTION = "exempt_from_induction"


class DeferReason(StrEnum):
    BEREAVEMENT = "bereavement"
    LONG_TERM_SICKNESS = "long-term-sickness"
    PARENTAL_LEAVE = "parental-leave"
    CAREER_BREAK = "career-break"
    OTHER = "other"


class WithdrawReason(StrEnum):
    """Stored spelling; ``school-left-fip`` is shown as ``switched-to-school-led``."""

    LEFT_TEACHING_PROFESSION = "left-teaching-profession"
    MOVED_SCHOOL = "moved-school"
    MENTOR_NO_LONGER_BEING_MENTOR = "mentor-no-longer-being-mentor"
    SCHOOL_LEFT_FIP = "school-left-fip"
    OTHER = "other"


class DeclarationState(StrEnum):
    SUBMITTED = "submitted"
    ELIGIBLE = "eligible"
    PAYABLE = "payable"
    PAID = "paid"
    VOIDED = "voided"
    INELIGIBLE = "ineligible"
    AWAITING_CLAWBACK = "awaiting_clawback"
    CLAWED_BACK = "clawed_back"


BILLABLE_STATES = (DeclarationState.ELIGIBLE, DeclarationState.PAYABLE, DeclarationState.PAID)
REFUNDABLE_STATES = (DeclarationState.AWAITING_CLAWBACK, DeclarationState.CLAWED_BACK)
#: A declaration in one of these states blocks another for the same person, course and type.
BLOCKING_STATES = (DeclarationState.SUBMITTED, *BILLABLE_STATES)


class EvidenceHeld(StrEnum):
    TRAINING_EVENT_ATTENDED = "training-event-attended"
    SELF_STUDY_MATERIAL_COMPLETED = "self-study-material-completed"
    MATERIALS_ENGAGED_WITH_OFFLINE = "materials-engaged-with-offline"
    OTHER = "other"
    ENGAGEMENT_MET = "75-percent-engagement-met"
    ENGAGEMENT_MET_REDUCED_INDUCTION = "75-percent-engagement-met-reduced-induction"
    ONE_TERM_INDUCTION = "one-term-induction"


class StatementStatus(StrEnum):
    OPEN = "open"
    PAYABLE = "payable"
    PAID = "paid"


class LineItemState(StrEnum):
    ELIGIBLE = "eligible"
    PAYABLE = "payable"
    PAID = "paid"
    VOIDED = "voided"
    INELIGIBLE = "ineligible"
    AWAITING_CLAWBACK = "awaiting_clawback"
    CLAWED_BACK = "clawed_back"
    SUBMITTED = "submitted"


class TrainingProgramme(StrEnum):
    FULL_INDUCTION_PROGRAMME = "full_induction_programme"
    CORE_INDUCTION_PROGRAMME = "core_induction_programme"
    DESIGN_OUR_OWN = "design_our_own"
    SCHOOL_FUNDED_FIP = "school_funded_fip"


class InductionProgrammeChoice(StrEnum):
    FULL_INDUCTION_PROGRAMME = "full_induction_programme"
    CORE_INDUCTION_PROGRAMME = "core_induction_programme"
    DESIGN_OUR_OWN = "design_our_own"
    SCHOOL_FUNDED_FIP = "school_funded_fip"
    NO_EARLY_CAREER_TEACHERS = "no_early_career_teachers"
    NOT_YET_KNOWN = "not_yet_known"


class ChallengeReason(StrEnum):
    ANOTHER_PROVIDER = "another_provider"
    NOT_CONFIRMED = "not_confirmed"
    DO_NOT_RECOGNISE = "do_not_recognise"
    NO_ECTS = "no_ects"
    MISTAKE = "mistake"


class MentorCompletionReason(StrEnum):
    COMPLETED_DECLARATION_RECEIVED = "completed_declaration_received"
    COMPLETED_DURING_EARLY_ROLL_OUT = "completed_during_early_roll_out"
    STARTED_NOT_COMPLETED = "started_not_completed"


class TokenScope(StrEnum):
    """A lead-provider token reads the provider API; an internal one gets 403 there."""

    LEAD_PROVIDER = "lead_provider"
    INTERNAL = "internal"


class AppropriateBodyType(StrEnum):
    LOCAL_AUTHORITY = "local_authority"
    NATIONAL = "national"
    TEACHING_SCHOOL_HUB = "teaching_school_hub"


class StaffRole(StrEnum):
    """What a DfE staff member may do. Finance and admin are separate on purpose: an admin
    cannot authorise payments unless also finance. A super user manages staff accounts."""

    ADMIN = "admin"
    FINANCE = "finance"
    SUPER_USER = "super_user"
