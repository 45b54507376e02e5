"""Production logs are JSON lines: one object per line, with the fields passed as ``extra``."""

from __future__ import annotations

import json
import logging
import sys

from cpd.json_logs import JsonFormatter, formatter_for
from tests.factories import provider_with_token


def test_production_formats_json_and_other_environments_text():
    assert isinstance(formatter_for("production"), JsonFormatter)
    assert not isinstance(formatter_for("sandbox"), JsonFormatter)


def test_a_request_logs_one_json_line_with_its_fields(client, session, settings, caplog):
    _, token = provider_with_token(session, settings.secret_key)
    session.commit()
    with caplog.at_level(logging.INFO, logger="cpd"):
        response = client.get(
            "/api/v3/statements", headers={"Authorization": f"Bearer {token}", "X-Request-Id": "trace-1"}
        )
    assert response.status_code == 200
    [record] = [r for r in caplog.records if r.name == "cpd.requests"]
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "cpd.requests"
    assert entry["request_id"] == "trace-1"
    assert entry["status_code"] == 200
    assert "path=/api/v3/statements" in entry["message"]
    assert entry["time"].endswith("+00:00")
    assert token not in line


def test_an_exception_stays_on_one_line():
    logger = logging.getLogger("cpd.test")
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        record = logger.makeRecord("cpd.test", logging.ERROR, __file__, 1, "failed %s", ("x",), None)

        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "failed x"
    assert "ValueError: boom" in entry["exception"]
