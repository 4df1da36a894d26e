"""Starting the window on a shop that is empty, damaged, read-only, missing or on a server
that never answers: a clear message box or banner, never a traceback or a silent exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.db import Database, open_database
from app.db.backup import backup_sqlite
from app.services.catalog import create_customer
from app.ui import app as gui
from app.ui.after_first_paint import AfterFirstPaint
from app.ui.main_window import MainWindow
from tests.conditions import fake_server, never_answers, read_only
from tests.ui.shop_data import open_window

ROOT = Path(__file__).resolve().parent.parent.parent


def run_app(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """The real app in a child process with its own settings and log folders; returns the
    process and its log."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_STATE_HOME": str(tmp_path / "st"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "app", *args, "--smoke-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    log = tmp_path / "st" / "Shopkeeper" / "log" / "shopkeeper.log"
    return done, log.read_text() if log.exists() else ""


def test_a_zero_byte_shop_file_is_refused_with_a_message_and_left_alone(tmp_path: Path) -> None:
    empty = tmp_path / "shop.sqlite3"
    empty.write_bytes(b"")
    done, log = run_app(tmp_path, "--db", str(empty))
    assert done.returncode == 1
    assert "shop.sqlite3 is empty (0 bytes): it holds no shop" in log
    assert "Traceback" not in done.stderr + log
    assert empty.read_bytes() == b""


def test_a_server_that_never_answers_gets_a_message_not_a_hang(tmp_path: Path) -> None:
    with fake_server(never_answers) as port:
        url = f"postgresql+psycopg://shop@127.0.0.1:{port}/shop?connect_timeout=2"
        started = time.monotonic()
        done, log = run_app(tmp_path, "--db", url)
        assert time.monotonic() - started < 60
    assert done.returncode == 1
    assert "did not answer within 2 seconds" in log
    assert "Traceback" not in done.stderr + log


def test_the_window_opens_on_a_shop_in_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    path = folder / "shop.sqlite3"
    open_database(f"sqlite:///{path}").dispose()
    with read_only(folder):
        done, log = run_app(tmp_path, "--db", str(path))
    assert done.returncode == 0, done.stderr
    assert "daily backup failed" in log  # the folder cannot take it: warned, not fatal
    assert "Traceback" not in done.stderr + log


def test_a_missing_file_the_settings_name_is_asked_about_not_made(tmp_path: Path) -> None:
    gone = tmp_path / "usb-stick" / "shop.sqlite3"
    settings = tmp_path / "config" / "Shopkeeper" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"mode": "file", "file": str(gone)}))
    done, _log = run_app(tmp_path)
    assert done.returncode == 0, done.stderr  # the smoke test answers "Quit"
    assert not gone.parent.exists()


def test_the_default_shop_file_is_made_on_the_first_start(tmp_path: Path) -> None:
    done, _log = run_app(tmp_path)
    assert done.returncode == 0, done.stderr
    made = tmp_path / "data" / "Shopkeeper" / "shopkeeper.sqlite3"
    assert made.stat().st_size > 0


def test_a_daily_backup_that_fails_shows_a_banner_and_the_window_works(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    path = Path(sqlite_db.url.removeprefix("sqlite:///"))
    backups = path.parent / "backups"
    backups.mkdir()
    window = open_window(qtbot, sqlite_db)
    later = AfterFirstPaint(window, sqlite_db, keep_backups=3, read_only=False)
    with read_only(backups):
        later.start()
        later.join()
    qtbot.waitUntil(lambda: window.findChild(QWidget, "backupFailedBanner") is not None)
    banner = window.findChild(QWidget, "backupFailedBanner")
    assert banner is not None
    assert banner.label.text().startswith("Today's backup could not be made: the backups folder")  # type: ignore[attr-defined]
    assert window.new_order_action.isEnabled()


def test_a_read_only_file_opens_a_read_only_window_that_says_why(
    qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "shop.sqlite3"
    open_database(f"sqlite:///{path}").dispose()
    with read_only(path):
        database = open_database(f"sqlite:///{path}")
        try:
            window = MainWindow(database, read_only=True)
            qtbot.addWidget(window)
            banner = window.findChild(QWidget, "readOnlyBanner")
            assert banner is not None
            assert "this computer cannot write to the shop file" in banner.label.text()  # type: ignore[attr-defined]
            window.close()
        finally:
            database.dispose()


def click_later(box_name: str, button_name: str) -> None:
    """Click a button of the modal box named ``box_name`` once it shows."""

    def click() -> None:
        for widget in QApplication.topLevelWidgets():
            if (
                isinstance(widget, QMessageBox)
                and widget.objectName() == box_name
                and widget.isVisible()
            ):
                button = widget.findChild(QPushButton, button_name)
                assert button is not None
                button.click()
                return
        QTimer.singleShot(20, click)

    QTimer.singleShot(20, click)


def test_a_refused_file_can_be_replaced_by_the_newest_good_backup(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "shop.sqlite3"
    url = f"sqlite:///{path}"
    database = open_database(url)
    with database.write() as session:
        create_customer(session, "ANN", "Ann")
    database.dispose()
    good = backup_sqlite(path, tmp_path / "backups", label="daily")
    path.write_bytes(b"")
    with pytest.raises(Exception) as refused:
        open_database(url)
    click_later("cannotOpenBox", "restoreNewestBackupButton")
    assert gui._open_failed(refused.value, url, smoke_test=False) == url  # open it again
    database = open_database(url)
    try:
        with database.read() as session:
            assert session.execute(text("SELECT code FROM customer")).scalars().all() == ["ANN"]
    finally:
        database.dispose()
    assert good.exists()
    [aside] = [
        p for p in tmp_path.glob("shop.sqlite3.refused-*") if not p.name.endswith(("-wal", "-shm"))
    ]
    assert aside.read_bytes() == b""  # kept aside, never deleted


def test_back_up_now_into_a_read_only_folder_says_why_once(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    from app.ui.dialogs.settings import SettingsDialog
    from app.ui.dialogs.settings_backups import BackupsPage

    backups = Path(sqlite_db.url.removeprefix("sqlite:///")).parent / "backups"
    backups.mkdir()
    window = open_window(qtbot, sqlite_db)
    page = BackupsPage(sqlite_db)
    dialog = SettingsDialog([page], window)
    qtbot.addWidget(dialog)
    with read_only(backups):
        window.back_up_now()
        qtbot.waitUntil(lambda: window.backup_action.isEnabled(), timeout=10_000)
        page.backup_button.click()
        qtbot.waitUntil(lambda: page.backup_button.isEnabled(), timeout=10_000)
    for said in (window.statusBar().currentMessage(), page.message.text()):
        assert said.startswith("The backup could not be made: the backups folder")
        assert said.count("could not be made") == 1
    dialog.reject()


def test_a_lock_file_that_cannot_be_made_gets_a_message(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    open_database(f"sqlite:///{path}").dispose()
    (tmp_path / "shop.sqlite3.lock").mkdir()
    done, log = run_app(tmp_path, "--db", str(path))
    assert done.returncode == 1
    assert "Cannot make the lock file" in log
    assert "Traceback" not in done.stderr + log
