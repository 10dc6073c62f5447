"""Structured logs (one JSON object a line) with the request id on every line."""
from __future__ import annotations

import json
import logging
import sys

from flask import Flask, request

from portal.request_context import RequestIds, current_request_id, seconds_since_arrival

_json_string = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) writes for a str


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, request_id, msg (and exc).

    Every request logs a line (issue 19: json.dumps and strftime were a third of the access log's cost), so the
    object is joined from strings encoded by json's own string encoder (the text json.dumps gives, without setting
    up an encoder per call), and the timestamp, which has whole seconds, is formatted once a second."""

    TS_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

    def __init__(self) -> None:
        super().__init__()
        self._ts: tuple[int, str] = (-1, "")

    def _timestamp(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        cached = self._ts
        if cached[0] != second:
            cached = self._ts = (second, self.formatTime(record, self.TS_FORMAT))
        return cached[1]

    def format(self, record: logging.LogRecord) -> str:
        fields = [("ts", self._timestamp(record)), ("level", record.levelname), ("logger", record.name),
                  ("request_id", getattr(record, "request_id", "-")), ("msg", record.getMessage())]
        if record.exc_info:
            fields.append(("exc", self.formatException(record.exc_info)))
        if not all(type(value) is str for _, value in fields):  # e.g. a request_id passed in `extra`
            return json.dumps(dict(fields), ensure_ascii=False)
        return "{" + ", ".join(f'"{name}": {_json_string(value)}' for name, value in fields) + "}"


def configure_root(level: str = "INFO", as_json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter() if as_json else logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def init_app(app: Flask) -> None:
    if not app.config.get("TESTING"):
        configure_root(app.config["LOG_LEVEL"], app.config["LOG_JSON"])
    access = logging.getLogger("portal.access")
    app.wsgi_app = RequestIds(app.wsgi_app)  # the request id and the moment each request arrived

    @app.after_request
    def _finish(response):
        if access.isEnabledFor(logging.INFO):
            elapsed = (seconds_since_arrival() or 0.0) * 1000
            _log_access(access, (request.method, request.path, response.status_code, elapsed))
        return response


def _log_access(access: logging.Logger, args: tuple) -> None:
    """What `access.info("%s %s %s %.1fms", *args)` does, without its search of the call stack for the caller
    (a third of a log line's cost, for a caller that is always this module)."""
    record = access.makeRecord(access.name, logging.INFO, __file__, _ACCESS_LINE, ACCESS_FORMAT, args, None,
                               func="_finish")
    access.handle(record)


ACCESS_FORMAT = "%s %s %s %.1fms"  # method, path, status, milliseconds
_ACCESS_LINE = _log_access.__code__.co_firstlineno
