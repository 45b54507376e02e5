"""Participants for DfE admins: search, a participant's page, and the fixes staff make.

- ``/admin/participants``: search by participant id (a retired one too), training record id,
  TRN, email or name, with an ECT/mentor filter. Every lookup uses an index: ids and TRNs
  exactly, an email by ``lower(email)``, a name case-insensitively by ``lower(full_name)``
  (a trigram index on PostgreSQL, migration 0009). A page costs a fixed number of queries.
- ``/admin/participants/<id>``: training records, dated induction history, training-status
  history per provider, declarations with their statements, eligibility, id changes and the
  audit trail.
- Changes, each through the one domain function the API or the service uses, with its rules
  and messages: withdraw, defer and resume a training record, and change its schedule or
  cohort (``domain.participant_actions``, on behalf of the provider whose record it is);
  record eligibility after a manual check (``domain.eligibility``); void a declaration on a
  provider's behalf (``domain.declarations``); merge a duplicate (``domain.merges``). Each
  takes the staff member's reason for the audit trail; money and identity changes have a
  check step first.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from domain import audit, declarations, eligibility, merges, participant_actions
from domain.errors import InvalidTransition, RuleBroken
from domain.people import as_uuid, find_teacher
from storage.enums import (
    CourseIdentifier,
    DeclarationState,
    EligibilityReason,
    EligibilityStatus,
    InductionStatus,
    ProfileType,
    RecordStatus,
    TrainingStatus,
)
from storage.models import (
    Cohort,
    InductionProgramme,
    InductionRecord,
    LeadProvider,
    ParticipantDeclaration,
    ParticipantIdChange,
    ParticipantIdentity,
    ParticipantProfile,
    ParticipantProfileState,
    Partnership,
    Schedule,
    School,
    SchoolCohort,
    StatementLineItem,
    Teacher,
)
from web.admin import blueprint
from web.admin.participant_forms import (
    DEFER_REASONS,
    ELIGIBILITY_REASONS,
    ELIGIBILITY_STATUSES,
    WITHDRAW_REASONS,
    DeferForm,
    EligibilityForm,
    MergeForm,
    ResumeForm,
    ScheduleForm,
    VoidForm,
    WithdrawForm,
)
from web.admin.views import AREAS
from web.auth import Role, current_user, login_required
from web.context import db
from web.forms import show_rule_errors
from web.service import render_page

Page = tuple[str, int] | Response
PER_PAGE = 25
#: Counting stops here: "1,000 or more" is as useful as an exact count of a broad search.
COUNT_LIMIT = 1000
TRN = re.compile(r"\d{7}")
KINDS = {"ect": ProfileType.ECT, "mentor": ProfileType.MENTOR}
KIND_NAMES = {ProfileType.ECT: "ECT", ProfileType.MENTOR: "Mentor"}
COURSES = {ProfileType.ECT: CourseIdentifier.ECT.value, ProfileType.MENTOR: CourseIdentifier.MENTOR.value}
VOIDABLE = frozenset(
    {
        DeclarationState.SUBMITTED,
        DeclarationState.ELIGIBLE,
        DeclarationState.PAYABLE,
        DeclarationState.INELIGIBLE,
        DeclarationState.PAID,
    }
)

AREAS.append(
    (
        "admin.participants",
        "Participants",
        "Find an ECT or mentor by ID, name, email or TRN; see their records and history; change their "
        "training, record eligibility, void a declaration or merge duplicates.",
    )
)


# --- search -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchRow:
    teacher: Teacher
    emails: list[str]
    records: list[str]


@dataclass(frozen=True)
class SearchResults:
    rows: list[SearchRow]
    page: int
    has_next: bool
    total: int
    #: True when there are at least COUNT_LIMIT matches (and ``total`` stops there).
    capped: bool


def _matching(text: str) -> sa.ColumnElement[bool] | None:
    """Who ``text`` names, through indexed columns only; ``None`` for every participant."""
    if not text:
        return None
    wanted = as_uuid(text)
    if wanted is not None:
        ids = sa.union(
            sa.select(Teacher.id).where(Teacher.id == wanted),
            sa.select(ParticipantIdentity.teacher_id).where(
                ParticipantIdentity.external_identifier == wanted
            ),
            sa.select(ParticipantIdChange.teacher_id).where(
                ParticipantIdChange.from_participant_id == wanted
            ),
            sa.select(ParticipantProfile.teacher_id).where(ParticipantProfile.id == wanted),
        )
        return Teacher.id.in_(ids)
    if TRN.fullmatch(text):
        return Teacher.trn == text
    if "@" in text:
        return Teacher.id.in_(
            sa.select(ParticipantIdentity.teacher_id).where(
                sa.func.lower(ParticipantIdentity.email) == text.lower()
            )
        )
    return sa.func.lower(Teacher.full_name).contains(text.lower(), autoescape=True)


def search_participants(session: Session, text: str, kind: str, page: int) -> SearchResults:
    """A page of people matching ``text`` (names in order; with no text, the newest first):
    one query for the page, one to count (up to :data:`COUNT_LIMIT`) and two for its rows."""
    text = " ".join(text.split())
    query = sa.select(Teacher)
    condition = _matching(text)
    if condition is not None:
        query = query.where(condition)
    if kind in KINDS:
        query = query.where(
            sa.exists().where(
                ParticipantProfile.teacher_id == Teacher.id, ParticipantProfile.profile_type == KINDS[kind]
            )
        )
    counted = session.scalar(
        sa.select(sa.func.count()).select_from(
            query.with_only_columns(Teacher.id).limit(COUNT_LIMIT).subquery()
        )
    )
    total = counted or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    order = (Teacher.full_name, Teacher.id) if text else (Teacher.created_at.desc(), Teacher.id.desc())
    found = list(session.scalars(query.order_by(*order).limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)))
    has_next = len(found) > PER_PAGE
    teachers = found[:PER_PAGE]
    ids = [t.id for t in teachers]
    emails: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
    records: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
    if ids:
        for teacher_id, email in session.execute(
            sa.select(ParticipantIdentity.teacher_id, ParticipantIdentity.email)
            .where(ParticipantIdentity.teacher_id.in_(ids))
            .order_by(ParticipantIdentity.created_at)
        ):
            emails[teacher_id].append(email)
        for teacher_id, profile_type, school, year in session.execute(
            sa.select(
                ParticipantProfile.teacher_id, ParticipantProfile.profile_type, School.name, Cohort.start_year
            )
            .join(SchoolCohort, SchoolCohort.id == ParticipantProfile.school_cohort_id)
            .join(School, School.id == SchoolCohort.school_id)
            .join(Cohort, Cohort.id == SchoolCohort.cohort_id)
            .where(ParticipantProfile.teacher_id.in_(ids))
            .order_by(ParticipantProfile.created_at)
        ):
            records[teacher_id].append(f"{KIND_NAMES[profile_type]} at {school} ({year})")
    rows = [SearchRow(t, emails[t.id], records[t.id]) for t in teachers]
    return SearchResults(rows, page, has_next, total, total >= COUNT_LIMIT)


def _page_number() -> int:
    try:
        return int(request.args.get("page", "1"))
    except ValueError:
        return 1


@blueprint.get("/participants")
@login_required(Role.ADMIN)
def participants() -> Page:
    text = request.args.get("q", "").strip()[:320]
    kind = request.args.get("type", "")
    kind = kind if kind in KINDS else ""
    results = search_participants(db(), text, kind, _page_number())
    return render_page("admin/participants.html", "Participants", query=text, kind=kind, results=results)


# --- a participant's page -----------------------------------------------------------------------


@dataclass
class RecordView:
    """One training record with everything hanging off it."""

    profile: ParticipantProfile
    records: list[InductionRecord] = field(default_factory=list)
    states: list[ParticipantProfileState] = field(default_factory=list)
    declarations: list[ParticipantDeclaration] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return KIND_NAMES[self.profile.profile_type]

    @property
    def latest(self) -> InductionRecord | None:
        """The record in force, chosen as the API chooses: open-ended first, then the newest."""
        ordered = sorted(
            self.records,
            key=lambda r: (
                r.end_date is None,
                r.start_date,
                r.created_at,
                r.induction_status != InductionStatus.CHANGED,
            ),
        )
        return ordered[-1] if ordered else None


def _teacher_or_redirect(participant_id: str) -> Teacher | Response:
    """The person; a retired id (or an identity's external id) redirects to their current page."""
    teacher = find_teacher(db(), participant_id, None)
    if teacher is None:
        abort(404)
    if str(teacher.id) != participant_id:
        return redirect(
            url_for(
                request.endpoint or "admin.participant", **{**request.view_args, "participant_id": teacher.id}
            )
        )  # type: ignore[arg-type]
    return teacher


def _record_views(session: Session, teacher: Teacher) -> list[RecordView]:
    """The person's training records with their history: five queries whatever their number."""
    profiles = list(
        session.scalars(
            sa.select(ParticipantProfile)
            .where(ParticipantProfile.teacher_id == teacher.id)
            .options(
                selectinload(ParticipantProfile.school_cohort).selectinload(SchoolCohort.school),
                selectinload(ParticipantProfile.school_cohort).selectinload(SchoolCohort.cohort),
                selectinload(ParticipantProfile.schedule),
                selectinload(ParticipantProfile.eligibility),
                selectinload(ParticipantProfile.participant_identity),
            )
            .order_by(ParticipantProfile.created_at, ParticipantProfile.id)
        )
    )
    views = {p.id: RecordView(p) for p in profiles}
    if not views:
        return []
    ids = list(views)
    for record in session.scalars(
        sa.select(InductionRecord)
        .where(InductionRecord.participant_profile_id.in_(ids))
        .options(
            selectinload(InductionRecord.induction_programme)
            .selectinload(InductionProgramme.school_cohort)
            .selectinload(SchoolCohort.school),
            selectinload(InductionRecord.induction_programme)
            .selectinload(InductionProgramme.partnership)
            .selectinload(Partnership.lead_provider),
            selectinload(InductionRecord.induction_programme)
            .selectinload(InductionProgramme.partnership)
            .selectinload(Partnership.delivery_partner),
            selectinload(InductionRecord.schedule).selectinload(Schedule.cohort),
            selectinload(InductionRecord.mentor_profile).selectinload(ParticipantProfile.teacher),
        )
        .order_by(InductionRecord.start_date, InductionRecord.created_at)
    ):
        views[record.participant_profile_id].records.append(record)
    for state in session.scalars(
        sa.select(ParticipantProfileState)
        .where(ParticipantProfileState.participant_profile_id.in_(ids))
        .options(selectinload(ParticipantProfileState.lead_provider))
        .order_by(ParticipantProfileState.created_at)
    ):
        views[state.participant_profile_id].states.append(state)
    for declaration in session.scalars(
        sa.select(ParticipantDeclaration)
        .where(ParticipantDeclaration.participant_profile_id.in_(ids))
        .order_by(ParticipantDeclaration.declaration_date, ParticipantDeclaration.created_at)
    ):
        views[declaration.participant_profile_id].declarations.append(declaration)
    return list(views.values())


def _statement_lines(
    session: Session, declaration_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[StatementLineItem]]:
    lines: dict[uuid.UUID, list[StatementLineItem]] = {i: [] for i in declaration_ids}
    if declaration_ids:
        for line in session.scalars(
            sa.select(StatementLineItem)
            .where(StatementLineItem.participant_declaration_id.in_(declaration_ids))
            .options(selectinload(StatementLineItem.statement))
            .order_by(StatementLineItem.created_at)
        ):
            lines[line.participant_declaration_id].append(line)
    return lines


def _provider_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.execute(sa.select(LeadProvider.id, LeadProvider.name).where(LeadProvider.id.in_(ids)))
    return {provider_id: name for provider_id, name in rows}


@blueprint.get("/participants/<participant_id>")
@login_required(Role.ADMIN)
def participant(participant_id: str) -> Page:
    found = _teacher_or_redirect(participant_id)
    if not isinstance(found, Teacher):
        return found
    session = db()
    records = _record_views(session, found)
    all_declarations = [d for view in records for d in view.declarations]
    identities = list(
        session.scalars(
            sa.select(ParticipantIdentity)
            .where(ParticipantIdentity.teacher_id == found.id)
            .order_by(ParticipantIdentity.created_at)
        )
    )
    id_changes = list(
        session.scalars(
            sa.select(ParticipantIdChange)
            .where(ParticipantIdChange.teacher_id == found.id)
            .order_by(ParticipantIdChange.created_at)
        )
    )
    return render_page(
        "admin/participant_page.html",
        found.full_name,
        teacher=found,
        identities=identities,
        records=records,
        lines=_statement_lines(session, [d.id for d in all_declarations]),
        providers=_provider_names(session, {d.lead_provider_id for d in all_declarations}),
        id_changes=id_changes,
        events=audit.history_of_participant(session, found.id, limit=200),
        voidable=VOIDABLE,
        withdrawn=TrainingStatus.WITHDRAWN,
        record_active=RecordStatus.ACTIVE,
        back_link=url_for("admin.participants"),
    )


# --- changing a training record -------------------------------------------------------------------


def _profile_or_404(teacher: Teacher, profile_id: str) -> ParticipantProfile:
    wanted = as_uuid(profile_id)
    profile = db().get(ParticipantProfile, wanted) if wanted else None
    if profile is None or profile.teacher_id != teacher.id:
        abort(404)
    return profile


def _providers_of(session: Session, profile: ParticipantProfile) -> list[tuple[str, str]]:
    """The lead providers with induction records for the training record, the latest first:
    the providers a training-status change can be made for."""
    rows = session.execute(
        sa.select(LeadProvider.id, LeadProvider.name, sa.func.max(InductionRecord.start_date))
        .join(Partnership, Partnership.lead_provider_id == LeadProvider.id)
        .join(InductionProgramme, InductionProgramme.partnership_id == Partnership.id)
        .join(InductionRecord, InductionRecord.induction_programme_id == InductionProgramme.id)
        .where(InductionRecord.participant_profile_id == profile.id)
        .group_by(LeadProvider.id, LeadProvider.name)
        .order_by(sa.func.max(InductionRecord.start_date).desc())
    ).all()
    return [(str(provider_id), name) for provider_id, name, _ in rows]


def _chosen_provider(form: Any, choices: list[tuple[str, str]]) -> uuid.UUID | None:
    """The provider the form names; an id that is not one of the record's providers is refused
    by the domain rule ("not recognised"), as the API refuses a provider without a record."""
    return as_uuid(form.lead_provider.data) or (as_uuid(choices[0][0]) if choices else None)


def _action_page(
    template: str, title: str, teacher: Teacher, profile: ParticipantProfile, form: Any, **context: Any
) -> Page:
    return render_page(
        template,
        title,
        form=form,
        teacher=teacher,
        profile=profile,
        kind=KIND_NAMES[profile.profile_type],
        back_link=url_for("admin.participant", participant_id=teacher.id),
        **context,
    )


def _done(teacher: Teacher, message: str) -> Response:
    db().commit()
    flash(message, "success")
    return redirect(url_for("admin.participant", participant_id=teacher.id))


def _no_provider(form: Any) -> None:
    form.lead_provider.errors = [
        "This training record has no lead provider, so there is no provider's training status to change"
    ]
    form._errors = None


def _training_change(participant_id: str, profile_id: str, form_class: type, action: str) -> Page:
    """Withdraw, defer or resume: the provider's own action (``domain.participant_actions``)."""
    found = _teacher_or_redirect(participant_id)
    if not isinstance(found, Teacher):
        return found
    profile = _profile_or_404(found, profile_id)
    session = db()
    choices = _providers_of(session, profile)
    form = form_class()
    form.lead_provider.choices = choices
    if form.validate_on_submit():
        provider_id = _chosen_provider(form, choices)
        if provider_id is None:
            _no_provider(form)
        else:
            course = COURSES[profile.profile_type]
            try:
                with audit.reason(session, form.why.data):
                    if action == "withdraw":
                        participant_actions.withdraw(
                            session, provider_id, str(found.id), course, form.reason.data
                        )
                    elif action == "defer":
                        participant_actions.defer(
                            session, provider_id, str(found.id), course, form.reason.data
                        )
                    else:
                        participant_actions.resume(session, provider_id, str(found.id), course)
            except RuleBroken as broken:
                session.rollback()
                show_rule_errors(form, broken, fallback="lead_provider")
            else:
                verbs = {"withdraw": "withdrawn", "defer": "deferred", "resume": "active again"}
                return _done(
                    found,
                    f"{found.full_name}’s {KIND_NAMES[profile.profile_type]} training is {verbs[action]}",
                )
    titles = {
        "withdraw": "Withdraw this participant from training",
        "defer": "Pause this participant’s training",
        "resume": "Resume this participant’s training",
    }
    return _action_page(
        "admin/participant_training_status.html", titles[action], found, profile, form, action=action,
        withdraw_reasons=WITHDRAW_REASONS, defer_reasons=DEFER_REASONS,
    )  # fmt: skip


@blueprint.route("/participants/<participant_id>/records/<profile_id>/withdraw", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def participant_withdraw(participant_id: str, profile_id: str) -> Page:
    return _training_change(participant_id, profile_id, WithdrawForm, "withdraw")


@blueprint.route("/participants/<participant_id>/records/<profile_id>/defer", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def participant_defer(participant_id: str, profile_id: str) -> Page:
    return _training_change(participant_id, profile_id, DeferForm, "defer")


@blueprint.route("/participants/<participant_id>/records/<profile_id>/resume", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def participant_resume(participant_id: str, profile_id: str) -> Page:
    return _training_change(participant_id, profile_id, ResumeForm, "resume")


@blueprint.route("/participants/<participant_id>/records/<profile_id>/schedule", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def participant_schedule(participant_id: str, profile_id: str) -> Page:
    """Change schedule or cohort: the provider's change-schedule, with its rules."""
    found = _teacher_or_redirect(participant_id)
    if not isinstance(found, Teacher):
        return found
    profile = _profile_or_404(found, profile_id)
    session = db()
    choices = _providers_of(session, profile)
    identifiers = sorted(set(session.scalars(sa.select(Schedule.schedule_identifier))))
    years = [str(y) for y in session.scalars(sa.select(Cohort.start_year).order_by(Cohort.start_year))]
    form = ScheduleForm(
        data={
            "schedule_identifier": profile.schedule.schedule_identifier,
            "cohort": str(profile.schedule.cohort.start_year),
        }
    )
    form.lead_provider.choices = choices
    form.schedule_identifier.choices = [(i, i) for i in identifiers]
    form.cohort.choices = [(y, y) for y in years]
    if form.validate_on_submit():
        provider_id = _chosen_provider(form, choices)
        if provider_id is None:
            _no_provider(form)
        else:
            try:
                with audit.reason(session, form.why.data):
                    participant_actions.change_schedule(
                        session, provider_id, str(found.id), COURSES[profile.profile_type],
                        form.schedule_identifier.data, form.cohort.data,
                    )  # fmt: skip
            except RuleBroken as broken:
                session.rollback()
                show_rule_errors(form, broken, fallback="schedule_identifier")
            else:
                return _done(
                    found,
                    f"{found.full_name} is now on {form.schedule_identifier.data} in the {form.cohort.data} cohort",
                )
    return _action_page("admin/participant_schedule.html", "Change schedule or cohort", found, profile, form)


@blueprint.route("/participants/<participant_id>/records/<profile_id>/eligibility", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def participant_eligibility(participant_id: str, profile_id: str) -> Page:
    """Record DfE's verdict after a manual check; an eligible verdict releases waiting
    declarations onto statements, so it has a check step."""
    found = _teacher_or_redirect(participant_id)
    if not isinstance(found, Teacher):
        return found
    profile = _profile_or_404(found, profile_id)
    session = db()
    form = EligibilityForm()
    statuses = {value for value, _ in ELIGIBILITY_STATUSES}
    reasons = {value for value, _ in ELIGIBILITY_REASONS}
    if form.validate_on_submit():
        if form.status.data not in statuses:
            form.status.errors = ["Select what the manual check found"]
            form._errors = None
        elif (form.reason.data or "none") not in reasons:
            form.reason.errors = ["Select a reason from the list"]
            form._errors = None
        elif not form.is_confirmed:
            waiting = session.scalar(
                sa.select(sa.func.count()).where(
                    ParticipantDeclaration.participant_profile_id == profile.id,
                    ParticipantDeclaration.state == DeclarationState.SUBMITTED,
                )
            )
            return _action_page(
                "admin/participant_eligibility_check.html", "Check the eligibility before recording it", found,
                profile, form, waiting=waiting, status_names=dict(ELIGIBILITY_STATUSES),
                reason_names=dict(ELIGIBILITY_REASONS),
            )  # fmt: skip
        else:
            try:
                with audit.reason(session, form.why.data):
                    outcome = eligibility.record_eligibility(
                        session,
                        profile.id,
                        EligibilityStatus(form.status.data),
                        EligibilityReason(form.reason.data or "none"),
                        manually_validated=True,
                    )
            except RuleBroken as broken:
                session.rollback()
                show_rule_errors(form, broken, fallback="status")
            else:
                released = ""
                if outcome.declarations_made_eligible:
                    released = (
                        f"; {outcome.declarations_made_eligible} declarations are now eligible for payment"
                    )
                return _done(found, f"Eligibility recorded for {found.full_name}{released}")
    return _action_page(
        "admin/participant_eligibility.html", "Record eligibility after a manual check", found, profile, form,
        status_names=dict(ELIGIBILITY_STATUSES),
    )  # fmt: skip


# --- voiding a declaration --------------------------------------------------------------------------


@blueprint.route("/participants/<participant_id>/declarations/<declaration_id>/void", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def participant_void(participant_id: str, declaration_id: str) -> Page:
    """Void (or, once paid, claw back) a declaration for its provider: the provider's own void."""
    found = _teacher_or_redirect(participant_id)
    if not isinstance(found, Teacher):
        return found
    session = db()
    wanted = as_uuid(declaration_id)
    declaration = session.get(ParticipantDeclaration, wanted) if wanted else None
    if declaration is None or declaration.teacher_id != found.id:
        abort(404)
    provider = session.get(LeadProvider, declaration.lead_provider_id)
    lines = _statement_lines(session, [declaration.id])[declaration.id]
    form = VoidForm()
    if form.validate_on_submit() and form.is_confirmed:
        user = current_user()
        try:
            with audit.reason(session, form.why.data):
                declarations.void_for_provider(session, declaration, user.email if user else "DfE")
        except InvalidTransition as refused:
            session.rollback()
            form.why.errors = [*form.why.errors, str(refused)]
            form._errors = None
            form.confirmed.data = ""
        else:
            clawed = declaration.state == DeclarationState.AWAITING_CLAWBACK
            return _done(
                found,
                f"Declaration {'awaiting clawback' if clawed else 'voided'}: {declaration.declaration_type.value} "
                f"for {declaration.course_identifier.value}",
            )
    checking = form.is_submitted() and not form.errors and not form.is_confirmed
    return render_page(
        "admin/participant_void.html",
        "Check before voiding this declaration" if checking else "Void a declaration",
        form=form,
        teacher=found,
        declaration=declaration,
        provider=provider,
        lines=lines,
        checking=checking,
        back_link=url_for("admin.participant", participant_id=found.id),
    )


# --- merging duplicates ---------------------------------------------------------------------------


@blueprint.route("/participants/<participant_id>/merge", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def participant_merge(participant_id: str) -> Page:
    """Merge a duplicate into this participant: enter its id and why, check both people
    side by side, then confirm. The check and the merge are ``domain.merges``."""
    found = _teacher_or_redirect(participant_id)
    if not isinstance(found, Teacher):
        return found
    session = db()
    form = MergeForm()
    plan = None
    if form.is_submitted():
        # The id is checked even when the reason is missing, so every problem shows at once.
        valid = form.validate()
        try:
            if valid and form.is_confirmed:
                merges.merge_participants(
                    session, str(found.id), form.retired_participant_id.data, form.why.data or ""
                )
            else:
                plan = merges.plan_merge(session, str(found.id), form.retired_participant_id.data)
        except RuleBroken as broken:
            session.rollback()
            show_rule_errors(form, broken, fallback="retired_participant_id")
            form.confirmed.data = ""
            plan = None
        else:
            if plan is None:
                retired = form.retired_participant_id.data
                return _done(
                    found, f"Participant {retired} merged into {found.full_name}. Its ID now leads here."
                )
        if not valid:
            plan = None
    if plan is not None:
        return render_page(
            "admin/participant_merge_check.html",
            "Check these are the same person",
            form=form,
            teacher=found,
            plan=plan,
            kept=_record_views(session, plan.kept),
            retired=_record_views(session, plan.retired),
            back_link=url_for("admin.participant_merge", participant_id=found.id),
        )
    return render_page(
        "admin/participant_merge.html",
        "Merge a duplicate record into this participant",
        form=form,
        teacher=found,
        back_link=url_for("admin.participant", participant_id=found.id),
    )
