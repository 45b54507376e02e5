"""Web pages served beside the API by the same Flask app: the published specs
(``/api-docs``), GOV.UK Frontend's assets (``/assets``), the documentation site
(``/api-reference``), and the service's pages: signing in and naming induction tutors
(``auth``, at ``/``), schools (``/schools``), lead providers (``/providers``) and, outside
production, the email outbox (``/dev/outbox``). The service's pages share ``web/service.py``
(layout, errors, session cookie, CSRF) and ``web/templates/layout.html``.

Connexion routes a request by the specs first; a path that no spec knows falls through
its routers to the Flask app, where these blueprints answer. Paths that nothing here
knows still reach the API's JSON 404 (handlers/errors.py).
"""

from __future__ import annotations

from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from cpd.config import Settings


def register(app: Flask, settings: Settings) -> None:
    """Add the pages to the Connexion app's Flask app (``connexion_app.app``)."""
    from integrations.email import outbox_available
    from web import assets, dev_outbox, providers, published_specs, schools, service
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
    if outbox_available(settings):
        app.register_blueprint(dev_outbox.blueprint)
    assets.check_installed()
