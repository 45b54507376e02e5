"""Every email the service sends, named in one place, with our own wording.

Each template has a name used in the code, the environment variable that gives its GOV.UK
Notify template id, and our copy of its subject and body. The copy renders the local outbox
(``integrations.email.OutboxSender``) and is what the Notify templates should say: paste
it into Notify when setting the service up. Placeholders are Notify's ``((name))``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

PLACEHOLDER = re.compile(r"\(\(([a-z_]+)\)\)")


@dataclass(frozen=True)
class EmailTemplate:
    name: str
    subject: str
    body: str

    @property
    def notify_env(self) -> str:
        """The environment variable holding this template's Notify id."""
        return f"NOTIFY_TEMPLATE_{self.name.upper()}"

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(PLACEHOLDER.findall(self.subject + self.body))


class MissingPersonalisation(ValueError):
    """A template was sent without a value for one of its placeholders (Notify refuses these too)."""


SIGN_IN = "sign_in"
ACCESS_INFO = "access_info"
NOMINATION = "nomination"
TUTOR_CHANGE_REQUESTED = "tutor_change_requested"
TUTOR_NOMINATED = "tutor_nominated"
LEAD_PROVIDER_WELCOME = "lead_provider_welcome"
PARTNERSHIP_CONFIRMED_TUTOR = "partnership_confirmed_tutor"
PARTNERSHIP_CONFIRMED_SCHOOL = "partnership_confirmed_school"
PARTNERSHIP_CHALLENGED = "partnership_challenged"
STAFF_WELCOME = "staff_welcome"

