"""How a view or an API handler ends its transaction: one helper, so no view writes its own commit and rollback.

    with unit_of_work():
        booking = booking_service.book_slot(db.session, ...)
    flash(...)

The request's transaction (everything written since the last commit, normally just the block's writes) is committed
when the block ends normally. On any exception it is rolled back as a whole and the exception goes on: to the view, which may catch a DomainError around the block to show the form again with
the message, or to the central handlers in portal/errors.py (the Danish page or problem+json, the disk-full 503).
Nothing is half-written either way. The transaction-scoped locks a service takes inside the block (booking's
advisory lock or BEGIN IMMEDIATE, services/booking/booking.py) end with the commit or the rollback.

Commit after rendering: a commit expires every loaded row, and a template that walks them then reads each again
(one query per row; commit acbc315). A view that records an audited read and renders a list renders inside the
block, so the commit comes after the page is made:

    with unit_of_work():
        access.open_member_file(db.session, ...)
        html = render_template(...)
    return html
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, scoped_session

from portal.extensions import db

log = logging.getLogger("portal.unit_of_work")

_OPEN = "unit_of_work_open"  # key in Session.info while a block runs


@contextmanager
def unit_of_work(session: Session | scoped_session | None = None) -> Iterator[Session | scoped_session]:
    """Commit `session` (the request's `db.session` by default) when the block ends; on any exception roll back
    and re-raise. Blocks do not nest: an inner commit would break the outer block's all-or-nothing."""
    session = db.session if session is None else session
    if session.info.get(_OPEN):
        raise RuntimeError("unit_of_work blocks do not nest: the outer block commits")
    session.info[_OPEN] = True
    try:
        yield session
        session.commit()
    except BaseException:
        try:
            session.rollback()
        except Exception:  # the connection may be gone; the original error is the one to report
            log.exception("rollback failed after an error in a unit of work")
        raise
    finally:
        session.info.pop(_OPEN, None)
