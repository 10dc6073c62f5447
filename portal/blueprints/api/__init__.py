"""The JSON API (/api/v1/…) and its OpenAPI 3.1 document (/api/openapi.json).

Bearer tokens only (no cookies), so no CSRF; errors are application/problem+json.
Areas add routes to `bp` (api/blueprint.py) in their own module under this package and a spec fragment in
spec/<area>.yaml; the route modules are imported here, so importing this package gives the whole API.
"""
from __future__ import annotations

from portal.blueprints.api import booking, member, offers, tokens  # noqa: F401  (they add their routes to bp)
from portal.blueprints.api.blueprint import bp  # noqa: F401  (registered by portal.blueprints)
