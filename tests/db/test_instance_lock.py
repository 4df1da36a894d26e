"""One writer per database file: a second copy of the app is told, even after a crash."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.db.instance_lock import _WINDOWS_LOCK_OFFSET, InstanceLock, msvcrt_try_lock


def test_a_second_lock_on_the_same_file_is_refused_until_the_first_is_released(
    tmp_path: Path,
) -> None:
    shop = tmp_path / "shop.sqlite3"
    first, second = InstanceLock(shop), InstanceLock(shop)
    assert first.acquire()
    assert not second.acquire()
    assert "Shopkeeper (process" in second.holder()
    first.release()
    assert second.acquire()
    second.release()


def test_a_lock_left_by_a_killed_process_does_not_keep_the_shop_out(tmp_path: Path) -> None:
    shop = tmp_path / "shop.sqlite3"
    script = (
        "import os, sys; from pathlib import Path; from app.db.instance_lock import InstanceLock;"
        f"assert InstanceLock(Path({str(shop)!r})).acquire(); print('held', flush=True);"
        "os.kill(os.getpid(), 9)"
    )
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert child.stdout.strip() == "held"
    assert (tmp_path / "shop.sqlite3.lock").exists()  # the crash left the file behind
    lock = InstanceLock(shop)
    assert lock.acquire()
    lock.release()


def test_a_lock_held_by_another_process_is_refused(tmp_path: Path) -> None:
    shop = tmp_path / "shop.sqlite3"
    script = (
        "import sys; from pathlib import Path; from app.db.instance_lock import InstanceLock;"
        f"lock = InstanceLock(Path({str(shop)!r})); assert lock.acquire();"
        "print('held', flush=True); sys.stdin.read()"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        lock = InstanceLock(shop)
        assert not lock.acquire()
        assert f"process {child.pid}" in lock.holder()
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(10)
    assert InstanceLock(shop).acquire()


class FakeMsvcrt:
    """Windows' msvcrt.locking as documented: it locks ``nbytes`` from the descriptor's
    current position; a byte another descriptor locked raises EACCES at once with
    LK_NBLCK; unlocking a byte this descriptor did not lock raises EACCES too."""

    LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK, LK_NBRLCK = 0, 1, 2, 3, 4

    def __init__(self) -> None:
        self.locks: dict[tuple[int, int], int] = {}
        self.positions: list[int] = []

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        assert nbytes == 1
        position = os.lseek(fd, 0, os.SEEK_CUR)
        self.positions.append(position)
        key = (os.fstat(fd).st_ino, position)
        if mode == self.LK_NBLCK:
            if self.locks.get(key, fd) != fd:
                raise PermissionError(errno.EACCES, "locking violation")
            self.locks[key] = fd
        elif mode == self.LK_UNLCK:
            if self.locks.get(key) != fd:
                raise PermissionError(errno.EACCES, "not locked")
            del self.locks[key]
        else:
            raise AssertionError(f"mode {mode} waits: never used")


@pytest.fixture
def on_windows(monkeypatch: pytest.MonkeyPatch) -> FakeMsvcrt:
    fake = FakeMsvcrt()
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    return fake


def test_on_windows_one_byte_past_the_note_is_locked_and_unlocked(
    tmp_path: Path, on_windows: FakeMsvcrt
) -> None:
    shop = tmp_path / "shop.sqlite3"
    first, second = InstanceLock(shop), InstanceLock(shop)
    assert first.acquire()
    assert not second.acquire()
    assert "Shopkeeper (process" in second.holder()  # the note is readable, not locked
    first.release()
    assert on_windows.locks == {}
    assert set(on_windows.positions) == {_WINDOWS_LOCK_OFFSET}
    assert second.acquire()
    second.release()


def test_on_windows_the_descriptor_is_back_at_the_start_after_locking(
    tmp_path: Path, on_windows: FakeMsvcrt
) -> None:
    with (tmp_path / "shop.sqlite3.lock").open("a+b") as handle:
        assert msvcrt_try_lock(handle.fileno(), on_windows)
        assert os.lseek(handle.fileno(), 0, os.SEEK_CUR) == 0


def test_a_filesystem_that_cannot_lock_does_not_pretend_another_copy_has_the_shop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_windows: FakeMsvcrt
) -> None:
    def no_locks(fd: int, mode: int, nbytes: int) -> None:
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(on_windows, "locking", no_locks)
    lock = InstanceLock(tmp_path / "shop.sqlite3")
    assert lock.acquire()
    lock.release()


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
@pytest.mark.parametrize(
    ("error", "held"),
    [
        (BlockingIOError(errno.EWOULDBLOCK, "would block"), True),
        (PermissionError(errno.EACCES, "held"), True),
        (OSError(errno.ENOLCK, "No locks available"), False),  # NFS without lockd
        (OSError(errno.EOPNOTSUPP, "Operation not supported"), False),  # some SMB mounts
    ],
)
def test_flock_tells_a_held_lock_from_a_filesystem_without_locks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError, held: bool
) -> None:
    import fcntl

    def refuse(fd: int, operation: int) -> None:
        assert operation in (fcntl.LOCK_EX | fcntl.LOCK_NB, fcntl.LOCK_UN)  # never waits
        raise error

    monkeypatch.setattr(fcntl, "flock", refuse)
    lock = InstanceLock(tmp_path / "shop.sqlite3")
    assert lock.acquire() is not held
    lock.release()
