"""Every blueprint, imported and registered in this one place (no look-ups by name, nothing skipped)."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    # Imported here, not at package level: `portal.blueprints.<area>` modules import this package first.
    # booking_staff, chat_staff and offers_staff add the staff's pages to the booking, chat and offers blueprints, so
    # they are imported before those are registered.
    from portal.blueprints import (
        admin,
        api,
        auth,
        booking,
        booking_staff,
        caseworker,
        chat,
        chat_staff,
        fvu_feedback,
        jobcentre,
        main,
        minside,
        minside_jobmatch,
        minside_summaries,
        offers,
        offers_staff,  # noqa: F401
        outbox_admin,
        steering,
        survey,
    )

    # Order matters only for readers: sign-in and the public pages first, then each audience's pages, the API last.
    for module in (auth, main, admin, minside, minside_jobmatch, minside_summaries, booking, offers, caseworker, chat,
                   steering, outbox_admin, survey, fvu_feedback, jobcentre, api):
        app.register_blueprint(module.bp)
    # Areas that also hook into the app (badges, template globals, the in-process scheduler, bench routes).
    main.init_app(app)
    minside.init_app(app)
    booking.init_app(app)
    booking_staff.init_app(app)
    caseworker.init_app(app)
    chat.init_app(app)
    chat_staff.init_app(app)
    outbox_admin.init_app(app)
