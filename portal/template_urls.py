"""url_for for templates, built once per endpoint and arguments (issue 19).

A page builds 40-odd URLs (navigation, the static assets, links to the member's bookings) and Werkzeug's URL map
builds each anew: 2–7 µs apiece, 4 % of Min side's time side by side (docs/performance.md). A URL without `_external`, `_anchor`, `_method`
or `_scheme` depends only on the app's URL map, the endpoint, its arguments after the url_defaults callbacks (the
static assets' version: portal.static_assets) and the request's script root, so this remembers it under exactly
those. Per app (each app has its own map), bounded, and only inside a request; anything else goes to Flask as is.
"""
from __future__ import annotations

from flask import Flask, has_request_context, request

# Distinct URLs kept per app; past this the memo starts over (ids in links make the set open-ended).
SIZE = 4096


class TemplateUrlFor:
    def __init__(self, app: Flask, size: int = SIZE) -> None:
        self.app = app
        self.size = size
        self.built: dict[tuple, str] = {}

    def __call__(self, endpoint: str, **values) -> str:
        if endpoint[:1] == "." or not has_request_context() or any(name[:1] == "_" for name in values):
            return self.app.url_for(endpoint, **values)  # relative to the blueprint, external, anchored, ...
        self.app.inject_url_defaults(endpoint, values)  # what Flask would add (a static file's version)
        try:
            # the request itself, not the `request` proxy: each attribute read through a Werkzeug proxy costs a
            # formatted AttributeError on Python 3.11 (~1.5 µs; a page builds 30–45 URLs)
            key = (endpoint, tuple(values.items()), request._get_current_object().script_root)
            url = self.built.get(key)
        except TypeError:  # an unhashable argument (a list of values for one query argument)
            return self.app.url_for(endpoint, **values)
        if url is None:
            url = self.app.url_for(endpoint, **values)
            if len(self.built) >= self.size:
                self.built.clear()
            self.built[key] = url
        return url


def init_app(app: Flask) -> None:
    memo = TemplateUrlFor(app)

    # A plain function, not the memo itself: for an object with `__call__` Jinja's Context.call asks the bound
    # method whether it wants the context, and that failed lookup formats an AttributeError on Python 3.11.
    def url_for(endpoint: str, **values) -> str:
        return memo(endpoint, **values)

    url_for.memo = memo
    app.jinja_env.globals["url_for"] = url_for
