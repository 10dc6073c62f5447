"""Flask-Limiter, bound to the app without its per-request cost on requests no limit can apply to.

The portal's limits are all on views (`@limiter.limit` on login, sign-in links, API tokens, the chat webhook,
surveys, FVU feedback): there are no default, application, meta or blueprint limits. Flask-Limiter still runs three
hooks on every request — a before-request check that resolves and evaluates an empty list of limits, an
after-request hook that looks for headers to add, a teardown that resets its state — about a quarter of an empty
request's cost (issue 19). The decorated views check their own limits inside the view, so those hooks only matter
when a limit exists outside the views, or when a check has run in this request; otherwise they are skipped. Any
such limit added later (configuration, `limiter.limit` on a blueprint, a hinted endpoint) brings the full check back
for every request, unchanged.
"""
from __future__ import annotations

from flask import Flask
from flask.globals import request_ctx

from portal.extensions import limiter

_CONTEXT = "_limiter_request_context"  # where Flask-Limiter keeps a request's state (flask_limiter._extension)


def limits_outside_views() -> bool:
    """Whether Flask-Limiter's before-request check could find any limit to evaluate (else it evaluates none)."""
    manager = limiter.limit_manager
    return bool(manager._application_limits or manager._default_limits or manager._blueprint_limits
                or manager._endpoint_hints or limiter._meta_limits or limiter._storage_dead)


def _limiter_ran() -> bool:
    """Whether a limit was checked in this request (Flask-Limiter creates its state on the first check)."""
    # The request context itself, not an attribute look-up through its proxy (3 µs, twice every request).
    return getattr(request_ctx._get_current_object(), _CONTEXT, None) is not None


def init_app(app: Flask) -> None:
    limiter.init_app(app)
    if not limiter.enabled:  # RATELIMIT_ENABLED = False: Flask-Limiter registered no hooks at all
        return
    check, inject_headers, release = _limiter_hooks(app)

    def check_limits_outside_views():
        if limits_outside_views():
            return check()
        return None

    def add_limit_headers(response):
        return inject_headers(response) if _limiter_ran() else response

    def release_limiter_state(exc=None):
        if _limiter_ran():
            release(exc)

    _replace(app.before_request_funcs[None], check, check_limits_outside_views)
    _replace(app.after_request_funcs[None], inject_headers, add_limit_headers)
    _replace(app.teardown_request_funcs[None], release, release_limiter_state)


def _limiter_hooks(app: Flask) -> tuple:
    """The three hooks Limiter.init_app registered (each the last of its kind so far)."""
    check = app.before_request_funcs[None][-1]
    inject_headers = app.after_request_funcs[None][-1]
    release = app.teardown_request_funcs[None][-1]
    if not (getattr(check, "__self__", None) is limiter and getattr(inject_headers, "args", ()) == (limiter,)
            and getattr(release, "__self__", None) is limiter):
        raise RuntimeError("Flask-Limiter's request hooks are not where portal.rate_limits expects them")
    return check, inject_headers, release


def _replace(hooks: list, old, new) -> None:
    hooks[hooks.index(old)] = new
