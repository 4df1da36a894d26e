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
the message. No Qt: the command line uses it too.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from app.domain.errors import DatabaseError

#: Windows locks are mandatory: lock a byte far past the holder's note so it stays readable.
_WINDOWS_LOCK_OFFSET = 1 << 20


log = logging.getLogger(__name__)


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
        """Take the lock if nobody holds it; return whether this process now holds it (or
        whether it needs none: in a folder nothing can write to). DatabaseError if the lock
        file cannot be made for another reason."""
        if self._handle is not None:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (until release)
        except OSError as error:
            if error.errno not in _CANNOT_WRITE:
                raise DatabaseError(
                    f"Cannot make the lock file {self.path} beside the shop database: "
                    f"{error.strerror or error}. Nothing was changed."
                ) from error
            # A read-only folder or disk: no copy of Shopkeeper can write the shop there, so
            # there is no writer to keep out (the database opens read-only and says why).
            log.info(
                "cannot make %s (%s); the shop file cannot be written either", self.path, error
            )
            return True
        try:
            if not _try_lock(handle):
                handle.close()
                return False
            _write_note(handle.fileno())
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


#: What creating the lock file raises in a folder (or on a disk) that cannot be written.
_CANNOT_WRITE = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC})


def _write_note(fd: int) -> None:
    """Write who holds the lock, for a second copy's message. Only words: on a full disk
    the lock is held without them (unbuffered, so nothing is left to fail at close)."""
    note = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(note).encode("utf-8"))
    except OSError as error:
        log.warning("cannot note who holds the lock (%s); holding it anyway", error)


#: What a lock attempt raises when another process holds the lock: flock's EWOULDBLOCK
#: (EAGAIN), and EACCES (some systems' flock, and msvcrt.locking's "locking violation").
_HELD = frozenset({errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES})


def msvcrt_try_lock(fd: int, msvcrt: Any) -> bool:
    """Windows: lock one byte at ``_WINDOWS_LOCK_OFFSET`` without waiting. ``msvcrt.locking``
    locks from the descriptor's current position, so the descriptor itself is moved there
    (``os.lseek``, not a text file's opaque seek cookie) and back. Locking past the end of
    the file is allowed, and a mandatory lock there leaves the holder's note readable."""
    os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
    try:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # LK_LOCK would retry for 10 s
    except OSError as error:
        if error.errno in _HELD:
            return False
        raise
    finally:
        os.lseek(fd, 0, os.SEEK_SET)
    return True


def msvcrt_unlock(fd: int, msvcrt: Any) -> None:
    os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
    with contextlib.suppress(OSError):  # closing the handle releases it anyway
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def flock_try_lock(fd: int, fcntl: Any) -> bool:
    """macOS and Linux: ``flock``, not ``lockf``: its locks belong to the open file, so a
    second open in the same process (a test, a second window) conflicts as another process
    would, and ``LOCK_NB`` makes a held lock fail at once with EWOULDBLOCK."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in _HELD:
            return False
        raise
    return True


def _try_lock(handle: IO[str]) -> bool:
    """Whether this process now holds the lock (False: another one does).

    Any error but "held" means this filesystem cannot lock files at all (a network share
    without a lock service): the lock then cannot tell a second copy anything, and refusing
    the shop with "another copy has it open" would be false, so this copy goes on (the
    network-share banner warns about the share)."""
    handle.flush()
    try:
        if sys.platform == "win32":
            import msvcrt

            return msvcrt_try_lock(handle.fileno(), msvcrt)
        import fcntl

        return flock_try_lock(handle.fileno(), fcntl)
    except OSError as error:
        log.warning("cannot lock %s (%s); going on without the one-window lock", handle.name, error)
        return True


def _unlock(handle: IO[str]) -> None:
    handle.flush()
    if sys.platform == "win32":
        import msvcrt

        msvcrt_unlock(handle.fileno(), msvcrt)
        return
    import fcntl

    with contextlib.suppress(OSError):  # closing the handle releases it anyway
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
