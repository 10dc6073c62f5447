"""The API's blueprint (/api) and its OpenAPI document; the route modules of this package add their routes to it."""
from __future__ import annotations

from flask import Blueprint, jsonify

from portal.auth.decorators import public
from portal.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)


@bp.route("/openapi.json")
@public
def openapi():
    from portal.blueprints.api.openapi import build_document

    return jsonify(build_document())
