"""Domain exceptions. Views and the API translate them once, centrally (portal/errors.py)."""
from __future__ import annotations


class DomainError(Exception):
    """A rule said no. `message` is user-facing (Danish, through Babel at the call site)."""

    status = 400
    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, **context) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.context = context


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"

    def __init__(self, message: str, *, errors: dict[str, str] | None = None, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.errors = errors or ({field: message} if field else {})


class NotAllowed(DomainError):
    status = 403
    code = "not_allowed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class SlotTaken(Conflict):
    code = "slot_taken"


class AlreadyBooked(Conflict):
    """The member has an upcoming booking of this conversation type already (move that one instead)."""

    code = "already_booked"
