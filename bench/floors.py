"""The database floor: one SQL statement per page that builds the page's JSON in PostgreSQL.

Each statement returns the ``data`` array of one page (same records, same order, same keys
and values as the API writes, derived fields computed in SQL), so its time is what the
database itself needs to produce the page; the ratio API / floor says how much the
application adds. Parameters: ``:lp`` (lead provider id), ``:limit``, ``:offset``.
The values ``participant_status`` and friends are derived in SQL the same way
``domain.participant_status`` derives them; byte equality with the API is not the point
(the key order of ``json_build_object`` and the API's match, spacing does not).
"""

from __future__ import annotations

#: rfc3339 as handlers.timestamps writes it: whole seconds in UTC with a Z.
_TS = """to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""

#: The provider's visible records, read from the table the API reads them from.
_LATEST = """
visible AS (
  SELECT v.teacher_id, v.participant_profile_id AS profile_id, v.induction_record_id AS record_id,
         v.teacher_created_at, v.profile_created_at, v.api_updated_at
  FROM visible_training_records v
  WHERE v.lead_provider_id = :lp AND v.schedule_cohort >= 2021
)"""

#: Everything an enrolment shows, from ``visible v`` joined to its rows.
_ENROLMENT_JOINS = """
  JOIN participant_profiles pp ON pp.id = v.profile_id
  JOIN induction_records ir ON ir.id = v.record_id
  JOIN teachers t ON t.id = pp.teacher_id
  JOIN participant_identities own ON own.id = pp.participant_identity_id
  LEFT JOIN participant_identities pref ON pref.id = ir.preferred_identity_id
  LEFT JOIN participant_profiles mp ON mp.id = ir.mentor_profile_id
  JOIN induction_programmes ip ON ip.id = ir.induction_programme_id
  JOIN partnerships p ON p.id = ip.partnership_id
  JOIN school_cohorts sc ON sc.id = ip.school_cohort_id
  JOIN schools sch ON sch.id = sc.school_id
  JOIN cohorts scy ON scy.id = sc.cohort_id
  JOIN schedules s ON s.id = ir.schedule_id
  LEFT JOIN participant_eligibilities pe ON pe.participant_profile_id = pp.id
  LEFT JOIN participant_validation_data pvd ON pvd.participant_profile_id = pp.id"""

_TRN = "coalesce(t.trn, pvd.trn)"
_TRN_VALIDATED = (
    f"CASE WHEN {_TRN} IS NULL THEN NULL ELSE (pe.reason IS NOT NULL AND pe.reason <> 'different_trn') END"
)
_ELIGIBLE = "CASE pe.status WHEN 'eligible' THEN true WHEN 'ineligible' THEN false END"
_MENTOR_ID = "CASE WHEN pp.profile_type = 'ect' THEN mp.teacher_id END"


def _status_change(state: str) -> str:
    """The provider's latest log entry of ``state`` while the record is in that state."""
    return f"""CASE WHEN ir.training_status = '{state}' THEN (
      SELECT json_build_object('reason', st.reason, 'date', {_TS.format("st.created_at")})
      FROM participant_profile_states st
      WHERE st.participant_profile_id = pp.id AND st.lead_provider_id = :lp AND st.state = '{state}'
      ORDER BY st.created_at DESC, st.id DESC LIMIT 1) END"""


