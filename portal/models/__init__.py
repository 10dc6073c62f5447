"""All models, imported here so Alembic and the app see the whole schema: one module per area."""
# isort: off
from portal.models.audit import AuditEntry  # noqa: F401
from portal.models.base import Base, UTCDateTime  # noqa: F401
from portal.models.booking import Booking  # noqa: F401
from portal.models.consent import Consent  # noqa: F401
from portal.models.locations import ServiceLocation  # noqa: F401
from portal.models.members import Caseworker, Member  # noqa: F401
from portal.models.messaging import Notification, OutboxAttachment, OutboxMessage  # noqa: F401
from portal.models.users import FormSubmission, SignInLink, User  # noqa: F401
# The areas' own tables (Min side, offers, profiling, chat, casework, scheduling, outcomes, the job centre).
from portal.models import plan  # noqa: F401
from portal.models import offers  # noqa: F401
from portal.models import fvu_feedback  # noqa: F401
from portal.models import profiling  # noqa: F401
from portal.models import chat  # noqa: F401
from portal.models import casework  # noqa: F401
from portal.models import scheduling  # noqa: F401
from portal.models import outcomes  # noqa: F401
from portal.models import jobcentre  # noqa: F401
from portal.models import jobmatch  # noqa: F401
from portal.models import kpi_summary  # noqa: F401
from portal.models import page_version  # noqa: F401
