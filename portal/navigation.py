"""The main navigation per role."""
from __future__ import annotations

from flask import Flask

from portal.i18n import lazy_gettext as _l

NAV = {
    "member": [
        ("minside.home", _l("Min side")),
        ("minside.plan", _l("Min plan")),
        ("booking.member_slots", _l("Book samtale")),
        ("offers.catalogue", _l("Tilbud")),
        ("minside_summaries.my_summaries", _l("Referater")),
        ("minside.profile", _l("Profil")),
        ("minside.my_data", _l("Mine data")),
    ],
    "caseworker": [
        ("caseworker.caseload", _l("Mine medlemmer")),
        ("booking.caseworker_calendar", _l("Kalender")),
        ("chat.inbox", _l("Overdragelser")),
        ("offers.staff_list", _l("Tilbud")),
        ("caseworker.job_orders", _l("JobMatch")),
    ],
    "steering": [("steering.dashboard", _l("Styring"))],
    "jobcenter": [("jobcentre.inbox", _l("Indbakke"))],
    "admin": [
        ("admin.home", _l("Administration")),
        ("outbox_admin.outbox", _l("Udbakke")),
        ("caseworker.caseload", _l("Medlemmer")),
        ("chat.inbox", _l("Overdragelser")),
        ("offers.staff_list", _l("Tilbud")),
        ("steering.dashboard", _l("Styring")),
    ],
}


def nav_items(app: Flask, user) -> list[tuple[str, str]]:
    if not getattr(user, "is_authenticated", False):
        return []
    return NAV.get(user.role, [])
