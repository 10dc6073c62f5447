"""Role checks for views: anonymous → login page (401 JSON under /api/), wrong role → 403."""
from __future__ import annotations

from functools import wraps

from flask import abort, request
from flask_login import current_user

from portal.extensions import login_manager


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user._get_current_object()  # once, not once per attribute read through the proxy
            if not user.is_authenticated:
                return login_manager.unauthorized()
            if user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # read by the authorisation-matrix test
        return wrapped

    return decorator


def public(view):
    """Mark a view as deliberately open to anonymous users (the authorisation-matrix test reads this)."""
    view.public = True
    return view


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/webhooks/", "/model/")) or (
        request.accept_mimetypes.best == "application/json"
    )
