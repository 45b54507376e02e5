"""Fields the API derives from a participant's history rather than stores.

Plain functions over plain values, so the API serializers, the participant actions and
the web pages all read a participant the same way. Every "now" comes from the one clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from domain.clock import UTC, now
from storage.enums import (
    EligibilityReason,
    EligibilityStatus,
    InductionStatus,
    TrainingStatus,
    WithdrawReason,
)


class DatedRecord(Protocol):
    """What :func:`participant_status` needs from an induction record."""

    @property
    def start_date(self) -> dt.datetime: ...
    @property
    def end_date(self) -> dt.datetime | None: ...
    @property
    def induction_status(self) -> InductionStatus | str: ...


def participant_status(record: DatedRecord, at: dt.datetime | None = None) -> str:
    """What the school has reported, as of ``at`` (default: now).

    An end date wins (``leaving`` until it passes, then ``left``); then a future start
    (``joining``); otherwise the induction status. A ``leaving`` record without an end
    date is shown as ``leaving``: the original answers null there, which its own spec
    forbids, and "leaving" is what the school told us.
    """
    moment = at or now()
    if record.end_date is not None:
        return "leaving" if record.end_date > moment else "left"
    if record.start_date > moment:
        return "joining"
    status = InductionStatus(record.induction_status)
    if status in (InductionStatus.ACTIVE, InductionStatus.COMPLETED):
        return "active"
    if status == InductionStatus.LEAVING:
        return "leaving"
    return "withdrawn"


def record_status(induction_status: InductionStatus | str) -> str:
    """The v1/v2 ``status`` of a training record: ``active`` while the school still has the
    participant (training, leaving or completed), ``withdrawn`` once the school took them
    off or the record was superseded (``changed``)."""
    status = InductionStatus(induction_status)
    if status in (InductionStatus.ACTIVE, InductionStatus.COMPLETED, InductionStatus.LEAVING):
        return "active"
    return "withdrawn"


def eligible_for_funding(status: EligibilityStatus | str | None) -> bool | None:
    """True once DfE has found the record fundable, false once it has refused, else null."""
    if status is None:
        return None
    if status == EligibilityStatus.ELIGIBLE:
        return True
    if status == EligibilityStatus.INELIGIBLE:
        return False
    return None


def teacher_reference_number_validated(
    trn: str | None, eligibility_reason: EligibilityReason | str | None
) -> bool | None:
    """Whether the TRN checked out against the teacher record service.

    Our reading of the original: null when there is no TRN at all (neither on the person
    nor in the school's validation data); otherwise true exactly when an eligibility
    verdict exists (``eligibility_reason`` is not None) and it does not say the TRN
    belonged to someone else (``different_trn``). No verdict yet means false.
    """
    if not trn:
        return None
    return eligibility_reason is not None and eligibility_reason != EligibilityReason.DIFFERENT_TRN


def shown_withdrawal_reason(reason: str) -> str:
    """The stored ``school-left-fip`` is published as ``switched-to-school-led``."""
    return "switched-to-school-led" if reason == WithdrawReason.SCHOOL_LEFT_FIP else reason


class StateChange(Protocol):
    """What :func:`status_change` needs from a participant profile state row."""

    @property
    def state(self) -> TrainingStatus | str: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def created_at(self) -> dt.datetime: ...


@dataclass(frozen=True)
class StatusChange:
    """A withdrawal or deferral as the API shows it."""

    reason: str | None
    date: dt.datetime


def status_change(
    training_status: TrainingStatus | str, wanted: TrainingStatus, states: Sequence[StateChange]
) -> StatusChange | None:
    """The provider's latest ``wanted`` change, only while the training status is ``wanted``.

    ``states`` must already be limited to one profile and one provider. The status on
    the induction record decides whether anything is shown; the state log supplies the
    reason and the date (the instant the provider made the change).
    """
    if training_status != wanted:
        return None
    matching = [state for state in states if state.state == wanted]
    if not matching:
        return None
    latest = max(matching, key=lambda state: state.created_at)
    reason = latest.reason
    if wanted == TrainingStatus.WITHDRAWN and reason is not None:
        reason = shown_withdrawal_reason(reason)
    return StatusChange(reason=reason, date=latest.created_at)


# Transfers -------------------------------------------------------------------------


class TransferRecord(Protocol):
    """What transfer pairing needs from an induction record."""

    @property
    def created_at(self) -> dt.datetime: ...
    @property
    def induction_status(self) -> InductionStatus | str: ...
    @property
    def school_transfer(self) -> bool: ...
    @property
    def school_id(self) -> object: ...
    @property
    def lead_provider_id(self) -> object | None: ...


R = TypeVar("R", bound=TransferRecord)


def pair_transfers(records: Sequence[R], lead_provider_id: object) -> list[tuple[R, R | None]]:
    """One profile's moves between schools that ``lead_provider_id`` may see.

    Records are walked in creation order. Each ``leaving`` record is paired with the
    first record not yet used that is not itself leaving, is at another school and was
    registered by the new school as a transfer. A complete pair is shown when the
    provider is on either side; a leaving record still waiting for its joiner only to
    the provider being left.
    """
    ordered = sorted(records, key=lambda record: record.created_at)
    used: set[int] = set()
    pairs: list[tuple[R, R | None]] = []
    for index, leaving in enumerate(ordered):
        if leaving.induction_status != InductionStatus.LEAVING:
            continue
        used.add(index)
        joining: R | None = None
        for other_index, candidate in enumerate(ordered):
            if (
                other_index not in used
                and candidate.induction_status != InductionStatus.LEAVING
                and candidate.school_id != leaving.school_id
                and candidate.school_transfer
            ):
                joining = candidate
                used.add(other_index)
                break
        if joining is not None:
            if lead_provider_id in (leaving.lead_provider_id, joining.lead_provider_id):
                pairs.append((leaving, joining))
        elif leaving.lead_provider_id == lead_provider_id:
            pairs.append((leaving, None))
    return pairs


def transfer_type(leaving_provider_id: object | None, joining: TransferRecord | None) -> str:
    """``new_provider`` when both sides have a provider and they differ; ``new_school`` for
    any other move with a joiner; ``unknown`` while the new school has not reported one."""
    if joining is None:
        return "unknown"
    if (
        leaving_provider_id is not None
        and joining.lead_provider_id is not None
        and leaving_provider_id != joining.lead_provider_id
    ):
        return "new_provider"
    return "new_school"


def transfer_status(
    leaving_end: dt.datetime | None, joining_start: dt.datetime | None, at: dt.datetime | None = None
) -> str:
    """``incomplete`` while the later of the leaving and joining dates is after the start of
    today (UTC); ``complete`` once it is not. A move with neither date is still incomplete."""
    dates = [value for value in (leaving_end, joining_start) if value is not None]
    if not dates:
        return "incomplete"
    moment = at or now()
    start_of_today = dt.datetime.combine(moment.astimezone(UTC).date(), dt.time(), tzinfo=UTC)
    return "incomplete" if max(dates) > start_of_today else "complete"
