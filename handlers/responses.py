"""Success responses in the API's media type."""

from __future__ import annotations

import json
from typing import Any

from flask import Response

from handlers.errors import JSON_API


def jsonapi(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), status=status, content_type=JSON_API)


def resource(id_: object, type_: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(id_), "type": type_, "attributes": attributes}
