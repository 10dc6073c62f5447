"""The JSON log lines: the same fields and text json.dumps gave, one access line per request."""
from __future__ import annotations

import json
import logging

import pytest

from portal.logging_setup import JsonFormatter, RequestIdFilter

TRICKY = ["plain", 'quote " and \\ backslash', "æøå Ærø – “typografi”", "line\nbreak\ttab\x00nul\x1f",
          "\u2028\u2029 separators", "emoji 🙂", "<script>&amp;</script>", ""]


def _record(msg: str, request_id="abc123", exc_info=None, created: float | None = None) -> logging.LogRecord:
    record = logging.LogRecord("portal.test", logging.WARNING, __file__, 1, "%s", (msg,), exc_info)
    record.request_id = request_id
    if created is not None:
        record.created = created
    return record


def _reference(formatter: JsonFormatter, record: logging.LogRecord) -> str:
    """The formatter before issue 19."""
    payload = {"ts": formatter.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
               "logger": record.name, "request_id": getattr(record, "request_id", "-"), "msg": record.getMessage()}
    if record.exc_info:
        payload["exc"] = formatter.formatException(record.exc_info)
    return json.dumps(payload, ensure_ascii=False)


@pytest.mark.parametrize("text", TRICKY)
def test_a_line_is_what_json_dumps_wrote(text):
    formatter = JsonFormatter()
    for record in (_record(text), _record("x", request_id=text), _record(text, request_id=42)):
        line = formatter.format(record)
        assert line == _reference(JsonFormatter(), record)
        assert json.loads(line)["msg"] == record.getMessage()


def test_a_line_with_an_exception():
    try:
        raise ValueError("boom ø")
    except ValueError:
        import sys

        record = _record("failed", exc_info=sys.exc_info())
    assert JsonFormatter().format(record) == _reference(JsonFormatter(), record)


def test_the_timestamp_follows_the_clock_across_seconds():
    formatter = JsonFormatter()
    for created in (1_700_000_000.2, 1_700_000_000.9, 1_700_000_001.0, 1_700_000_001.5, 1_699_999_999.99):
        record = _record("x", created=created)
        assert formatter.format(record) == _reference(JsonFormatter(), record)


def test_every_request_logs_one_access_line(app, client, caplog):
    caplog.set_level(logging.INFO, logger="portal.access")
    for handler in logging.getLogger().handlers:  # caplog's handler: add the request id as the portal's does
        handler.addFilter(RequestIdFilter())
    response = client.get("/login?x=1")
    client.get("/findes-ikke")
    lines = [r for r in caplog.records if r.name == "portal.access"]
    assert [r.getMessage().rsplit(" ", 1)[0] for r in lines] == ["GET /login 200", "GET /findes-ikke 404"]
    assert lines[0].getMessage().endswith("ms")
    assert lines[0].request_id == response.headers["X-Request-ID"]
    assert len(response.headers["X-Request-ID"]) == 16
    assert lines[0].levelno == logging.INFO and lines[0].pathname.endswith("logging_setup.py")
