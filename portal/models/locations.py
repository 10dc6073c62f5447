"""Service locations (betjeningssteder), Bilag 5."""
from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

REGIONS = ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland")


class ServiceLocation(db.Model):
    __tablename__ = "service_location"
    __table_args__ = (CheckConstraint(f"region IN {REGIONS!r}", name="region_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    region: Mapped[str] = mapped_column(String(20))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    # One of the 36 largest cities, where AOF runs FVU courses (DOMAIN.md, offers).
    fvu_city: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        return f"<ServiceLocation {self.name}>"