V3_PARTICIPANTS = f"""
WITH {_LATEST},
people AS (
  SELECT teacher_id, teacher_created_at, api_updated_at FROM visible
  GROUP BY teacher_created_at, teacher_id, api_updated_at
  ORDER BY teacher_created_at, teacher_id LIMIT :limit OFFSET :offset
),
page AS (
  SELECT t.id, t.full_name, t.trn, t.created_at, people.api_updated_at
  FROM people JOIN teachers t ON t.id = people.teacher_id
),
enrolments AS (
  SELECT pp.teacher_id, json_agg(json_build_object(
    'training_record_id', pp.id,
    'email', coalesce(pref.email, own.email),
    'mentor_id', {_MENTOR_ID},
    'school_urn', sch.urn,
    'participant_type', pp.profile_type,
    'cohort', scy.start_year::text,
    'training_status', ir.training_status,
    'participant_status', CASE
        WHEN ir.end_date IS NOT NULL THEN CASE WHEN ir.end_date > now() THEN 'leaving' ELSE 'left' END
        WHEN ir.start_date > now() THEN 'joining'
        WHEN ir.induction_status IN ('active', 'completed') THEN 'active'
        WHEN ir.induction_status = 'leaving' THEN 'leaving'
        ELSE 'withdrawn' END,
    'teacher_reference_number_validated', {_TRN_VALIDATED},
    'eligible_for_funding', {_ELIGIBLE},
    'pupil_premium_uplift', pp.pupil_premium_uplift,
    'sparsity_uplift', pp.sparsity_uplift,
    'schedule_identifier', s.schedule_identifier,
    'delivery_partner_id', p.delivery_partner_id,
    'withdrawal', {_status_change("withdrawn")},
    'deferral', {_status_change("deferred")},
    'created_at', {_TS.format("pp.created_at")},
    'induction_end_date', pp.induction_completion_date,
    'mentor_funding_end_date', pp.mentor_completion_date,
    'cohort_changed_after_payments_frozen', pp.cohort_changed_after_payments_frozen,
    'mentor_ineligible_for_funding_reason',
        CASE WHEN pp.profile_type = 'mentor' THEN pp.mentor_completion_reason END
  ) ORDER BY pp.created_at, pp.id) AS items
  FROM page JOIN (
    SELECT lead_provider_id, teacher_id, participant_profile_id AS profile_id, induction_record_id AS record_id
    FROM visible_training_records
  ) v ON v.teacher_id = page.id AND v.lead_provider_id = :lp {_ENROLMENT_JOINS}
  GROUP BY pp.teacher_id
)
SELECT coalesce(json_agg(json_build_object(
  'id', page.id, 'type', 'participant', 'attributes', json_build_object(
    'full_name', page.full_name,
    'teacher_reference_number', page.trn,
    'updated_at', {_TS.format("page.api_updated_at")},
    'ecf_enrolments', coalesce(e.items, '[]'),
    'participant_id_changes', coalesce((
      SELECT json_agg(json_build_object(
        'from_participant_id', c.from_participant_id, 'to_participant_id', c.to_participant_id,
        'changed_at', {_TS.format("c.created_at")}) ORDER BY c.created_at, c.id)
      FROM participant_id_changes c WHERE c.teacher_id = page.id), '[]'))
) ORDER BY page.created_at, page.id), '[]')::text
FROM page LEFT JOIN enrolments e ON e.teacher_id = page.id
"""

_LEGACY_PARTICIPANT_PAGE = f"""
WITH {_LATEST},
page AS (
  SELECT v.teacher_id, v.profile_id, v.record_id, v.api_updated_at, v.teacher_created_at,
         v.profile_created_at
  FROM visible v
  ORDER BY v.teacher_created_at, v.teacher_id, v.profile_created_at, v.profile_id
  LIMIT :limit OFFSET :offset
)"""
_LEGACY_PARTICIPANT_COLUMNS = (
    ("email", "coalesce(pref.email, own.email)"),
    ("full_name", "t.full_name"),
    ("mentor_id", _MENTOR_ID),
    ("school_urn", "sch.urn"),
    ("participant_type", "pp.profile_type"),
    ("cohort", "scy.start_year::text"),
    (
        "status",
        "CASE WHEN ir.induction_status IN ('active', 'completed', 'leaving') THEN 'active' ELSE 'withdrawn' END",
    ),
    ("teacher_reference_number", _TRN),
    ("teacher_reference_number_validated", _TRN_VALIDATED),
    ("eligible_for_funding", _ELIGIBLE),
    ("pupil_premium_uplift", "pp.pupil_premium_uplift"),
    ("sparsity_uplift", "pp.sparsity_uplift"),
    ("training_status", "ir.training_status"),
    ("training_record_id", "pp.id"),
    ("schedule_identifier", "s.schedule_identifier"),
    ("updated_at", _TS.format("v.api_updated_at")),
)
_LEGACY_PARTICIPANT_ORDER = "v.teacher_created_at, v.teacher_id, v.profile_created_at, v.profile_id"
_LEGACY_PARTICIPANT_FROM = f"FROM page v {_ENROLMENT_JOINS}"


