"""Starting the window: the QApplication, the database, the main window and crash handling.

Start-up order: the settings (which database), the single-instance lock on a local file (a
second copy offers a read-only window), opening (migration), the window with its first tab's
rows and live refresh from other tills. Only once the window has painted: the network-share
check, and on threads the missing-ETA check (it reads every waiting line) and today's backup.
"""

from __future__ import annotations

import logging
import sys
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)
from sqlalchemy.engine import make_url

from app import collector
from app.db import open_database
from app.db.backup import newest_good_backup
from app.db.config import LocalSettings, PasswordStore, backup_dir_for, load_settings
from app.db.database import ServerTimeouts
from app.db.instance_lock import InstanceLock
from app.db.opening import sqlite_path
from app.db.paths import log_dir
from app.db.shop_file import replace_with_backup
from app.domain.errors import DatabaseCorrupt, ShopError
from app.services import formatting
from app.ui import gui_collector
from app.ui.after_first_paint import AfterFirstPaint
from app.ui.style import apply_style

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

#: How long ``--smoke-test`` keeps the window open before quitting.
SMOKE_TEST_MS = 1500
ORGANIZATION = "Shopkeeper"

_crash_boxes: list[QMessageBox] = []


def resource_path(name: str) -> Path:
    """A file in resources/: next to the package, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    base = Path(bundle) if bundle else Path(__file__).resolve().parent.parent.parent
    return base / "resources" / name


def setup_logging() -> Path | None:
    """Log to a rotating file in the user log folder; None if it cannot be created."""
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "shopkeeper.log"
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def install_excepthook(log_file: Path | None) -> None:
    """Log a bug's traceback and tell the user plainly, rather than dying silently."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        log.error("Unexpected error", exc_info=(kind, error, tb))
        details = "".join(traceback.format_exception(kind, error, tb))
        print(details, file=sys.stderr)
        if QApplication.instance() is None:
            return
        box = QMessageBox(_active_window())
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("Shopkeeper")
        box.setText("Something went wrong; nothing was saved.")
        where = f"The details were written to {log_file}." if log_file else ""
        box.setInformativeText(f"{where}\nYou can keep working.".strip())
        box.setDetailedText(details)
        # A box without a parent belongs to Python: keep it alive until it is closed.
        _crash_boxes.append(box)
        box.finished.connect(lambda _result: _crash_boxes.remove(box))
        box.open()

    sys.excepthook = hook


def _active_window() -> QWidget | None:
    return QApplication.activeWindow()


def _stop_layout_children() -> None:
    """Quitting while a long document is laid out: stop its child process, remove its job
    files (only if printing was used at all: nothing is imported for it otherwise)."""
    process = sys.modules.get("app.printing.process")
    if process is not None:
        process.stop_children()


