"""A bare endpoint for benchmarks only: the app stack without our code.

Mounted only when ``CPD_BENCH_FLOOR_DIR`` is set (``bench/national.py`` sets it for its
own server; nothing else should). ``GET /api/bench-floor/<name>`` answers the bytes of
the file ``<name>`` in that directory, read once, through the same middlewares and Flask
as the API, but without Connexion's routing, security, validation or any query: the
time it takes is what the framework costs for a response of that size.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Response, abort, current_app

from handlers.errors import JSON_API

blueprint = Blueprint("bench_floor", __name__)
_cache: dict[str, bytes] = {}
_NAME = re.compile(r"[a-z0-9_-]{1,64}")


@blueprint.get("/api/bench-floor/<name>")
def bare(name: str) -> Response:
    body = _cache.get(name)
    if body is None:
        path = Path(current_app.config["CPD_SETTINGS"].bench_floor_dir) / name
        if not _NAME.fullmatch(name) or not path.is_file():
            abort(404)
        body = _cache[name] = path.read_bytes()
    return Response(body, status=200, content_type=JSON_API)
