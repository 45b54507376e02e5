"""Parameter validation that speaks the original service's error messages.

Connexion checks every parameter against the spec. When a check fails we look for
``x-error-title`` / ``x-error-details`` on the schemas along the failing path (the
deepest one wins) so the exact wording lives in the spec beside the rule it explains.
``x-error-details`` maps a JSON Schema keyword (``type``, ``required``, ``format``…),
or ``*`` for any keyword, to the detail text.
"""

from __future__ import annotations

from typing import Any

from connexion.validators.parameter import ParameterValidator
from jsonschema import Draft4Validator, FormatChecker, ValidationError

from handlers.errors import ApiError
from handlers.timestamps import parse_instant

format_checker = FormatChecker(formats=())


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
    for node in _schemas_along(schema, error):
        details = node.get("x-error-details") or {}
        chosen = details.get(error.validator) or details.get("*")
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
        if value is None:
            if param.get("required"):
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
