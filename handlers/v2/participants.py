"""Participants in API v2: v1's operations unchanged (v2 has no older action paths)."""

from handlers.v1.participants import (
    change_participant_schedule,
    defer_participant,
    export_participants_csv,
    export_participants_csv_by_old_path,
    get_participant,
    list_participants,
    list_participants_by_old_path,
    resume_participant,
    withdraw_participant,
)

__all__ = [
    "change_participant_schedule",
    "defer_participant",
    "export_participants_csv",
    "export_participants_csv_by_old_path",
    "get_participant",
    "list_participants",
    "list_participants_by_old_path",
    "resume_participant",
    "withdraw_participant",
]
