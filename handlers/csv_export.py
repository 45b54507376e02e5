"""CSV exports (v1 and v2): every row of a list in one streamed ``text/csv`` response.

The original flattened each JSON:API resource into ``id`` plus its attributes, wrote a
header line from the first row's keys, and sent an empty body (no header) when nothing
matched. Values are written as the JSON value's text: booleans as ``true``/``false`` and
null as an empty quoted cell (``""``, which is how Ruby's CSV writes an empty string).
Unlike the original, text a spreadsheet would run as a formula gets a leading ``'``
(``domain.spreadsheet``), as in the statement CSV.

Rows are produced by a generator that opens its own database session, so the response
streams in chunks whatever the export's size and the request's session is not held open
by a slow reader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Response, stream_with_context
from sqlalchemy.orm import Session

from domain.spreadsheet import inert
from handlers.context import settings
from storage.db import new_session

CSV_MEDIA_TYPE = "text/csv"
#: Lines are sent in batches of about this many bytes.
FLUSH_BYTES = 64 * 1024

RowSource = Callable[[Session], Iterable[dict[str, Any]]]


def csv_response(rows: RowSource) -> Response:
    """A streamed CSV of the resources ``rows`` yields (``{"id", "type", "attributes"}``)."""
    database_url = settings().database_url

    def generate() -> Iterator[str]:
        session = new_session(database_url)
        try:
            yield from _lines(rows(session))
        finally:
            session.rollback()
            session.close()

    return Response(stream_with_context(generate()), status=200, content_type=CSV_MEDIA_TYPE)


def _lines(resources: Iterable[dict[str, Any]]) -> Iterator[str]:
    buffer: list[str] = []
    size = 0
    header: list[str] | None = None
    for item in resources:
        values = {"id": item["id"], **item["attributes"]}
        if header is None:
            header = list(values)
            buffer.append(_line(header))
        line = _line([_text(values.get(name)) for name in header])
        buffer.append(line)
        size += len(line)
        if size >= FLUSH_BYTES:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return inert(str(value))


def _cell(text: str) -> str:
    if text == "" or any(char in text for char in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _line(cells: Iterable[str]) -> str:
    return ",".join(_cell(cell) for cell in cells) + "\n"
