"""``/api-docs/vN/api_spec.yml`` and ``.json``: the hand-written specs, published as written.

The paths are the original service's, so tools pointed at them (Postman imports, client
generators) keep working. They are public and cacheable (an ETag from the file's bytes), and
plain Flask routes rather than operations of the specs they publish. An unknown version has
no route, so it gets the API's usual JSON 404.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from web import specs

blueprint = Blueprint("published_specs", __name__)

VERSION_RULE = "<any(" + ", ".join(specs.VERSIONS) + "):version>"
YAML_MEDIA_TYPE = "application/yaml"
#: Short enough that a deploy's new spec is seen soon; revalidation is cheap (ETag).
MAX_AGE_SECONDS = 300


def _published(body: bytes, media_type: str, etag: str) -> Response:
    response = Response(body, mimetype=media_type)
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_SECONDS
    # Public documents: browser tools (editors, viewers) on other origins may fetch them.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)


@blueprint.get(f"/api-docs/{VERSION_RULE}/api_spec.yml")
def spec_yaml(version: str) -> Response:
    spec = specs.load(version)
    response = _published(spec.raw, YAML_MEDIA_TYPE, f"yml-{spec.etag}")
    response.headers["Content-Disposition"] = f'inline; filename="cpd-api-{version}.yml"'
    return response


@blueprint.get(f"/api-docs/{VERSION_RULE}/api_spec.json")
def spec_json(version: str) -> Response:
    spec = specs.load(version)
    body = json.dumps(spec.document, indent=2, ensure_ascii=False).encode()
    response = _published(body, "application/json", f"json-{spec.etag}")
    response.headers["Content-Disposition"] = f'inline; filename="cpd-api-{version}.json"'
    return response
