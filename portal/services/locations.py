"""FOA's service locations (betjeningssteder) as every area lists them: by name, for a filter or a choice."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from portal.database import Read, prepared
from portal.models import ServiceLocation


@prepared
def _by_name():
    return select(ServiceLocation.id, ServiceLocation.name, ServiceLocation.region, ServiceLocation.fvu_city
                  ).order_by(ServiceLocation.name, ServiceLocation.id)


def by_name(session: Session) -> list[Row]:
    """Every location (id, name, region, fvu_city), by name: what a list of locations shows and submits."""
    return list(session.execute(_by_name()))


def by_name_read() -> Read:
    """`by_name` as a Read (columns-only lines), for a page that sends its reads together (portal.read_ahead)."""
    return Read(_by_name(), {})
