"""Telling a shop file on a network share, on every platform's terms: Linux's /proc/mounts,
macOS's ``mount`` output, Windows' UNC paths and mapped drives (GetDriveTypeW)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from app.db import paths
from app.db.paths import (
    DRIVE_REMOTE,
    mount_type,
    network_filesystem,
    parse_bsd_mount,
    parse_proc_mounts,
    windows_network_kind,
)

PROC_MOUNTS = """\
/dev/nvme0n1p2 / ext4 rw,relatime 0 0
//nas/shop /mnt/shop cifs rw,vers=3.1.1 0 0
nas:/export/back\\040office /mnt/back\\040office nfs4 rw,relatime 0 0
/dev/nvme0n1p3 /mnt/shop/local ext4 rw 0 0
"""

MACOS_MOUNT = """\
/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)
//ann@nas._smb._tcp.local/Shop%20Files on /Volumes/Shop Files (smbfs, nodev, nosuid, mounted by ann)
nas:/export on /Volumes/Photos (2020) (nfs, asynchronous)
"""


def test_proc_mounts_escaped_spaces_and_the_longest_mount_point_win() -> None:
    mounts = parse_proc_mounts(PROC_MOUNTS)
    assert ("/mnt/back office", "nfs4") in mounts
    assert mount_type(PurePosixPath("/mnt/shop/shop.sqlite3"), mounts) == "cifs"
    assert mount_type(PurePosixPath("/mnt/shop/local/shop.sqlite3"), mounts) == "ext4"
    assert mount_type(PurePosixPath("/mnt/back office/s.sqlite3"), mounts) == "nfs4"
    assert mount_type(PurePosixPath("/mnt/shopping/s.sqlite3"), mounts) == "ext4"  # not /mnt/shop


def test_macos_mount_points_with_spaces_and_parentheses() -> None:
    mounts = parse_bsd_mount(MACOS_MOUNT)
    assert mounts == [
        ("/", "apfs"),
        ("/Volumes/Shop Files", "smbfs"),
        ("/Volumes/Photos (2020)", "nfs"),
    ]


def test_on_linux_a_file_on_a_cifs_mount_is_on_a_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    real_read_text = Path.read_text
    monkeypatch.setattr(
        Path,
        "read_text",
        lambda self, *a, **k: PROC_MOUNTS if str(self) == "/proc/mounts" else real_read_text(self),
    )
    assert network_filesystem(Path("/mnt/shop/shop.sqlite3")) == "cifs"
    assert network_filesystem(Path("/mnt/shop/local/shop.sqlite3")) is None


def test_on_macos_a_file_on_an_smb_volume_is_on_a_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")

    def mount(args: list[str], **_kwargs: object) -> subprocess.CompletedProcess[str]:
        assert args == ["/sbin/mount"]
        return subprocess.CompletedProcess(args, 0, stdout=MACOS_MOUNT)

    monkeypatch.setattr(paths.subprocess, "run", mount)
    assert network_filesystem(Path("/Volumes/Shop Files/shop.sqlite3")) == "smbfs"
    assert network_filesystem(Path("/Volumes/Photos (2020)/shop.sqlite3")) == "nfs"
    assert network_filesystem(Path("/Users/ann/shop.sqlite3")) is None


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (r"\\nas\shop\shop.sqlite3", "network share"),
        ("//nas/shop/shop.sqlite3", "network share"),
        (r"\\?\UNC\nas\shop\shop.sqlite3", "network share"),
        (r"Z:\shop.sqlite3", "network drive"),
        (r"z:\shop.sqlite3", "network drive"),
        (r"\\?\Z:\shop.sqlite3", "network drive"),
        (r"C:\Users\ann\shop.sqlite3", None),
        (r"\\?\C:\Users\ann\shop.sqlite3", None),
    ],
)
def test_windows_unc_paths_and_mapped_drives_are_shares(path: str, kind: str | None) -> None:
    asked: list[str] = []

    def drive_type(root: str) -> int:
        asked.append(root)
        return DRIVE_REMOTE if root == "Z:\\" else 3  # DRIVE_FIXED

    assert windows_network_kind(path, drive_type) == kind
    assert all(root.endswith(":\\") and len(root) == 3 for root in asked)  # what the API wants
