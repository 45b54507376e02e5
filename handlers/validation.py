"""Parameter validation that speaks the original service's error messages.

Connexion checks every parameter against the spec. When a check fails we look for
``x-error-title`` / ``x-error-details`` on the schemas along the failing path (the
deepest one wins) so the exact wording lives in the spec beside the rule it explains.
``x-error-details`` maps a JSON Schema keyword (``type``, ``required``, ``format``…)
of that schema, or ``*`` for any failure at or beneath it, to the detail text.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncGenerator
from typing import Any

from connexion.exceptions import BadRequestProblem
from connexion.json_schema import Draft4ResponseValidator, allow_nullable
from connexion.uri_parsing import OpenAPIURIParser
from connexion.validators import JSONRequestBodyValidator, JSONResponseBodyValidator
from connexion.validators.parameter import ParameterValidator
from jsonschema import Draft4Validator, FormatChecker, ValidationError
from jsonschema.validators import extend as jsonschema_extend
from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope

from handlers.errors import ApiError
from handlers.timestamps import parse_instant

format_checker = FormatChecker(formats=())


def _has_nul(value: Any) -> bool:
    """Whether a NUL hides in a string, key or item, however deep (PostgreSQL refuses it)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


@format_checker.checks("date-time")
def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or parse_instant(value) is not None


def _schemas_along(schema: dict[str, Any], error: ValidationError) -> list[dict[str, Any]]:
    """The schema and each subschema the failing keyword sits under, outermost first."""
    found = [schema]
    node: Any = schema
    for step in list(error.absolute_schema_path)[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict):
            found.append(node)
    return found


def describe(schema: dict[str, Any], error: ValidationError, fallback: str) -> ApiError:
    title, detail = "Bad request", fallback
    nodes = _schemas_along(schema, error)
    for depth, node in enumerate(nodes):
        details = node.get("x-error-details") or {}
        # A keyword-specific message belongs to the schema holding that keyword;
        # "*" covers everything beneath its schema.
        own = depth == len(nodes) - 1
        chosen = (details.get(error.validator) if own else None) or details.get("*")
        if chosen:
            detail = chosen
            title = node.get("x-error-title", "Bad request")
    return ApiError.bad_request(detail, title=title)


class ApiParameterValidator(ParameterValidator):
    """Connexion's parameter validator, raising :class:`ApiError` with the spec's wording."""

    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict[str, Any], param_name: Any = None
    ) -> Any:
        schema = param.get("schema", param)
        if _has_nul(value):
            raise ApiError.nul_character()
        if value is None:
            if param.get("required"):
                details = schema.get("x-error-details") or {}
                if "required" in details:
                    raise ApiError.bad_request(
                        details["required"], title=schema.get("x-error-title", "Bad request")
                    )
                raise ApiError.bad_request(f"The {parameter_type} parameter '{param['name']}' is required")
            return None
        errors = sorted(
            Draft4Validator(schema, format_checker=format_checker).iter_errors(value),
            key=lambda e: len(e.absolute_schema_path),
        )
        if errors:
            raise describe(
                schema, errors[0], f"The {parameter_type} parameter '{param['name']}' is not valid"
            )
        return None