def _json_page(type_: str, id_: str, columns: tuple[tuple[str, str], ...], order: str, from_: str) -> str:
    attributes = ", ".join(f"'{key}', {expression}" for key, expression in columns)
    return (
        f"SELECT coalesce(json_agg(json_build_object('id', {id_}, 'type', '{type_}', 'attributes', "
        f"json_build_object({attributes})) ORDER BY {order}), '[]')::text {from_}"
    )


def _csv_rows(id_: str, columns: tuple[tuple[str, str], ...], order: str, from_: str) -> str:
    cells = ", ".join(f'{expression} AS "{key}"' for key, expression in columns)
    return f"SELECT {id_} AS id, {cells} {from_} ORDER BY {order}"


LEGACY_PARTICIPANTS = _LEGACY_PARTICIPANT_PAGE + _json_page(
    "participant", "t.id", _LEGACY_PARTICIPANT_COLUMNS, _LEGACY_PARTICIPANT_ORDER, _LEGACY_PARTICIPANT_FROM
)

_DECLARATIONS_PAGE = """
own AS (
  SELECT d.id, d.created_at FROM participant_declarations d WHERE d.lead_provider_id = :lp
  ORDER BY d.created_at, d.id LIMIT :limit + :offset
),
others AS (
  SELECT d.id, d.created_at FROM participant_declarations d
  WHERE d.lead_provider_id <> :lp AND d.state IN ('submitted', 'eligible', 'payable', 'paid')
    AND d.participant_profile_id IN (
      SELECT participant_profile_id FROM visible_training_records
      WHERE lead_provider_id = :lp AND others_live_declarations)
    AND EXISTS (
      SELECT 1 FROM induction_records ir
      JOIN induction_programmes ip ON ip.id = ir.induction_programme_id
      JOIN partnerships p ON p.id = ip.partnership_id
      WHERE p.lead_provider_id = :lp AND p.challenge_reason IS NULL
        AND ir.participant_profile_id = d.participant_profile_id
        AND (ir.induction_status IN ('active', 'completed') {leaving}))
  ORDER BY d.created_at, d.id LIMIT :limit + :offset
),
ids AS (
  SELECT id, created_at FROM (SELECT * FROM own UNION ALL SELECT * FROM others) visible
  ORDER BY created_at, id LIMIT :limit OFFSET :offset
),
page AS (
  SELECT d.*, lp.name AS lead_provider_name{details}
  FROM ids JOIN participant_declarations d ON d.id = ids.id
  JOIN lead_providers lp ON lp.id = d.lead_provider_id
)"""

#: What v3 shows beyond v1 and v2: the statements and the ineligibility reason.
_DECLARATION_DETAILS = """,
    (SELECT li.statement_id FROM statement_line_items li
      WHERE li.participant_declaration_id = d.id AND li.state IN ('eligible', 'payable', 'paid')
      ORDER BY li.created_at DESC, li.id LIMIT 1) AS statement_id,
    (SELECT li.statement_id FROM statement_line_items li
      WHERE li.participant_declaration_id = d.id AND li.state IN ('awaiting_clawback', 'clawed_back')
      ORDER BY li.created_at DESC, li.id LIMIT 1) AS clawback_statement_id,
    (SELECT ds.state_reason FROM declaration_states ds
      WHERE ds.participant_declaration_id = d.id AND ds.state = 'ineligible'
      ORDER BY ds.created_at DESC, ds.id LIMIT 1) AS ineligible_reason"""