TEMPLATES: dict[str, EmailTemplate] = {
    template.name: template
    for template in (
        EmailTemplate(
            SIGN_IN,
            "Your link to sign in to Manage teacher CPD",
            """Hello ((full_name)),

Use this link to sign in to Manage teacher CPD:

((sign_in_url))

The link works once, for 24 hours. If it has stopped working, get a new one at ((sign_in_page_url))

If you did not ask to sign in, you can ignore this email. Nobody can sign in without the link.
""",
        ),
        EmailTemplate(
            ACCESS_INFO,
            "Signing in to Manage teacher CPD",
            """Someone asked for a link to sign in to Manage teacher CPD with this email address. There is no account for it, so we have not sent a link.

If you are a school's induction tutor, your school names you as its induction tutor. Ask whoever reads the email address your school has in Get information about schools (GIAS) to request a link at ((request_access_url))

If you work for a lead provider, ask the Department for Education at ((support_email)) to set up your account.

If you have an account under another email address, sign in with that one at ((sign_in_page_url))

If you did not ask to sign in, you can ignore this email.
""",
        ),
        EmailTemplate(
            NOMINATION,
            "Tell us who will register early career teachers at ((school_name))",
            """This email is for ((school_name)) (URN ((urn))).

Schools use Manage teacher CPD to register their early career teachers (ECTs) and mentors for training. Each school names one person, its induction tutor, to do this.

Use this link to tell us who your induction tutor is. It can be you.

((nomination_url))

The link works until ((expiry_date)). After that, ask for a new one at ((request_access_url))

If you were not expecting this email, you can ignore it.
""",
        ),
        EmailTemplate(
            TUTOR_CHANGE_REQUESTED,
            "Change the induction tutor at ((school_name))",
            """This email is for ((school_name)) (URN ((urn))).

Someone asked for access to Manage teacher CPD for your school. Your school's induction tutor is ((tutor_name)). They can sign in at ((sign_in_page_url))

If someone else should be the induction tutor, use this link to name them:

((nomination_url))

The link works until ((expiry_date)). If nothing needs to change, you can ignore this email.
""",
        ),
        EmailTemplate(
            TUTOR_NOMINATED,
            "You are the induction tutor for ((school_name))",
            """Hello ((full_name)),

You have been named as the induction tutor for ((school_name)) in Manage teacher CPD. You can now register your school's early career teachers (ECTs) and mentors for their training.

Use this link to sign in:

((sign_in_url))

The link works once, for 24 hours. After that, get a new one at ((sign_in_page_url))
""",
        ),
        EmailTemplate(
            LEAD_PROVIDER_WELCOME,
            "Your Manage teacher CPD account for ((lead_provider_name))",
            """Hello ((full_name)),

You now have an account with Manage teacher CPD for ((lead_provider_name)). You can confirm the schools you work with and check your partnerships.

To sign in, enter your email address at ((sign_in_page_url)) and we will email you a link.
""",
        ),
        EmailTemplate(
            PARTNERSHIP_CONFIRMED_TUTOR,
            "((lead_provider_name)) has confirmed it will train early career teachers at ((school_name))",
            """Hello ((full_name)),

((lead_provider_name)) has told us it will train early career teachers (ECTs) and mentors at ((school_name)) (URN ((urn))) from the ((academic_year)) academic year, with ((delivery_partner_name)) as its delivery partner.

What to do next: sign in and add your ECTs and mentors, so that the provider can start their training. Sign in at ((sign_in_page_url))

If your school has not agreed to work with ((lead_provider_name)), tell us before ((challenge_deadline)) with this link (you do not need to sign in). We will then stop them seeing your teachers’ details.

((challenge_url))
""",
        ),
        EmailTemplate(
            PARTNERSHIP_CONFIRMED_SCHOOL,
            "A training provider has confirmed it will work with ((school_name))",
            """This email is for ((school_name)) (URN ((urn))).

((lead_provider_name)) has told us it will train your early career teachers (ECTs) and mentors from the ((academic_year)) academic year, with ((delivery_partner_name)) as its delivery partner.

Your school has no induction tutor in Manage teacher CPD yet. The induction tutor registers your ECTs and mentors so that their training can start. Use this link to tell us who it is (it can be you):

((nomination_url))

If your school has not agreed to work with ((lead_provider_name)), tell us before ((challenge_deadline)) with this link (nobody needs to sign in). We will then stop them seeing your teachers’ details.

((challenge_url))

You can also email us at ((support_email)).
""",
        ),
        EmailTemplate(
            PARTNERSHIP_CHALLENGED,
            "((school_name)) says it is not working with ((lead_provider_name))",
            """Hello ((full_name)),

((school_name)) (URN ((urn))) has told us that it is not working with ((lead_provider_name)) and ((delivery_partner_name)) in the ((academic_year)) academic year.

The reason they gave: ((reason))

You can no longer see this school’s early career teachers (ECTs) and mentors, in the API or in Manage teacher CPD. If the school has agreed to work with you after all, talk to them, then confirm the partnership again: the school will be told and can report it again if it is not right.

Sign in to see your schools at ((sign_in_page_url))
""",
        ),
        EmailTemplate(
            STAFF_WELCOME,
            "Your DfE staff account for Manage teacher CPD",
            """Hello ((full_name)),

You now have a DfE staff account for Manage teacher CPD, with these roles: ((roles)).

Use this link to sign in:

((sign_in_url))

The link works once, for 24 hours. After that, get a new one at ((sign_in_page_url))

When you first sign in you will set up an authenticator app on your phone, such as Microsoft Authenticator or Google Authenticator. After that, you sign in with an emailed link and a 6-digit code from the app.

If you were not expecting this email, tell us at ((support_email)).
""",
        ),
    )
}


def render(name: str, personalisation: Mapping[str, str]) -> tuple[str, str]:
    """The subject and body of template ``name`` with its placeholders filled in."""
    template = TEMPLATES[name]
    missing = sorted(template.placeholders - set(personalisation))
    if missing:
        raise MissingPersonalisation(f"template {name!r} needs {', '.join(missing)}")

    def fill(text: str) -> str:
        return PLACEHOLDER.sub(lambda match: str(personalisation[match.group(1)]), text)

    return fill(template.subject), fill(template.body)


def notify_template_ids(env: Mapping[str, str]) -> dict[str, str]:
    """The Notify template ids the environment gives, by our template name."""
    return {name: env[t.notify_env] for name, t in TEMPLATES.items() if env.get(t.notify_env)}


def missing_template_ids(ids: Mapping[str, str]) -> list[str]:
    """The environment variables still to set before Notify can send every email."""
    return [t.notify_env for name, t in TEMPLATES.items() if not ids.get(name)]
