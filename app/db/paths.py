"""Where Shopkeeper keeps its files, per the platform's conventions (platformdirs)."""

from __future__ import annotations

from pathlib import Path

from platformdirs import PlatformDirs

_DIRS = PlatformDirs(appname="Shopkeeper", appauthor="Shopkeeper", roaming=False)


def data_dir() -> Path:
    """The user data folder, e.g. ~/.local/share/Shopkeeper or %LOCALAPPDATA%\\Shopkeeper."""
    return Path(_DIRS.user_data_dir)


def default_database_path() -> Path:
    return data_dir() / "shopkeeper.sqlite3"


def log_dir() -> Path:
    return Path(_DIRS.user_log_dir)


def database_url(db: str | Path | None) -> str:
    """Turn ``--db`` (a path, a SQLAlchemy URL, or nothing) into a URL."""
    if db is None:
        path = default_database_path()
    elif isinstance(db, str) and "://" in db:
        return db
    else:
        path = Path(db).expanduser()
    return f"sqlite:///{path.resolve()}"
