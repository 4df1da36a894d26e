"""Starting the window: the QApplication, the database, the main window and crash handling.

Start-up order: the settings (which database), the single-instance lock on a local file (a
second copy offers a read-only window), opening (migration), the window with its first tab's
rows and live refresh from other tills. Only once the window has painted: the network-share
check, and on threads the missing-ETA check (it reads every waiting line) and today's backup.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
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

from app.db import Database, open_database
from app.db.config import LocalSettings, PasswordStore, load_settings
from app.db.instance_lock import InstanceLock
from app.db.opening import backup_if_due, sqlite_path
from app.db.paths import log_dir
from app.domain.errors import DatabaseError
from app.services.changes import NO_CHANGES, Changes
from app.ui.style import apply_style

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

#: How long ``--smoke-test`` keeps the window open before quitting.
SMOKE_TEST_MS = 1500
#: Work deferred until the window's first paint starts this long after showing it at the
#: latest (a window started minimised may not paint).
FIRST_PAINT_WAIT_MS = 1000
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


def _daily_backup(database: Database, keep: int) -> None:
    try:
        made = backup_if_due(database, keep=keep)
    except Exception:  # a failed backup must never take the shop down; it is logged
        log.exception("daily backup failed")
    else:
        if made is not None:
            log.info("daily backup written to %s", made)


def _fill_missing_etas(database: Database) -> Changes:
    """Waiting lines with no ETA yet (a shop just upgraded, a bulk import) get theirs; return
    what that changed, as the service says. No Qt: it runs on a thread. The check is a read
    (~70 ms for 100k waiting lines), so a shop with nothing missing takes no write lock and,
    on a server, does not make every other till refresh."""
    from app.services.eta import fill_missing_etas, products_missing_etas

    try:
        with database.read() as session:
            if not products_missing_etas(session):
                return NO_CHANGES
        filled = database.run(fill_missing_etas)
    except Exception:  # ETAs are a convenience: never take the shop down over them
        log.exception("filling missing ETAs failed")
        return NO_CHANGES
    if filled.updated:
        log.info("ETAs filled for %d waiting lines", filled.updated)
    return filled.changes


class AfterFirstPaint(QObject):
    """Start-up work the first frame need not wait for, started just after ``window`` first
    paints (or after ``FIRST_PAINT_WAIT_MS`` if it never does, e.g. started minimised): the
    network-share check (a subprocess on macOS), then, unless read-only, the missing-ETA
    check and today's backup (a second or more for a big file), each on a thread."""

    #: The ETA thread filled some (the :class:`Changes` it made): the tabs showing ETAs
    #: re-read (on the GUI thread).
    etas_filled = Signal(object)

    def __init__(
        self, window: MainWindow, database: Database, *, keep_backups: int, read_only: bool
    ) -> None:
        super().__init__(window)
        self.setObjectName("afterFirstPaint")
        self.window = window
        app = QApplication.instance()
        assert app is not None
        self.app: QCoreApplication = app
        self.started = False
        self.threads: list[threading.Thread] = []
        if not read_only:
            self.threads = [
                threading.Thread(target=self._fill_etas, args=(database,), name="eta-fill"),
                threading.Thread(
                    target=_daily_backup, args=(database, keep_backups), name="daily-backup"
                ),
            ]
        self.etas_filled.connect(self._announce_etas)
        self.app.installEventFilter(self)
        QTimer.singleShot(FIRST_PAINT_WAIT_MS, self, self.start)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            not self.started
            and event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and watched.window() is self.window
        ):
            self.started = True
            QTimer.singleShot(0, self, self._start_now)  # once this paint is done
        return False

    def start(self) -> None:
        if not self.started:
            self.started = True
            self._start_now()

    def _start_now(self) -> None:
        self.app.removeEventFilter(self)
        from app.ui.maintenance import warn_if_on_network_share

        warn_if_on_network_share(self.window)
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        """Wait for the threads (before the database is disposed of)."""
        for thread in self.threads:
            if thread.is_alive():
                thread.join()

    def _fill_etas(self, database: Database) -> None:
        changes = _fill_missing_etas(database)
        if changes:
            self.etas_filled.emit(changes)  # queued: delivered on the GUI thread

    def _announce_etas(self, changes: Changes) -> None:
        from app.ui import events

        events.bus().announce(changes)