def run_gui(
    database_url: str | None, *, smoke_test: bool = False, argv: list[str] | None = None
) -> int:
    """Open the shop database at ``database_url`` (None: the one the settings name) in the
    main window; return the exit code. When Settings switch databases, the window closes and
    opens again on the new one, in the same process."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.aboutToQuit.connect(_stop_layout_children)
    app.setApplicationName("Shopkeeper")
    app.setApplicationDisplayName("Shopkeeper")
    app.setOrganizationName(ORGANIZATION)
    app.setDesktopFileName("shopkeeper")
    icon_file = resource_path("icon.png")
    if icon_file.is_file():
        app.setWindowIcon(QIcon(str(icon_file)))
    apply_style(app)
    gui_collector.install(app)  # cycles are collected on the GUI thread only
    # Dates and amounts in the user's own format (a desktop program gets no LANG on Windows).
    formatting.set_locale(QLocale.system().name())
    log_file = setup_logging()
    install_excepthook(log_file)

    url = database_url
    while True:
        code, reopen = _run_window(app, url, smoke_test=smoke_test)
        if reopen is False:
            return code
        url = None if reopen is True else reopen  # True: the database the settings name


#: What to do once a window has closed: False (quit), True (open again on the database the
#: settings name) or a URL (open again on that one).
Reopen = bool | str


def _run_window(app: QApplication, url: str | None, *, smoke_test: bool) -> tuple[int, Reopen]:
    """One window on one database: (exit code, what to open next)."""
    settings = load_settings()
    # A new, empty shop is made only where the user pointed the app themselves (--db, or
    # this computer's default file); a file the settings name that has gone missing (a
    # drive not plugged in) is asked about first.
    may_create = url is not None or (settings.mode == "file" and not settings.file)
    if url is None:
        url = _url_from_settings(settings)
        if url is None:
            return 1, False
    path = sqlite_path(url)
    if path is not None and not may_create and not path.exists():
        # Asked before the lock file is made beside it (or its folder, on a missing drive).
        if not _ask_create(path, smoke_test):
            return 0, False
        may_create = True
    lock = _lock_for(url)
    read_only = False
    try:
        held = lock is None or lock.acquire()
    except ShopError as error:
        return 1, _open_failed(error, url, smoke_test=smoke_test)
    if lock is not None and not held:
        if not _ask_read_only(lock, smoke_test=smoke_test):
            return 0, False
        read_only, lock = True, None
    try:
        database = open_database(
            url,
            daily_backup=False,
            keep_backups=settings.keep_backups,
            read_only=read_only,
            create=may_create,
            timeouts=ServerTimeouts(statement=settings.statement_timeout_seconds),
        )
    except Exception as error:
        if lock is not None:
            lock.release()
        return 1, _open_failed(error, url, smoke_test=smoke_test)
    # A file this computer cannot write opens read-only, with a banner saying why.
    read_only = read_only or database.read_only_reason is not None

    from app.ui.live_refresh import LiveRefresh
    from app.ui.main_window import MainWindow

    window = MainWindow(database, read_only=read_only)
    window.resize(1200, 760)
    live = LiveRefresh(database, window)
    reopen: Reopen = False

    def request_reopen() -> None:
        nonlocal reopen
        reopen = True
        app.exit(0)

    window.reopen_requested.connect(request_reopen)

    def switch_to(other: str) -> None:
        nonlocal reopen
        reopen = other
        app.exit(0)

    window.switch_requested.connect(switch_to)
    later = AfterFirstPaint(
        window, database, keep_backups=settings.keep_backups, read_only=read_only
    )
    window.show()
    if smoke_test:
        QTimer.singleShot(SMOKE_TEST_MS, app.quit)
    try:
        return app.exec(), reopen
    finally:
        from app.ui.writing import wait_for_writes

        wait_for_writes()  # a save under way is finished, never cut off at quit
        live.stop()
        later.join()
        window.close()
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        collector.unfreeze()  # a window opened next on another database can free this one
        database.dispose()
        if lock is not None:
            lock.release()


def _open_failed(error: Exception, url: str, *, smoke_test: bool) -> Reopen:
    """Say why the database cannot be opened (a bug too: logged, never a silent exit)."""
    where = make_url(url).render_as_string()
    if isinstance(error, ShopError):
        log.warning("cannot open %s: %s", where, error)
        reason = str(error)
    else:
        log.error("cannot open %s", where, exc_info=error)
        reason = (
            "Something went wrong while opening the shop database; nothing was saved. "
            "The details were written to the log file."
        )
    backup = _good_backup_for(url) if isinstance(error, DatabaseCorrupt) else None
    return _cannot_open(reason, url, smoke_test=smoke_test, backup=backup)


def _good_backup_for(url: str) -> Path | None:
    path = sqlite_path(url)
    if path is None:
        return None
    good = newest_good_backup(backup_dir_for(url), path.stem)
    return good.path if good is not None else None


def _ask_create(path: Path, smoke_test: bool) -> bool:
    """A file the settings name is not there: True to make a new, empty shop there."""
    return _ask(
        "noShopBox",
        QMessageBox.Icon.Question,
        "There is no shop database here",
        f"The settings name {path}, but there is no such file. If it is on a drive or share "
        "that is not connected, connect it and start Shopkeeper again. Or start a new, empty "
        "shop there.",
        "Start a new shop",
        smoke_test=smoke_test,
    )


def _ask(
    name: str, icon: QMessageBox.Icon, text: str, details: str, yes: str, *, smoke_test: bool
) -> bool:
    """A question at start-up, before any window: True if ``yes`` was chosen over Quit (which
    ``--smoke-test`` chooses after a moment)."""
    box = QMessageBox(icon, "Shopkeeper", text)
    box.setObjectName(name)
    box.setInformativeText(details)
    accept = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(accept)
    if smoke_test:
        QTimer.singleShot(SMOKE_TEST_MS, box.reject)
    box.exec()
    return box.clickedButton() is accept


def _lock_for(url: str) -> InstanceLock | None:
    path = sqlite_path(url)
    return InstanceLock(path) if path is not None else None


def _url_from_settings(settings: LocalSettings) -> str | None:
    """The URL the settings name; for a server without a saved password, ask for it."""
    if settings.mode != "server":
        return settings.database_url()
    passwords = PasswordStore()
    password = passwords.get(settings.server)
    if password is None:
        server = settings.server
        why = (
            "This computer has no password keyring, so the password is not saved."
            if not passwords.available()
            else "No password is saved for this server."
        )
        password, ok = QInputDialog.getText(
            None,
            "Shopkeeper",
            f"{why}\n\nPassword for {server.user} on {server.host} (database {server.database}):",
            QLineEdit.EchoMode.Password,
        )
        if not ok:
            return None
        if not passwords.available():
            passwords.set(settings.server, password)  # kept in memory until the app quits
    return settings.database_url(password)


def _ask_read_only(lock: InstanceLock, *, smoke_test: bool) -> bool:
    """The file is held by another copy: offer a read-only window; True to open one."""
    return _ask(
        "alreadyOpenBox",
        QMessageBox.Icon.Information,
        "This shop is already open",
        f"{lock.holder()} has {lock.database.name} open on this computer. Only one window "
        "can change the shop at a time: switch to that one, or open a read-only window here "
        "to look things up.",
        "Open read-only",
        smoke_test=smoke_test,
    )


def _cannot_open(reason: str, url: str, *, smoke_test: bool, backup: Path | None = None) -> Reopen:
    """Say why the database cannot be opened; what to open next if the user fixed the
    settings (True) or put ``backup`` (the newest good one) in place of the file (``url``)."""
    box = QMessageBox(QMessageBox.Icon.Critical, "Shopkeeper", "Cannot open the shop database")
    box.setObjectName("cannotOpenBox")
    box.setInformativeText(reason)
    restore = None
    if backup is not None:
        restore = box.addButton("Restore the newest good backup", QMessageBox.ButtonRole.ActionRole)
        restore.setObjectName("restoreNewestBackupButton")
    change = box.addButton("Change settings…", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    if smoke_test:
        QTimer.singleShot(SMOKE_TEST_MS, box.accept)
    box.exec()
    if restore is not None and backup is not None and box.clickedButton() is restore:
        return _restore_in_place(url, backup, smoke_test=smoke_test)
    if box.clickedButton() is not change:
        return False
    from app.ui.dialogs.settings import SettingsDialog
    from app.ui.dialogs.settings_database import DatabasePage

    dialog = SettingsDialog([DatabasePage(url)])
    return dialog.exec() == QDialog.DialogCode.Accepted


def _restore_in_place(url: str, backup: Path, *, smoke_test: bool) -> Reopen:
    """Put ``backup`` in place of the file at ``url`` that could not be opened (it is kept
    aside, renamed) and open it again; if that fails, say why."""
    path = sqlite_path(url)
    assert path is not None
    try:
        aside = replace_with_backup(path, backup)
    except ShopError as error:
        return _cannot_open(str(error), url, smoke_test=smoke_test)
    log.warning("restored %s from %s; the refused file is kept as %s", path, backup, aside)
    return url