_LEAVING = """OR (ir.induction_status = 'leaving'
             AND (ir.end_date IS NULL OR d.declaration_date <= ir.end_date))"""

V3_DECLARATIONS = f"""
WITH {_DECLARATIONS_PAGE.format(leaving=_LEAVING, details=_DECLARATION_DETAILS)}
SELECT coalesce(json_agg(json_build_object(
  'id', d.id, 'type', 'participant-declaration', 'attributes', json_build_object(
    'participant_id', d.teacher_id,
    'declaration_type', d.declaration_type,
    'course_identifier', d.course_identifier,
    'declaration_date', {_TS.format("d.declaration_date")},
    'mentor_id', d.mentor_teacher_id,
    'state', replace(d.state, '_', '-'),
    'updated_at', {_TS.format("d.api_updated_at")},
    'created_at', {_TS.format("d.created_at")},
    'delivery_partner_id', d.delivery_partner_id,
    'statement_id', d.statement_id,
    'clawback_statement_id', d.clawback_statement_id,
    'ineligible_for_funding_reason', CASE WHEN d.state = 'ineligible' THEN d.ineligible_reason END,
    'uplift_paid', (d.course_identifier = 'ecf-induction' AND d.declaration_type = 'started'
        AND d.state IN ('paid', 'awaiting_clawback', 'clawed_back')
        AND (d.pupil_premium_uplift OR d.sparsity_uplift)),
    'evidence_held', d.evidence_held,
    'has_passed', NULL,
    'lead_provider_name', d.lead_provider_name)
) ORDER BY d.created_at, d.id), '[]')::text
FROM page d
"""

_LEGACY_DECLARATION_COLUMNS = (
    ("participant_id", "d.teacher_id"),
    ("declaration_type", "d.declaration_type"),
    ("course_identifier", "d.course_identifier"),
    ("eligible_for_payment", "d.state IN ('eligible', 'payable')"),
    ("declaration_date", _TS.format("d.declaration_date")),
    ("updated_at", _TS.format("d.api_updated_at")),
    ("voided", "d.state = 'voided'"),
    ("state", "replace(d.state, '_', '-')"),
    ("has_passed", "NULL"),
)
_LEGACY_DECLARATION_PAGE = f"WITH {_DECLARATIONS_PAGE.format(leaving='', details='')}"
LEGACY_DECLARATIONS = _LEGACY_DECLARATION_PAGE + _json_page(
    "participant-declaration", "d.id", _LEGACY_DECLARATION_COLUMNS, "d.created_at, d.id", "FROM page d"
)

#: API path -> floor statement, for the endpoints that have one.
FLOORS = {
    "/api/v3/participants/ecf": V3_PARTICIPANTS,
    "/api/v1/participants/ecf": LEGACY_PARTICIPANTS,
    "/api/v2/participants/ecf": LEGACY_PARTICIPANTS,
    "/api/v3/participant-declarations": V3_DECLARATIONS,
    "/api/v1/participant-declarations": LEGACY_DECLARATIONS,
    "/api/v2/participant-declarations": LEGACY_DECLARATIONS,
}


#: CSV export path -> the export's rows as one plain SELECT (every row), for COPY ... TO STDOUT.
COPIES = {
    "/api/v1/participants/ecf.csv": (
        _LEGACY_PARTICIPANT_PAGE.replace(" LIMIT :limit OFFSET :offset", "")
        + _csv_rows("t.id", _LEGACY_PARTICIPANT_COLUMNS, _LEGACY_PARTICIPANT_ORDER, _LEGACY_PARTICIPANT_FROM)
    ),
    "/api/v1/participant-declarations.csv": (
        _LEGACY_DECLARATION_PAGE.replace(" LIMIT :limit OFFSET :offset", "").replace(
            " LIMIT :limit + :offset", ""
        )
        + _csv_rows("d.id", _LEGACY_DECLARATION_COLUMNS, "d.created_at, d.id", "FROM page d")
    ),
}
