"""Engine, sessions and migrations. Knows the domain's tables, never the GUI."""

from app.db.database import Database
from app.db.opening import open_database

__all__ = ["Database", "open_database"]
