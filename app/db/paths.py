"""Where Shopkeeper keeps its files, per the platform's conventions (platformdirs)."""

from __future__ import annotations

import subprocess
import sys
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


def config_dir() -> Path:
    """Per-computer settings, e.g. ~/.config/Shopkeeper or %LOCALAPPDATA%\\Shopkeeper."""
    return Path(_DIRS.user_config_dir)


def settings_path() -> Path:
    return config_dir() / "settings.json"


def server_backup_dir(database: str) -> Path:
    """Where logical backups of a shared-server database go: a server has no folder of its
    own on this computer, so they live in the user data folder, one subfolder per database."""
    return data_dir() / "backups" / database


def database_url(db: str | Path | None) -> str:
    """Turn ``--db`` (a path, a SQLAlchemy URL, or nothing) into a URL."""
    if db is None:
        path = default_database_path()
    elif isinstance(db, str) and "://" in db:
        return db
    else:
        path = Path(db).expanduser()
    return f"sqlite:///{path.resolve()}"


#: Filesystem types that are network shares, as /proc/mounts (Linux) or mount (macOS) name
#: them. SQLite's locking is unreliable over them, so a shop file there gets a warning.
NETWORK_FILESYSTEMS = ("cifs", "smb", "smbfs", "smb2", "smb3", "nfs", "nfs4", "afpfs", "webdav")
_DRIVE_REMOTE = 4  # GetDriveTypeW's DRIVE_REMOTE


def network_filesystem(path: Path) -> str | None:
    """The kind of network share ``path`` is on ("SMB", "nfs4", ...), or None if it is local
    (or cannot be told: a warning we cannot back up with a reason is not given)."""
    path = path.expanduser().absolute()
    if sys.platform == "win32":
        return _windows_network_drive(path)
    fstype = _mount_type(path)
    if fstype and fstype.lower().startswith(NETWORK_FILESYSTEMS):
        return fstype
    return None


def _windows_network_drive(path: Path) -> str | None:
    text = str(path)
    if text.startswith("\\\\") and not text.startswith("\\\\?\\"):
        return "network share"  # a UNC path: \\server\share\...
    import ctypes

    root = path.anchor or text[:3]
    kernel32 = getattr(ctypes, "windll").kernel32  # noqa: B009 (Windows only)
    if kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)) == _DRIVE_REMOTE:
        return "network drive"
    return None


def _mount_type(path: Path) -> str | None:
    """The filesystem type of the mount holding ``path`` (the longest matching mount point)."""
    mounts: list[tuple[str, str]] = []
    try:
        if sys.platform.startswith("linux"):
            for line in Path("/proc/mounts").read_text().splitlines():
                fields = line.split()
                if len(fields) >= 3:
                    # /proc/mounts escapes spaces in mount points as \040.
                    mounts.append((fields[1].replace("\\040", " "), fields[2]))
        else:  # macOS and the BSDs: "//user@server/share on /Volumes/share (smbfs, ...)"
            output = subprocess.run(
                ["/sbin/mount"], capture_output=True, text=True, timeout=5, check=False
            ).stdout
            for line in output.splitlines():
                head, sep, rest = line.rpartition(" (")
                if sep and " on " in head:
                    mounts.append((head.split(" on ", 1)[1], rest.split(",")[0].strip(" )")))
    except (OSError, subprocess.SubprocessError):
        return None
    best: tuple[int, str] | None = None
    for point, fstype in mounts:
        mount = Path(point)
        if (path == mount or mount in path.parents) and (best is None or len(point) > best[0]):
            best = (len(point), fstype)
    return best[1] if best else None
