"""Structured logs (one JSON object a line) with the request id on every line."""
from __future__ import annotations

import json
import logging
import sys
import time

from flask import Flask, g, request

from portal.request_context import assign_request_id, current_request_id


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "msg": record.getMessage(),
        }
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


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

    @app.before_request
    def _start():
        assign_request_id()
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers["X-Request-ID"] = current_request_id() or ""
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        access.info("%s %s %s %.1fms", request.method, request.path, response.status_code, elapsed)
        return response
