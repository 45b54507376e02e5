"""The whole storage model, importable from one place."""

from .base import Base, UTCDateTime
from .declarations import DeclarationStateChange, ParticipantDeclaration
from .finance import (
    CallOffContract,
    MentorCallOffContract,
    ParticipantBand,
    Statement,
    StatementAdjustment,
    StatementLineItem,
)
from .operations import RateLimitCounter
from .participants import (
    InductionRecord,
    ParticipantEligibility,
    ParticipantIdChange,
    ParticipantIdentity,
    ParticipantProfile,
    ParticipantProfileSchedule,
    ParticipantProfileState,
    ParticipantValidationData,
    Teacher,
)
from .providers import ApiToken, DeliveryPartner, LeadProvider, ProviderRelationship, lead_provider_cohorts
from .reference import Cohort, Milestone, Schedule
from .schools import (
    AppropriateBody,
    InductionProgramme,
    InductionTutor,
    Partnership,
    PupilPremium,
    School,
    SchoolCohort,
)

__all__ = [
    "ApiToken",
    "AppropriateBody",
    "Base",
    "CallOffContract",
    "Cohort",
    "DeclarationStateChange",
    "DeliveryPartner",
    "InductionProgramme",
    "InductionRecord",
    "InductionTutor",
    "LeadProvider",
    "MentorCallOffContract",
    "Milestone",
    "ParticipantBand",
    "ParticipantDeclaration",
    "ParticipantEligibility",
    "ParticipantIdChange",
    "ParticipantIdentity",
    "ParticipantProfile",
    "ParticipantProfileSchedule",
    "ParticipantProfileState",
    "ParticipantValidationData",
    "Partnership",
    "ProviderRelationship",
    "PupilPremium",
    "RateLimitCounter",
    "Schedule",
    "School",
    "SchoolCohort",
    "Statement",
    "StatementAdjustment",
    "StatementLineItem",
    "Teacher",
    "UTCDateTime",
    "lead_provider_cohorts",
]
