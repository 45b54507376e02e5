"""Web pages served beside the API by the same Flask app: the published specs
(``/api-docs``), GOV.UK Frontend's assets (``/assets``) and the documentation site
(``/api-reference``).

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
    from web import assets, published_specs
    from web.docs_site import blueprint as docs_site

    govuk = PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})
    app.jinja_loader = ChoiceLoader([app.jinja_loader, govuk]) if app.jinja_loader else govuk  # type: ignore[method-assign]
    app.config.setdefault("CPD_SETTINGS", settings)  # the pages read it per request, as handlers do
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.register_blueprint(published_specs.blueprint)
    app.register_blueprint(assets.blueprint)
    app.register_blueprint(docs_site)
    assets.check_installed()