class ApiURIParser(OpenAPIURIParser):
    """Connexion's query parser, made safe for keys nested deeper than the spec allows
    (``page[per_page][x]=1`` crashes its type coercion). Such values are passed on
    uncoerced, and parameter validation then refuses them with the usual 400."""

    def _preprocess_deep_objects(self, query_data: Any) -> Any:
        # ``filter[]=x`` is a list in Rails terms, not a hash: keep such a parameter as
        # the plain string it was sent as, so validation refuses it ("Filter must be a hash").
        broken = {
            key.split("[", 1)[0]
            for key in query_data
            if "[" in key
            and self._is_deep_object_style_param(key.split("[", 1)[0])
            and "" in re.findall(r"\[([^\[\]]*)\]", key)
        }
        clean = {key: value for key, value in query_data.items() if key.split("[", 1)[0] not in broken}
        resolved = super()._preprocess_deep_objects(clean)
        for name in broken:
            resolved[name] = ["[]"]
        return resolved

    def resolve_params(self, params: dict[str, Any], _in: str) -> dict[str, Any]:
        # ``filter=x`` or ``page=`` (no brackets) for an object parameter stays the plain
        # string it is, so validation can refuse it instead of coercion hiding it.
        plain = {
            key: values[-1]
            for key, values in params.items()
            if _in == "query"
            and self._is_deep_object_style_param(key)
            and isinstance(values, list)
            and values
            and isinstance(values[-1], str)
        }
        rest = {key: values for key, values in params.items() if key not in plain}
        try:
            resolved = super().resolve_params(rest, _in)
        except (KeyError, TypeError, AttributeError, IndexError):
            resolved = {
                key: values[-1] if isinstance(values, list) else values for key, values in rest.items()
            }
        return {**resolved, **plain}


DATA_STRUCTURE_REQUIRED = "correct json data structure required. See API docs for reference"
#: Request bodies are small JSON documents; anything bigger is refused before parsing.
MAX_BODY_BYTES = 64 * 1024


async def _read_chunked(receive: Receive, scope: Scope) -> tuple[Receive, Scope]:
    """A body sent without ``Content-Length`` (chunked) is read here, within the limit, and
    replayed with its length set: Connexion would otherwise take it for a missing body."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError.too_large(MAX_BODY_BYTES)
        chunks.append(chunk)
        more = message.get("more_body", False)
    body = b"".join(chunks)
    scope = {**scope, "headers": [*scope["headers"], (b"content-length", str(len(body)).encode())]}
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay, scope


class ApiJSONBodyValidator(JSONRequestBodyValidator):
    """Checks only the envelope: the body must be JSON with a ``data`` object.

    Attribute rules (required values, enumerations) are business rules with their own
    422 messages, decided in ``domain/`` where the web pages and commands use them too;
    the spec documents the valid shape and the 422 answer for everything else.
    """

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        headers = Headers(scope=scope)
        length = headers.get("content-length", "0")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            raise ApiError.too_large(MAX_BODY_BYTES)
        if "content-length" not in headers and "transfer-encoding" in headers:
            receive, scope = await _read_chunked(receive, scope)
        try:
            return await super().wrap_receive(receive, scope=scope)
        except BadRequestProblem:
            raise ApiError.bad_request(DATA_STRUCTURE_REQUIRED) from None

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> Any:
        chunks, size = [], 0
        async for chunk in stream:
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise ApiError.too_large(MAX_BODY_BYTES)
            chunks.append(chunk)
        raw = b"".join(chunks)
        if not raw.strip():
            return None
        try:
            body = json.loads(raw.decode(self._encoding))
            has_nul = _has_nul(body)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            # RecursionError: nesting deeper than Python's parser goes ("[[[[…").
            raise ApiError.bad_request(DATA_STRUCTURE_REQUIRED) from None
        if has_nul:
            raise ApiError.nul_character()
        return body

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise ApiError.bad_request(DATA_STRUCTURE_REQUIRED)
        return None


#: A nullable ``allOf`` (the OpenAPI 3.0 way to say "this named schema, or null") accepts null.
_NullableResponseValidator = jsonschema_extend(
    Draft4ResponseValidator, {"allOf": allow_nullable(Draft4Validator.VALIDATORS["allOf"])}
)


class ApiJSONResponseBodyValidator(JSONResponseBodyValidator):
    """Connexion's response check, reading ``nullable`` beside ``allOf`` as the specs use it."""

    @property
    def validator(self) -> Draft4Validator:
        return _NullableResponseValidator(self._schema, format_checker=Draft4Validator.FORMAT_CHECKER)
