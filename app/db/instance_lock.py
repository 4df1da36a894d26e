"""One writer per shop database file: an operating-system lock on a file beside it.

Two copies of Shopkeeper writing one SQLite file would each keep their own idea of what is
on screen, and a second window opened by mistake is the usual way a shop ends up with two
tills on one computer. So the first copy takes a lock on ``<database>.lock`` and holds it
until it quits; a second copy sees it is taken and offers to open the file read-only.

The lock is the operating system's (``flock`` on macOS and Linux, ``msvcrt.locking`` on
Windows), not the file's existence: when a copy of the app crashes or the power goes, the
operating system drops the lock with the process, so a stale lock never keeps the shop out.
The file is never deleted (deleting a lock file while another process waits on it lets two
processes each lock a different file of the same name); it only records who holds it, for
the message. Pure standard library: the command line uses it too, without Qt.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

#: Windows locks are mandatory: lock a byte far past the holder's note so it stays readable.
_WINDOWS_LOCK_OFFSET = 1 << 20


def lock_path_for(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class InstanceLock:
    """The single-writer lock of one database file. Not re-entrant; one per process."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = lock_path_for(database)
        self._handle: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; return whether this process now holds it."""
        if self._handle is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (held until release)
        try:
            if not _try_lock(handle):
                handle.close()
                return False
            note = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "since": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(note))
            handle.flush()
        except BaseException:
            handle.close()
            raise
        self._handle = handle
        return True

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            _unlock(handle)
        finally:
            handle.close()

    def holder(self) -> str:
        """Who holds the lock, in words ("process 4242 on TILL-2 since 09:14 UTC")."""
        try:
            note = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return "another copy of Shopkeeper"
        if not isinstance(note, dict) or "pid" not in note:
            return "another copy of Shopkeeper"
        words = f"Shopkeeper (process {note['pid']}"
        if note.get("host"):
            words += f" on {note['host']}"
        return words + ")"

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        handle.seek(_WINDOWS_LOCK_OFFSET)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        finally:
            handle.seek(0)
        return True

    def _unlock(handle: IO[str]) -> None:
        handle.seek(_WINDOWS_LOCK_OFFSET)
        with contextlib.suppress(OSError):  # closing the handle releases it anyway
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        # flock, not lockf: its locks belong to the open file, so a second open in the same
        # process (a test, a second window) conflicts as another process would.
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
