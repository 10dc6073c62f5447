"""Static files carry their content version in every URL and are then cached by browsers until they change
(portal/static_assets.py, issue 19); a request without the current version is answered as before."""
from __future__ import annotations

import hashlib
import os
import re
import time

import pytest
from flask import url_for

from portal import security
from portal.config import ROOT
from portal.static_assets import ONE_YEAR, StaticVersions

STATIC = ROOT / "static"
STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def _version(relative: str) -> str:
    return hashlib.sha256((STATIC / relative).read_bytes()).hexdigest()[:16]


def test_a_static_url_names_the_files_content_version(app):
    with app.test_request_context():
        assert url_for("static", filename="css/app.css") == f"/static/css/app.css?v={_version('css/app.css')}"
        # a name that is no file gets no version (and a 404 when asked for)
        assert url_for("static", filename="css/findes-ikke.css") == "/static/css/findes-ikke.css"


def test_the_current_version_is_cached_for_a_year_and_never_revalidated(client):
    response = client.get(f"/static/js/app.js?v={_version('js/app.js')}")
    assert response.status_code == 200
    assert response.get_data() == (STATIC / "js" / "app.js").read_bytes()
    assert response.cache_control.public and response.cache_control.immutable
    assert response.cache_control.max_age == ONE_YEAR
    assert response.cache_control.no_cache is None


@pytest.mark.parametrize("query", ["", "?v=0123456789abcdef", "?v="])
def test_without_the_current_version_a_file_is_revalidated_as_before(client, query):
    """A page cached before a deploy names an old version: the file it gets must not be kept for a year under it."""
    response = client.get(f"/static/css/app.css{query}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert not response.cache_control.immutable
    again = client.get(f"/static/css/app.css{query}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("path", ["/static/css/findes-ikke.css?v=1", "/static/../portal/__init__.py?v=1",
                                  "/static/css?v=1"])
def test_no_file_no_version_and_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert not response.cache_control.immutable


def test_the_version_follows_the_content(tmp_path):
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "a.css"
    sheet.write_text("body { color: black }")
    versions = StaticVersions(str(tmp_path))
    first = versions.of("css/a.css")
    assert first == hashlib.sha256(b"body { color: black }").hexdigest()[:16]
    assert versions.of("css/a.css") == first
    sheet.write_text("body { color: navy  }")  # the same size: the modification time tells
    stat = sheet.stat()
    os.utime(sheet, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    second = versions.of("css/a.css")
    assert second == hashlib.sha256(b"body { color: navy  }").hexdigest()[:16] != first
    assert versions.of("../a.css") is None and versions.of("css") is None and versions.of("") is None


@pytest.mark.parametrize("login, path", [("mette", "/min-side"), ("birgitte", "/sagsbehandler/"), (None, "/login"),
                                         (None, "/opsagt")])
def test_every_static_url_on_a_page_is_versioned_and_cached(client, auth, make, login, path):
    loc = make.location("Odense")
    cw = make.caseworker("birgitte", location=loc)
    make.member("mette", location=loc, caseworker=cw)
    make.commit()
    if login:
        auth.login(login)
    html = client.get(path).get_data(as_text=True)
    urls = STATIC_URL.findall(html.replace("&amp;", "&"))
    assert urls, path
    for url in urls:
        name, _, query = url.removeprefix("/static/").partition("?")
        assert query == f"v={_version(name)}", url
        response = client.get(url)
        assert response.status_code == 200 and response.cache_control.immutable, url


@pytest.mark.parametrize("logged_in", [True, False])
def test_a_static_file_neither_renews_the_session_nor_varies_on_it(client, auth, make, monkeypatch, logged_in):
    """A renewed cookie on a file cached for a year would be shared by a proxy; Vary: Cookie would make the browser
    ask again after each new cookie. Pages still renew the session and say they vary on it."""
    make.member("mette")
    make.commit()
    if logged_in:
        auth.login("mette")
    later = time.time() + security.REFRESH_AFTER_SECONDS + 5  # the session's cookie is due for renewal
    monkeypatch.setattr(security, "_now", lambda: later)
    for query in (f"?v={_version('css/app.css')}", ""):
        response = client.get(f"/static/css/app.css{query}")
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers and "Vary" not in response.headers, query
    page = client.get("/min-side" if logged_in else "/login")  # (the login form puts its CSRF token in a session)
    assert page.headers["Vary"] == "Cookie" and "Set-Cookie" in page.headers
