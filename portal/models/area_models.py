"""Imports every area's model module. Each area adds exactly one line here."""
# isort: off
from portal.models import plan  # noqa: F401  (issue: Min side)
from portal.models import offers  # noqa: F401  (issue: booking/offers)
from portal.models import profiling  # noqa: F401  (issue: profiling)
from portal.models import chat  # noqa: F401  (issue: chatbot)
from portal.models import casework  # noqa: F401  (issue: caseworker workspace)
from portal.models import scheduling  # noqa: F401  (issue: scheduling)
from portal.models import outcomes  # noqa: F401  (issue: steering/KPI)
from portal.models import jobcentre  # noqa: F401  (issue 16: job centre)
