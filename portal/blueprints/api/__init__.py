"""The JSON API (/api/v1/…) and its OpenAPI 3.1 document (/api/openapi.json).

Bearer tokens only (no cookies), so no CSRF; errors are application/problem+json.
Areas add routes to `bp` in their own module under this package and a spec fragment in spec/<area>.yaml.
"""
from __future__ import annotations

from importlib import import_module

from flask import Blueprint, jsonify

from portal.auth.decorators import public
from portal.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)

# Route modules of this package; each area owns one.
ROUTE_MODULES = ["tokens", "member", "booking", "offers", "chat"]
for _name in ROUTE_MODULES:
    try:
        import_module(f"portal.blueprints.api.{_name}")
    except ModuleNotFoundError as exc:  # an area not built yet
        if exc.name != f"portal.blueprints.api.{_name}":
            raise


@bp.route("/openapi.json")
@public
def openapi():
    from portal.blueprints.api.openapi import build_document

    return jsonify(build_document())
