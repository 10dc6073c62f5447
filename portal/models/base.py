"""Re-export of the declarative base and column types (defined in portal.database)."""
from portal.database import Base, UTCDateTime  # noqa: F401
