"""This computer's own settings: which shop database to open, and how to keep its backups.

They live in a small JSON file in the user config folder (see :mod:`app.db.paths`), not in the
shop database: two tills sharing one server can keep their backups differently, and the
settings must be readable before any database is open. The server password is never written
here: it goes to the operating system's keyring (:class:`PasswordStore`), and where there is
no keyring (a bare Linux box) the window asks for it at each start instead.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.engine import URL, make_url

from app.db.driver_errors import STATEMENT_TIMEOUT_S
from app.db.paths import default_database_path, server_backup_dir, settings_path
from app.domain.errors import InvalidInput
from app.keychain import KeyringSecrets, keyring_available

log = logging.getLogger(__name__)

#: Automatic backups kept per database unless the settings say otherwise.
DEFAULT_KEEP_BACKUPS = 10
DEFAULT_PORT = 5432

Mode = Literal["file", "server"]


@dataclass(frozen=True)
class ServerSettings:
    """Where the shared PostgreSQL server is (everything but the password)."""

    host: str = ""
    port: int = DEFAULT_PORT
    database: str = "shopkeeper"
    user: str = "shopkeeper"

    @property
    def keyring_key(self) -> str:
        """The keyring entry for this server's password: ``user@host:port/database``."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    def url(self, password: str | None = None) -> str:
        """The SQLAlchemy URL (the password, if given, is part of it; never log it)."""
        return URL.create(
            "postgresql+psycopg",
            username=self.user or None,
            password=password or None,
            host=self.host or None,
            port=self.port,
            database=self.database,
        ).render_as_string(hide_password=False)

    def validated(self) -> ServerSettings:
        """These settings with spaces trimmed, or InvalidInput saying what is missing."""
        server = replace(
            self, host=self.host.strip(), database=self.database.strip(), user=self.user.strip()
        )
        if not server.host:
            raise InvalidInput("Enter the server's name or address")
        if not server.database:
            raise InvalidInput("Enter the name of the shop database on the server")
        if not server.user:
            raise InvalidInput("Enter the user name for the server")
        if not 0 < server.port < 65536:
            raise InvalidInput("The port is a number from 1 to 65535 (usually 5432)")
        return server


#: The longest idle time the window waits before it locks itself (a working day).
MAX_AUTO_LOCK_MINUTES = 480


@dataclass(frozen=True)
class LocalSettings:
    """Everything this computer remembers between starts."""

    mode: Mode = "file"
    #: The SQLite file; empty means the default one in the user data folder.
    file: str = ""
    server: ServerSettings = field(default_factory=ServerSettings)
    keep_backups: int = DEFAULT_KEEP_BACKUPS
    #: Database files whose "this is on a network share" warning the user dismissed.
    dismissed_network_warnings: tuple[str, ...] = ()
    #: How long one statement may run on a database server before it is stopped (seconds;
    #: 0: no limit). Only the settings file sets it; the default suits any real shop.
    statement_timeout_seconds: int = STATEMENT_TIMEOUT_S
    #: Lock the window after this many minutes without a key press or a mouse move, on a shop
    #: with users (0: never). This computer's: a till in a busy shop locks, the back office not.
    auto_lock_minutes: int = 0
    #: The printer last printed to from this computer ("": the system's default); each
    #: till has its own printers, so this is no shop setting.
    default_printer: str = ""

    @property
    def file_path(self) -> Path:
        return Path(self.file).expanduser() if self.file else default_database_path()

    def database_url(self, password: str | None = None) -> str:
        """The URL to open when no ``--db`` was given."""
        if self.mode == "server":
            return self.server.url(password)
        return f"sqlite:///{self.file_path.resolve()}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["dismissed_network_warnings"] = list(self.dismissed_network_warnings)
        return data

    @classmethod
    def from_json(cls, data: Any) -> LocalSettings:
        """Settings from a parsed file; a missing or mistyped value falls back to its default,
        so a hand-edited or older file never stops the shop from opening."""
        if not isinstance(data, dict):
            return cls()
        defaults = cls()
        found = data.get("server")
        server_data: dict[str, Any] = found if isinstance(found, dict) else {}
        server = ServerSettings(
            host=_typed(server_data, "host", str, defaults.server.host),
            port=_typed(server_data, "port", int, defaults.server.port),
            database=_typed(server_data, "database", str, defaults.server.database),
            user=_typed(server_data, "user", str, defaults.server.user),
        )
        mode = data.get("mode")
        dismissed = data.get("dismissed_network_warnings")
        return cls(
            mode=mode if mode in ("file", "server") else defaults.mode,
            file=_typed(data, "file", str, defaults.file),
            server=server,
            keep_backups=max(1, _typed(data, "keep_backups", int, defaults.keep_backups)),
            dismissed_network_warnings=tuple(item for item in dismissed if isinstance(item, str))
            if isinstance(dismissed, list)
            else (),
            statement_timeout_seconds=max(
                0,
                _typed(data, "statement_timeout_seconds", int, defaults.statement_timeout_seconds),
            ),
            auto_lock_minutes=min(
                MAX_AUTO_LOCK_MINUTES, max(0, _typed(data, "auto_lock_minutes", int, 0))
            ),
            default_printer=_typed(data, "default_printer", str, defaults.default_printer),
        )


def _typed(data: dict[str, Any], key: str, kind: type[Any], default: Any) -> Any:
    value = data.get(key, default)
    # bool is an int in Python; a settings value true/false is never a port or a count.
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    return default


def load_settings(path: Path | None = None) -> LocalSettings:
    """The saved settings, or the defaults when there are none (or the file is unreadable)."""
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LocalSettings()
    except OSError:
        log.exception("cannot read the settings file %s", path)
        return LocalSettings()
    try:
        return LocalSettings.from_json(json.loads(text))
    except ValueError:
        log.warning("the settings file %s is not valid JSON; using the defaults", path)
        return LocalSettings()


def save_settings(settings: LocalSettings, path: Path | None = None) -> None:
    """Write the settings atomically (a crash mid-write leaves the old file, never half)."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".settings.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(settings.to_json(), out, indent=2)
            out.write("\n")
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def backup_dir_for(url: str) -> Path:
    """Where the backups of the database at ``url`` go: a ``backups`` folder beside a SQLite
    file, or the user data folder for a server database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(str(parsed.database)).parent / "backups"
    return server_backup_dir(parsed.database or "server")


class PasswordStore:
    """Server passwords in the operating system's keyring (Keychain, Credential Manager,
    Secret Service), under the service ``Shopkeeper`` and the key ``user@host:port/db``.

    Without a keyring a password typed this session is kept in memory only (switching
    databases in Settings must not ask for it twice), never on disk."""

    _session: dict[str, str] = {}  # shared by every store in this process

    def __init__(self) -> None:
        self._secrets = KeyringSecrets("password", self._session)

    def available(self) -> bool:
        """Whether a real keyring is there to keep a password between starts."""
        return keyring_available()

    def get(self, server: ServerSettings) -> str | None:
        return self._secrets.get(server.keyring_key)

    def set(self, server: ServerSettings, password: str) -> bool:
        """Remember the password (an empty one forgets it); return whether it is kept
        between starts. Without a keyring it is kept only until the app quits. Raises
        InvalidInput if the keyring refuses, so the settings page can say so."""
        return self._secrets.set(server.keyring_key, password)

    def backend_name(self) -> str:
        """What the settings page calls the keyring ("macOS Keychain", ...)."""
        import keyring

        backend = keyring.get_keyring()
        return str(getattr(backend, "name", "") or type(backend).__name__)
