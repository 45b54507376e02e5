"""The whole storage model, importable from one place."""

from .accounts import (
    LeadProviderUser,
    NominationToken,
    SignInLinkRequest,
    SignInToken,
    StaffRoleGrant,
    StaffSecondFactor,
    User,
    UserSession,
)
from .audit import ApiRequest, AuditEvent
from .base import Base, UTCDateTime
from .declarations import DeclarationStateChange, ParticipantDeclaration
from .emails import OutboxEmail
from .finance import (
    CallOffContract,
    MentorCallOffContract,
    ParticipantBand,
    Statement,
    StatementAdjustment,
    StatementLineItem,
)
from .operations import IdempotencyKey, RateLimitCounter
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
from .partnership_uploads import PartnershipUpload
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
from .sync import ApiSyncClock
from .visibility import VisibleTrainingRecord

__all__ = [
    "ApiRequest",
    "ApiSyncClock",
    "ApiToken",
    "AppropriateBody",
    "AuditEvent",
    "Base",
    "CallOffContract",
    "Cohort",
    "DeclarationStateChange",
    "DeliveryPartner",
    "IdempotencyKey",
    "InductionProgramme",
    "InductionRecord",
    "InductionTutor",
    "LeadProvider",
    "LeadProviderUser",
    "MentorCallOffContract",
    "Milestone",
    "NominationToken",
    "OutboxEmail",
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
    "PartnershipUpload",
    "ProviderRelationship",
    "PupilPremium",
    "RateLimitCounter",
    "Schedule",
    "School",
    "SchoolCohort",
    "SignInLinkRequest",
    "SignInToken",
    "StaffRoleGrant",
    "StaffSecondFactor",
    "Statement",
    "StatementAdjustment",
    "StatementLineItem",
    "Teacher",
    "UTCDateTime",
    "User",
    "UserSession",
    "VisibleTrainingRecord",
    "lead_provider_cohorts",
]
