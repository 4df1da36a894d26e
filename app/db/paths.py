"""Where Shopkeeper keeps its files, per the platform's conventions (platformdirs)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path, PurePath

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
#: them (a prefix: "smb" covers smbfs, smb2, smb3; "nfs" covers nfs4). SQLite's locking is
#: unreliable over them, so a shop file there gets a warning.
NETWORK_FILESYSTEMS = (
    "cifs",
    "smb",
    "nfs",
    "afpfs",
    "webdav",
    "davfs",
    "fuse.sshfs",
    "ceph",
    "glusterfs",
    "fuse.glusterfs",
    "afs",
)
#: GetDriveTypeW's answer for a mapped network drive (DRIVE_UNKNOWN 0, DRIVE_NO_ROOT_DIR 1,
#: DRIVE_REMOVABLE 2, DRIVE_FIXED 3, DRIVE_REMOTE 4, DRIVE_CDROM 5, DRIVE_RAMDISK 6).
DRIVE_REMOTE = 4


def network_filesystem(path: Path) -> str | None:
    """The kind of network share ``path`` is on ("SMB", "nfs4", ...), or None if it is local
    (or cannot be told: a warning we cannot back up with a reason is not given)."""
    if sys.platform == "win32":
        return windows_network_kind(str(path.expanduser().absolute()), _drive_type)
    # Resolved: a symlink into a share is on the share.
    resolved = path.expanduser().resolve()
    if sys.platform.startswith("linux"):
        try:
            mounts = parse_proc_mounts(Path("/proc/mounts").read_text())
        except OSError:
            return None
    else:  # macOS and the BSDs
        try:
            output = subprocess.run(
                ["/sbin/mount"], capture_output=True, text=True, timeout=5, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        mounts = parse_bsd_mount(output)
    fstype = mount_type(resolved, mounts)
    if fstype and fstype.lower().startswith(NETWORK_FILESYSTEMS):
        return fstype
    return None


def windows_network_kind(path: str, drive_type: Callable[[str], int]) -> str | None:
    """Whether the absolute Windows ``path`` is on a share: a UNC path (``\\\\server\\share``,
    also as ``\\\\?\\UNC\\server\\share``) or a drive ``drive_type(root)`` calls remote (a
    mapped drive, ``Z:\\``)."""
    text = path.replace("/", "\\")
    for prefix in ("\\\\?\\", "\\\\.\\"):  # extended-length and device paths
        if text.startswith(prefix):
            rest = text[len(prefix) :]
            if rest[:4].upper() == "UNC\\":
                return "network share"
            text = rest
            break
    else:
        if text.startswith("\\\\"):
            return "network share"
    is_drive = len(text) >= 2 and text[1] == ":" and text[0].isalpha()
    # GetDriveTypeW wants the root with its trailing backslash: "Z:\\".
    if is_drive and drive_type(text[0].upper() + ":\\") == DRIVE_REMOTE:
        return "network drive"
    return None


def _drive_type(root: str) -> int:  # pragma: no cover (Windows only)
    import ctypes

    get_drive_type = getattr(ctypes, "windll").kernel32.GetDriveTypeW  # noqa: B009
    get_drive_type.argtypes = [ctypes.c_wchar_p]
    get_drive_type.restype = ctypes.c_uint
    return int(get_drive_type(root))


def parse_proc_mounts(text: str) -> list[tuple[str, str]]:
    """(mount point, filesystem type) per line of Linux's /proc/mounts, whose fields escape a
    space, tab, newline or backslash in octal (``\\040``)."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            mounts.append((_unescape_octal(fields[1]), fields[2]))
    return mounts


def _unescape_octal(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), field)


def parse_bsd_mount(text: str) -> list[tuple[str, str]]:
    """(mount point, filesystem type) per line of macOS's (and the BSDs') ``mount``:
    ``//user@server/share on /Volumes/My Share (smbfs, nodev, nosuid, mounted by ann)``. The
    device never holds " on " (a share's spaces show as %20); a mount point may."""
    mounts = []
    for line in text.splitlines():
        head, sep, options = line.rpartition(" (")
        if sep and " on " in head:
            point = head.split(" on ", 1)[1]
            mounts.append((point, options.split(",")[0].strip(" )")))
    return mounts


def mount_type(path: PurePath, mounts: list[tuple[str, str]]) -> str | None:
    """The filesystem type of the mount holding ``path`` (the longest matching mount point)."""
    best: tuple[int, str] | None = None
    for point, fstype in mounts:
        mount = PurePath(point)
        if (path == mount or mount in path.parents) and (best is None or len(point) > best[0]):
            best = (len(point), fstype)
    return best[1] if best else None
