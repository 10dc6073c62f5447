"""All models, imported here so Alembic and the app see the whole schema.

One module per area; each issue adds its own module and imports it below.
"""
from portal.models import area_models  # noqa: F401  (the other areas' modules)
from portal.models.audit import AuditEntry  # noqa: F401
from portal.models.base import Base, UTCDateTime  # noqa: F401
from portal.models.booking import Booking  # noqa: F401
from portal.models.consent import Consent  # noqa: F401
from portal.models.locations import ServiceLocation  # noqa: F401
from portal.models.members import Caseworker, Member  # noqa: F401
from portal.models.messaging import Notification, OutboxAttachment, OutboxMessage  # noqa: F401
from portal.models.users import User  # noqa: F401
