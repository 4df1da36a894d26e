"""One writer per database file: a second copy of the app is told, even after a crash."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.db.instance_lock import InstanceLock


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
