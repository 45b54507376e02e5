"""Structured logs for production: one JSON object per line on stderr.

A log platform can then filter and count by field (``request_id``, ``status_code``,
``lead_provider_id``…) instead of parsing text. Fields passed with ``extra=`` are kept;
the exception, when there is one, is one string field so a line stays a line.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

#: Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def formatter_for(environment: str) -> logging.Formatter:
    """JSON lines in production; readable text elsewhere."""
    if environment == "production":
        return JsonFormatter()
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
