"""Real bad conditions for tests: read-only files, folders and disks, a full disk, and
PostgreSQL servers that turn a till away or never answer.

Root ignores file permissions, so as root (CI containers) a read-only file or folder is a
read-only bind mount and a full disk a tiny tmpfs; otherwise chmod does it, and a test that
needs a full disk is skipped.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _run(*argv: str | Path) -> bool:
    if shutil.which(str(argv[0])) is None:
        return False
    done = subprocess.run([str(a) for a in argv], capture_output=True, check=False)
    return done.returncode == 0


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` (a file or a folder) cannot be written by this process while inside."""
    if sys.platform == "win32":
        pytest.skip("read-only files are made with mount or chmod")
    if _is_root():
        if not _run("mount", "--bind", "-o", "ro", path, path):
            pytest.skip("cannot bind-mount read-only here")
        if os.access(path, os.W_OK):  # an older mount makes it rw first: remount
            _run("mount", "-o", "remount,bind,ro", path)
        try:
            assert not os.access(path, os.W_OK), f"{path} is still writable"
            yield
        finally:
            _run("umount", path)
        return
    mode = path.stat().st_mode
    path.chmod(mode & ~0o222)
    try:
        yield
    finally:
        path.chmod(mode)


@contextlib.contextmanager
def tiny_disk(folder: Path, size_kb: int = 512) -> Iterator[Path]:
    """A real, separate disk of ``size_kb`` KiB mounted at ``folder`` (a tmpfs; root only)."""
    if not _is_root() or not sys.platform.startswith("linux"):
        pytest.skip("a tiny disk needs root on Linux (mount -t tmpfs)")
    folder.mkdir(parents=True, exist_ok=True)
    if not _run("mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", folder):
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        _run("umount", "-l", folder)


def fill_disk(folder: Path) -> Path:
    """Write a file in ``folder`` until its disk is full; return it (delete it to free)."""
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC, error
    return filler


# --- PostgreSQL servers that misbehave --------------------------------------------------------

Handler = Callable[[socket.socket, threading.Event], None]


@contextlib.contextmanager
def fake_server(handler: Handler) -> Iterator[int]:
    """A TCP server on 127.0.0.1 running ``handler`` for each connection; yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    stop = threading.Event()
    connections: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _address = listener.accept()
            except OSError:
                continue
            connections.append(connection)
            threading.Thread(target=handler, args=(connection, stop), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()
        for connection in connections:
            connection.close()


def never_answers(_connection: socket.socket, stop: threading.Event) -> None:
    """Accept the connection and say nothing, ever (a hung server, a stuck proxy)."""
    stop.wait()


def refuses_login(sqlstate: str, message: str) -> Handler:
    """A server that asks for a password, reads it and turns the login away with ``sqlstate``
    and ``message`` (in whatever language the server speaks), as PostgreSQL does."""

    def handler(connection: socket.socket, stop: threading.Event) -> None:
        with contextlib.suppress(OSError, struct.error):
            _read_startup(connection)
            connection.sendall(b"R" + struct.pack("!ii", 8, 3))  # cleartext password, please
            kind = _read_exactly(connection, 1)
            if kind == b"p":
                (length,) = struct.unpack("!i", _read_exactly(connection, 4))
                _read_exactly(connection, length - 4)
                fields = (
                    b"SFATAL\0VFATAL\0C" + sqlstate.encode() + b"\0M" + message.encode() + b"\0\0"
                )
                connection.sendall(b"E" + struct.pack("!i", len(fields) + 4) + fields)
        stop.wait(2)

    return handler


_SSL_OR_GSS_REQUEST = (80877103, 80877104)


def _read_startup(connection: socket.socket) -> None:
    while True:
        (length,) = struct.unpack("!i", _read_exactly(connection, 4))
        body = _read_exactly(connection, length - 4)
        if struct.unpack("!i", body[:4])[0] in _SSL_OR_GSS_REQUEST:
            connection.sendall(b"N")  # no encryption here: go on in the clear
            continue
        return


def _read_exactly(connection: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data