def run_gui(
    database_url: str | None, *, smoke_test: bool = False, argv: list[str] | None = None
) -> int:
    """Open the shop database at ``database_url`` (None: the one the settings name) in the
    main window; return the exit code. When Settings switch databases, the window closes and
    opens again on the new one, in the same process."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Shopkeeper")
    app.setApplicationDisplayName("Shopkeeper")
    app.setOrganizationName(ORGANIZATION)
    app.setDesktopFileName("shopkeeper")
    icon_file = resource_path("icon.png")
    if icon_file.is_file():
        app.setWindowIcon(QIcon(str(icon_file)))
    apply_style(app)
    log_file = setup_logging()
    install_excepthook(log_file)

    url = database_url
    while True:
        code, reopen = _run_window(app, url, smoke_test=smoke_test)
        if not reopen:
            return code
        url = None  # the settings name the database from now on


def _run_window(app: QApplication, url: str | None, *, smoke_test: bool) -> tuple[int, bool]:
    """One window on one database: (exit code, whether to open again on the settings')."""
    settings = load_settings()
    if url is None:
        url = _url_from_settings(settings)
        if url is None:
            return 1, False
    lock = _lock_for(url)
    read_only = False
    if lock is not None and not lock.acquire():
        if not _ask_read_only(lock, smoke_test=smoke_test):
            return 0, False
        read_only, lock = True, None
    try:
        database = open_database(
            url, daily_backup=False, keep_backups=settings.keep_backups, read_only=read_only
        )
    except DatabaseError as error:
        if lock is not None:
            lock.release()
        log.warning("cannot open %s: %s", make_url(url).render_as_string(), error)
        return 1, _cannot_open(str(error), url, smoke_test=smoke_test)

    from app.ui.live_refresh import LiveRefresh
    from app.ui.main_window import MainWindow

    window = MainWindow(database, read_only=read_only)
    window.resize(1200, 760)
    live = LiveRefresh(database, window)
    reopen = False

    def request_reopen() -> None:
        nonlocal reopen
        reopen = True
        app.exit(0)

    window.reopen_requested.connect(request_reopen)
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
        database.dispose()
        if lock is not None:
            lock.release()


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
    box = QMessageBox(QMessageBox.Icon.Information, "Shopkeeper", "This shop is already open")
    box.setObjectName("alreadyOpenBox")
    box.setInformativeText(
        f"{lock.holder()} has {lock.database.name} open on this computer. Only one window "
        "can change the shop at a time: switch to that one, or open a read-only window here "
        "to look things up."
    )
    read_only = box.addButton("Open read-only", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(read_only)
    if smoke_test:
        QTimer.singleShot(SMOKE_TEST_MS, box.reject)
    box.exec()
    return box.clickedButton() is read_only


def _cannot_open(reason: str, url: str, *, smoke_test: bool) -> bool:
    """Say why the database cannot be opened; True if the user fixed the settings and wants
    to try again."""
    box = QMessageBox(QMessageBox.Icon.Critical, "Shopkeeper", "Cannot open the shop database")
    box.setObjectName("cannotOpenBox")
    box.setInformativeText(reason)
    change = box.addButton("Change settings…", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    if smoke_test:
        QTimer.singleShot(SMOKE_TEST_MS, box.accept)
    box.exec()
    if box.clickedButton() is not change:
        return False
    from app.ui.dialogs.settings import SettingsDialog
    from app.ui.dialogs.settings_database import DatabasePage

    dialog = SettingsDialog([DatabasePage(url)])
    return dialog.exec() == QDialog.DialogCode.Accepted
