"""Web pages served beside the API by the same Flask app: the published specs
(``/api-docs``), GOV.UK Frontend's assets (``/assets``), the documentation site
(``/api-reference``), and the service's pages: signing in and naming induction tutors
(``auth``, at ``/``), schools (``/schools``), lead providers (``/providers``) and, in local
development only, the email outbox (``/dev/outbox``, see ``web.dev_outbox.enabled``). The service's pages share ``web/service.py``
(layout, errors, session cookie, CSRF) and ``web/templates/layout.html``.

Connexion routes a request by the specs first; a path that no spec knows falls through
its routers to the Flask app, where these blueprints answer. Paths that nothing here
knows get the GOV.UK 404 page under the service pages' prefixes (``web.service``) and
``/api-reference``, and the API's JSON 404 (handlers/errors.py) anywhere else.
"""

from __future__ import annotations

from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from cpd.config import Settings


def register(app: Flask, settings: Settings) -> None:
    """Add the pages to the Connexion app's Flask app (``connexion_app.app``)."""
    from web import admin, assets, dev_outbox, finance, providers, published_specs, schools, service, staff
    from web.auth import blueprint as auth
    from web.docs_site import blueprint as docs_site

    govuk = PrefixLoader(
        {
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }
    )
    loaders = [govuk, PackageLoader("web", "templates")]
    app.jinja_loader = ChoiceLoader([app.jinja_loader, *loaders] if app.jinja_loader else loaders)  # type: ignore[method-assign]
    app.config.setdefault("CPD_SETTINGS", settings)  # the pages read it per request, as handlers do
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.register_blueprint(published_specs.blueprint)
    app.register_blueprint(assets.blueprint)
    app.register_blueprint(docs_site)
    service.init_app(app, settings)
    app.register_blueprint(auth)
    app.register_blueprint(schools.blueprint)
    app.register_blueprint(providers.blueprint)
    app.register_blueprint(admin.blueprint)
    app.register_blueprint(finance.blueprint)
    app.register_blueprint(staff.blueprint)
    if dev_outbox.enabled(settings):
        app.register_blueprint(dev_outbox.blueprint)
    assets.check_installed()
