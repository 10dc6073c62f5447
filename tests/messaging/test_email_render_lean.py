"""E-mails rendered in the lean e-mail environment (issue 19) read exactly as through the app's page environment."""
from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from portal.services.messaging.email_render import format_local, render_email

STARTS = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)


def _context(channel: str) -> dict:
    member = SimpleNamespace(first_name="Åse", phone="+45 12 34 56 78")
    booking = SimpleNamespace(starts_at=STARTS, channel=channel, meeting_link="https://video.foa.dk/m/abc")
    return {"member": member, "booking": booking, "links": {"bookings": "https://portal.foa.dk/samtaler/mine",
                                                            "minside": "https://portal.foa.dk/min-side"},
            "type_label": "CV-samtale", "caseworker_name": "Bo Hansen", "location_name": "Århus"}


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("channel", ["in_person", "phone", "video"])
def test_booking_reminder_reads_as_through_the_page_environment(app, lang, channel):
    with app.app_context():
        email = render_email("booking_reminder", lang, **_context(channel))
        helpers = {"lang": lang, "when": lambda v: format_local(v, lang), "day": lambda v: v, "clock": lambda v: v}
        with force_locale(lang):
            text = app.jinja_env.get_template(f"email/booking_reminder.{lang}.txt").render(**helpers,
                                                                                          **_context(channel))
            subject = text.partition("\n")[0].strip()
            html = app.jinja_env.get_template(f"email/booking_reminder.{lang}.html").render(
                subject=subject, **helpers, **_context(channel))
    assert email.subject == subject
    assert email.text == text.partition("\n")[2].lstrip("\n")
    assert email.html == html
    when = "tirsdag den 8. december 2026 kl. 10:30" if lang == "da" else "Tuesday 8 December 2026 at 10:30"
    assert when in email.subject and when in email.text and "Åse" in email.html


def test_a_remembered_start_time_is_the_same_instant_in_any_zone_and_kept_apart_by_language():
    from datetime import timedelta, timezone

    from portal.timeutil import LOCAL_TZ

    utc = datetime(2027, 3, 28, 8, 30, tzinfo=UTC)  # the morning clocks go forward in Copenhagen
    assert format_local(utc, "da") == "søndag den 28. marts 2027 kl. 10:30"
    assert format_local(utc.astimezone(LOCAL_TZ), "da") == format_local(utc, "da")
    assert format_local(utc.astimezone(timezone(timedelta(hours=-5))), "da") == format_local(utc, "da")
    assert format_local(utc, "en") == "Sunday 28 March 2027 at 10:30"
    winter = datetime(2027, 1, 10, 8, 30, tzinfo=UTC)
    assert format_local(winter, "da") == "søndag den 10. januar 2027 kl. 09:30"


def test_the_english_sign_in_link_mail_names_the_english_menu_item(app):
    from flask_babel import gettext

    user = SimpleNamespace(display_name="Camilla Holm")
    email = render_email("signin_link", "en", user=user, link="https://portal.foa.dk/login/link/x", expires_at=STARTS)
    with force_locale("en"):
        menu_item = gettext("Mine data")
    assert menu_item == "My data"
    assert f'under "{menu_item}"' in email.text and f'under "{menu_item}"' in email.html
    assert "Mine data" not in email.text + email.html
