"""Calling another area's service that may not be installed yet: the job then reports "not available"."""
from __future__ import annotations

from importlib import import_module


class NotAvailable(Exception):
    """Another area's function this job needs does not exist (yet)."""


def service_function(module: str, name: str):
    """`portal.services.<module>.<name>`, or NotAvailable naming what is missing."""
    try:
        mod = import_module(f"portal.services.{module}")
    except ModuleNotFoundError as exc:
        if exc.name == f"portal.services.{module}":
            raise NotAvailable(f"portal.services.{module} findes ikke") from exc
        raise
    func = getattr(mod, name, None)
    if func is None:
        raise NotAvailable(f"portal.services.{module}.{name} findes ikke")
    return func


def has_service_function(module: str, name: str) -> bool:
    try:
        service_function(module, name)
    except NotAvailable:
        return False
    return True
