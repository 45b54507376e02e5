"""The audit trail of page writes: an induction tutor signed in through the real pages is
the actor of what their forms change, with the reason a form gives."""

from __future__ import annotations

import re

import sqlalchemy as sa

from domain import audit
from domain.partnerships import confirm_partnership
from storage.models import AuditEvent, Partnership, SchoolCohort
from tests import builders
from tests.factories import provider_with_token
from tests.web.school_story import records_api, settings  # noqa: F401  (fixtures)
from tests.web.service_pages import submit
from tests.web.test_school_pages import base, set_up, tutor  # noqa: F401  (tutor is a fixture)


def test_setting_up_a_cohort_is_recorded_as_the_tutor(client, session, tutor):  # noqa: F811
    user, school = tutor
    set_up(client, school)
    session.expire_all()
    cohort = session.scalars(sa.select(SchoolCohort).where(SchoolCohort.school_id == school.id)).one()
    created = audit.history_of(session, SchoolCohort, cohort.id)[-1]
    assert created.action == "created"
    assert (created.actor_kind, created.actor_id, created.actor_label, created.source) == (
        "school_user",
        str(user.id),
        user.email,
        "page",
    )
    assert created.changes["school_id"] == [None, str(school.id)]
    assert created.request_id  # the page request's X-Request-Id
    assert created.api_request is None
    # Signing in (sessions, link tokens) is plumbing and never in the trail.
    recorded = set(session.scalars(sa.select(AuditEvent.record_type).distinct()))
    assert recorded.isdisjoint({"user_sessions", "sign_in_tokens", "sign_in_link_requests", "outbox_emails"})


def test_reporting_a_partnership_records_the_reason_and_the_tutor(client, session, tutor):  # noqa: F811
    user, school = tutor
    set_up(client, school)
    provider, _ = provider_with_token(session, "secret")
    partner = builders.delivery_partner(session, provider, years=(2025,))
    partnership = confirm_partnership(session, provider.id, "2025", str(school.id), str(partner.id))
    session.commit()
    link = re.search(r'href="([^"]+/report)"', client.get(base(school)).text).group(1)  # type: ignore[union-attr]
    assert submit(client, link, {"reason": "mistake"}).status_code == 302

    challenged = audit.history_of(session, Partnership, partnership.id)[0]
    assert challenged.action == "challenged"
    assert challenged.reason == "mistake"
    assert challenged.changes["challenge_reason"] == [None, "mistake"]
    assert challenged.actor_id == str(user.id) and challenged.actor_kind == "school_user"
    assert str(partnership.id) in {e.record_id for e in audit.events_by(session, "school_user", str(user.id))}
