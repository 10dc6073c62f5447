"""The app's own CSS, JavaScript and images, cached by browsers until they change (issue 19).

Flask serves static files with `Cache-Control: no-cache`: a browser asks again for every file on every page
(a conditional request answered 304). Min side names seven of them, so each view of it was eight requests, the seven
revalidations costing the server more than half of what the page itself costs, and holding up the page's first
paint on a phone by a round trip for its CSS.

Here every `url_for('static', filename=...)` carries the file's content version (`?v=` and the start of its SHA-256),
and the static view answers a request naming the current version with `Cache-Control: public, max-age=<a year>,
immutable`: the browser keeps the file and asks for nothing until a page names a new version, which a changed file
gets at once (the version is checked against the file's size and modification time on every use, so even a file
replaced under a running server is never served as another version's). A request without a version, or with one
that is not the file's current one (a page cached from before a deploy), gets Flask's answer as before. A static
file's response carries no session cookie and no `Vary: Cookie` (portal.security.CachedSessionInterface): it is the
same for everyone, and a browser would otherwise ask again after every new cookie.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import Flask, request, send_from_directory
from werkzeug.security import safe_join

ONE_YEAR = 365 * 24 * 3600
VERSION_ARG = "v"


class StaticVersions:
    """Content versions of the files under one folder, recomputed when a file's size or modification time moves."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._known: dict[str, tuple[str, int, int, str]] = {}  # filename -> (path, mtime_ns, size, version)

    def of(self, filename: str | None) -> str | None:
        """The file's version (16 hex digits), or None for a name that is not a file under the folder."""
        if not filename:
            return None
        known = self._known.get(filename)
        path = known[0] if known is not None else safe_join(self.folder, filename)  # a known name was checked
        if path is None:
            return None
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if known is not None and known[1] == stat.st_mtime_ns and known[2] == stat.st_size:
            return known[3]
        try:
            version = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
        except OSError:  # a folder, or gone since the stat
            return None
        self._known[filename] = (path, stat.st_mtime_ns, stat.st_size, version)
        return version


def init_app(app: Flask) -> None:
    """Version the static URLs and serve versioned requests as immutable (call before the app's hooks are
    remembered: PortalFlask.remember_plain_functions)."""
    if not app.has_static_folder:
        return
    versions = StaticVersions(app.static_folder)

    @app.url_defaults
    def version_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and VERSION_ARG not in values:
            version = versions.of(values.get("filename"))
            if version is not None:
                values[VERSION_ARG] = version

    def static(filename: str):
        current = request.args.get(VERSION_ARG)
        fixed = current is not None and current == versions.of(filename)
        response = send_from_directory(app.static_folder, filename,
                                       max_age=ONE_YEAR if fixed else app.get_send_file_max_age(filename))
        if fixed:
            response.cache_control.immutable = True
        return response

    app.view_functions["static"] = static
