"""url_for in templates is built once per endpoint and arguments (portal/template_urls.py, issue 19): the same URLs
as Flask's url_for, a static file's new content still gives a new URL, and what depends on more than that is left
to Flask."""
from __future__ import annotations

import os

from flask import render_template_string, url_for
from markupsafe import escape

from portal.static_assets import StaticVersions
from portal.template_urls import TemplateUrlFor

TEMPLATE = ("{{ url_for('minside.plan') }}|{{ url_for('booking.member_booking', booking_id=7) }}|"
            "{{ url_for('static', filename='css/app.css') }}|{{ url_for('offers.catalogue', side=2) }}")


def test_templates_get_the_urls_flask_builds(app):
    with app.test_request_context("/min-side"):
        expected = "|".join([url_for("minside.plan"), url_for("booking.member_booking", booking_id=7),
                             url_for("static", filename="css/app.css"), url_for("offers.catalogue", side=2)])
        assert "?v=" in expected and "side=2" in expected
        assert render_template_string(TEMPLATE) == expected
        assert render_template_string(TEMPLATE) == expected  # the second time from the memo
    assert isinstance(app.jinja_env.globals["url_for"].memo, TemplateUrlFor)
    assert len(app.jinja_env.globals["url_for"].memo.built) == 4


def test_a_served_page_links_where_flask_would(client, app):
    html = client.get("/login").get_data(as_text=True)
    with app.test_request_context("/login"):
        assert f'href="{url_for("static", filename="css/app.css")}"' in html
        assert f'action="{url_for("auth.login")}"' in html or f'href="{url_for("main.index")}"' in html


def test_under_a_script_root_the_urls_carry_it(app):
    """The same endpoint mounted under /portal (a reverse proxy's SCRIPT_NAME) is another URL, not the memo's."""
    with app.test_request_context("/min-side"):
        plain = render_template_string("{{ url_for('minside.plan') }}")
    with app.test_request_context("/min-side", base_url="http://localhost/portal"):
        assert url_for("minside.plan") == "/portal" + plain
        assert render_template_string("{{ url_for('minside.plan') }}") == "/portal" + plain


def test_a_changed_static_file_gets_its_new_version(app, tmp_path, monkeypatch):
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "x.css").write_text("a{}")
    versions, of = StaticVersions(str(folder)), StaticVersions.of
    monkeypatch.setattr(StaticVersions, "of", lambda self, name: of(versions, name))  # the app's static: tmp_path
    with app.test_request_context("/"):
        first = render_template_string("{{ url_for('static', filename='x.css') }}")
        (folder / "x.css").write_text("b{color:red}")
        stat = os.stat(folder / "x.css")
        os.utime(folder / "x.css", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later mtime
        second = render_template_string("{{ url_for('static', filename='x.css') }}")
    assert first.startswith("/static/x.css?v=") and second.startswith("/static/x.css?v=")
    assert first != second


def test_external_anchored_and_list_arguments_go_to_flask(app):
    with app.test_request_context("/"):
        out = render_template_string(
            "{{ url_for('minside.plan', _anchor='punkt-3') }}|{{ url_for('minside.plan', _external=True) }}|"
            "{{ url_for('offers.catalogue', maal=['a', 'b']) }}")
        assert out.split("|") == [url_for("minside.plan", _anchor="punkt-3"),
                                  url_for("minside.plan", _external=True),
                                  str(escape(url_for("offers.catalogue", maal=["a", "b"])))]
    assert app.jinja_env.globals["url_for"].memo.built == {}


def test_the_memo_is_bounded(app):
    memo = TemplateUrlFor(app, size=3)
    with app.test_request_context("/"):
        urls = [memo("booking.member_booking", booking_id=n) for n in range(10)]
        assert urls == [url_for("booking.member_booking", booking_id=n) for n in range(10)]
    assert len(set(urls)) == 10
    assert len(memo.built) <= 3


def test_outside_a_request_flask_builds_it(app):
    memo = TemplateUrlFor(app)
    app.config["SERVER_NAME"] = "portal.example"
    with app.app_context():
        assert memo("minside.plan", _external=True).startswith("http://portal.example/")
    assert memo.built == {}
