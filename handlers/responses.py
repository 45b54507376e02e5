"""Success responses in the API's media type."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response

from handlers.errors import JSON_API


def jsonapi(body: Any, status: int = 200) -> Response:
    """A JSON:API document. orjson writes a page of 3,000 participants about ten times faster
    than the standard library (compact, UTF-8 rather than ``\\u`` escapes: the same JSON)."""
    return Response(orjson.dumps(body), status=status, content_type=JSON_API)


def resource(id_: object, type_: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(id_), "type": type_, "attributes": attributes}
