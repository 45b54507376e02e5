"""The "Definitions and states" tables: each enumeration's values come from the latest spec
(so the page lists exactly what the API accepts and sends); only the explanations are ours.
A value the spec gains before it is explained here still appears, marked as such."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web import specs


@dataclass(frozen=True)
class Definition:
    anchor: str
    title: str
    field: str
    introduction: str
    pointer: str
    meanings: dict[str, str]


@dataclass(frozen=True)
class Table:
    definition: Definition
    rows: list[tuple[str, str | None]]


DEFINITIONS = (
    Definition(
        "training-status",
        "Training status",
        "training_status",
        "What you, the lead provider, have told us about a participant's training with you. "
        "Only your own actions change it.",
        "/components/schemas/TrainingStatus",
        {
            "active": "Training with you. New participants start here, and resuming returns here.",
            "deferred": "Paused for now, for example during parental leave. Resume when training restarts.",
            "withdrawn": "No longer training with you. Declarations dated after the withdrawal are refused.",
        },
    ),
    Definition(
        "participant-status",
        "Participant status",
        "participant_status",
        "What the school has reported about the participant at its end. It can differ from the "
        "training status: a school may report a leaver before you withdraw them.",
        "/components/schemas/ECFEnrolment/properties/participant_status",
        {
            "active": "At the school and in training.",
            "joining": "Reported as joining the school from a date still to come.",
            "leaving": "Reported as leaving the school on a date still to come.",
            "left": "Their leaving date has passed.",
            "withdrawn": "The school has removed them from its records.",
        },
    ),
    Definition(
        "participant-types",
        "Participant types",
        "participant_type",
        "Which kind of training a record is for. One person can hold one of each.",
        "/components/schemas/ECFEnrolment/properties/participant_type",
        {
            "ect": "An early career teacher in their induction.",
            "mentor": "A teacher trained to mentor early career teachers.",
        },
    ),
    Definition(
        "course-identifiers",
        "Course identifiers",
        "course_identifier",
        "Names the course a declaration or an action is about.",
        "/components/schemas/CourseIdentifier",
        {
            "ecf-induction": "The early career teacher's induction training.",
            "ecf-mentor": "Mentor training.",
        },
    ),
    Definition(
        "declaration-types",
        "Declaration types",
        "declaration_type",
        "The milestone a declaration reports. Which ones a participant can have depends on "
        "their schedule and, from the 2025 cohort, on whether they are a mentor.",
        "/components/schemas/DeclarationType",
        {
            "started": "Training has begun.",
            "retained-1": "Still in training at the first retention point.",
            "retained-2": "Still in training at the second retention point.",
            "retained-3": "Still in training at the third retention point.",
            "retained-4": "Still in training at the fourth retention point.",
            "completed": "Training is finished.",
            "extended-1": "First term of training beyond the usual length, on an extended schedule.",
            "extended-2": "Second extra term, on an extended schedule.",
            "extended-3": "Third extra term, on an extended schedule.",
        },
    ),
    Definition(
        "declaration-states",
        "Declaration states",
        "state",
        "Where a declaration is on its way to payment. You only ever move a declaration yourself "
        "by voiding it; everything else follows from DfE's checks and the statement calendar.",
        "/components/schemas/ParticipantDeclarationAttributes/properties/state",
        {
            "submitted": "Received. It waits here until the participant is confirmed as eligible for funding.",
            "eligible": "The participant is eligible, and the declaration sits on your next open output statement.",
            "payable": "Its statement has passed its cut-off date and is being checked for payment.",
            "paid": "Its statement has been paid.",
            "voided": "Cancelled before payment, by you or by DfE.",
            "ineligible": "Will not be paid, for example because it duplicates another declaration.",
            "awaiting-clawback": "A paid declaration you voided; the amount will be recovered on a coming statement.",
            "clawed-back": "The amount has been recovered.",
        },
    ),
    Definition(
        "evidence-types",
        "Evidence types",
        "evidence_held",
        "The evidence you hold for the milestone. Older cohorts use the first three values; the "
        "others apply from the 2025 cohort (see the declarations guidance for which type takes which).",
        "/components/schemas/ParticipantDeclarationAttributesRequest/properties/evidence_held",
        {
            "training-event-attended": "The participant attended a training event.",
            "self-study-material-completed": "The participant worked through self-study material.",
            "materials-engaged-with-offline": "The participant used training materials offline.",
            "other": "Other evidence, kept on file by you.",
            "75-percent-engagement-met": "The participant took part in at least 75% of the training so far.",
            "75-percent-engagement-met-reduced-induction": "The 75% engagement threshold, met on a shortened induction.",
            "one-term-induction": "The participant's whole induction lasted a single term.",
        },
    ),
    Definition(
        "schedules",
        "Schedule identifiers",
        "schedule_identifier",
        "The timetable of milestones a participant follows. The dates are on the "
        "schedules and milestone dates page.",
        "/components/schemas/ScheduleIdentifier",
        {
            "ecf-standard-september": "Two-year training starting in the autumn term.",
            "ecf-standard-january": "Two-year training starting in the spring term.",
            "ecf-standard-april": "Two-year training starting in the summer term.",
            "ecf-reduced-september": "Shorter training (for example, with earlier experience) from the autumn term.",
            "ecf-reduced-january": "Shorter training from the spring term.",
            "ecf-reduced-april": "Shorter training from the summer term.",
            "ecf-extended-september": "Longer training (part-time, or an extended induction) from the autumn term.",
            "ecf-extended-january": "Longer training from the spring term.",
            "ecf-extended-april": "Longer training from the summer term.",
            "ecf-replacement-september": "A mentor taking over from another mentor, from the autumn term.",
            "ecf-replacement-january": "A replacement mentor from the spring term.",
            "ecf-replacement-april": "A replacement mentor from the summer term.",
        },
    ),
    Definition(
        "withdrawal-reasons",
        "Withdrawal reasons",
        "reason (withdraw)",
        "Why a participant stopped training with you. Required when you withdraw someone.",
        "/components/schemas/WithdrawalReason",
        {
            "left-teaching-profession": "They have left teaching.",
            "moved-school": "They moved to a school where you do not train them.",
            "mentor-no-longer-being-mentor": "They are no longer a mentor.",
            "switched-to-school-led": "Their school now runs its own, school-led training.",
            "other": "Any other reason.",
        },
    ),
    Definition(
        "deferral-reasons",
        "Deferral reasons",
        "reason (defer)",
        "Why training is paused. Required when you defer someone.",
        "/components/schemas/DeferralReason",
        {
            "bereavement": "A bereavement.",
            "long-term-sickness": "Long-term illness.",
            "parental-leave": "Maternity, paternity, adoption or shared parental leave.",
            "career-break": "A break from their career.",
            "other": "Any other reason.",
        },
    ),
    Definition(
        "partnership-status",
        "Partnership status",
        "status (partnership)",
        "Whether the school accepts the partnership you reported.",
        "/components/schemas/ECFPartnershipAttributes/properties/status",
        {
            "active": "In place and not disputed.",
            "challenged": "The school has said the partnership is wrong. Its participants drop out of your lists.",
        },
    ),
    Definition(
        "challenge-reasons",
        "Challenge reasons",
        "challenged_reason",
        "Why a school challenged a partnership.",
        "/components/schemas/ChallengeReason",
        {
            "another_provider": "The school is working with a different lead provider.",
            "not_confirmed": "The school never agreed to the partnership.",
            "do_not_recognise": "The school does not know your organisation.",
            "no_ects": "The school has no early career teachers this year.",
            "mistake": "The partnership was reported by mistake.",
        },
    ),
    Definition(
        "programme-choices",
        "Induction programme choices",
        "induction_programme_choice",
        "How a school has chosen to run induction for a cohort.",
        "/components/schemas/ECFSchoolAttributes/properties/induction_programme_choice",
        {
            "provider_led": "Training from a lead provider, funded by DfE.",
            "school_led": "The school delivers training itself.",
            "no_early_career_teachers": "The school expects no early career teachers in the cohort.",
            "not_yet_known": "The school has not chosen yet.",
        },
    ),
    Definition(
        "transfer-types",
        "Transfer types",
        "transfer_type",
        "What kind of move a transfer is.",
        "/components/schemas/ECFParticipantTransfers/properties/transfer_type",
        {
            "new_school": "A move between schools with the same lead provider.",
            "new_provider": "A move between schools that changes lead provider.",
            "unknown": "The old school reported the move; the new one has not yet.",
        },
    ),
    Definition(
        "transfer-statuses",
        "Transfer statuses",
        "status (transfer)",
        "Whether a move has happened yet.",
        "/components/schemas/ECFParticipantTransfers/properties/status",
        {
            "incomplete": "The leaving or joining date is still to come.",
            "complete": "Both dates have passed.",
        },
    ),
    Definition(
        "mentor-funding",
        "Reasons a mentor's training is no longer funded",
        "mentor_ineligible_for_funding_reason",
        "Set for a mentor whose training DfE will no longer pay for.",
        "/components/schemas/MentorIneligibleForFundingReason",
        {
            "completed_declaration_received": "A completed declaration has been received for them.",
            "completed_during_early_roll_out": "They finished mentor training in the early roll-out.",
            "started_not_completed": "They started but DfE has closed their training without completion.",
        },
    ),
)


def tables(document: dict[str, Any]) -> list[Table]:
    return [
        Table(
            definition,
            [
                (value, definition.meanings.get(value))
                for value in specs.enum_values(document, definition.pointer)
            ],
        )
        for definition in DEFINITIONS
    ]
