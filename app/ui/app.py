"""Starting the window: the QApplication, the database, the main window and crash handling."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.db import Database, open_database
from app.db.opening import backup_if_due
from app.db.paths import log_dir
from app.domain.errors import DatabaseError
from app.ui.style import apply_style

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


def _daily_backup(database: Database) -> None:
    try:
        made = backup_if_due(database)
    except Exception:  # a failed backup must never take the shop down; it is logged
        log.exception("daily backup failed")
    else:
        if made is not None:
            log.info("daily backup written to %s", made)


def _fill_missing_etas(database: Database) -> None:
    """Waiting lines with no ETA yet (a shop just upgraded, a bulk import) get theirs."""
    from app.services.eta import fill_missing_etas
    from app.ui import events

    try:
        with database.write() as session:
            changes = fill_missing_etas(session)
    except Exception:  # ETAs are a convenience: never take the shop down over them
        log.exception("filling missing ETAs failed")
        return
    if changes.updated:
        log.info("ETAs filled for %d waiting lines", changes.updated)
        events.bus().announce(frozenset({events.BACKORDERS, events.ORDERS}))


def run_gui(database_url: str, *, smoke_test: bool = False, argv: list[str] | None = None) -> int:
    """Open the shop database at ``database_url`` in the main window; return the exit code."""
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

    try:
        database = open_database(database_url, daily_backup=False)
    except DatabaseError as error:
        log.warning("cannot open %s: %s", database_url, error)
        box = QMessageBox(QMessageBox.Icon.Critical, "Shopkeeper", "Cannot open the shop database")
        box.setInformativeText(str(error))
        if smoke_test:
            QTimer.singleShot(SMOKE_TEST_MS, box.accept)
        box.exec()
        return 1

    from app.ui.main_window import MainWindow

    window = MainWindow(database)
    window.resize(1200, 760)
    window.show()
    QTimer.singleShot(0, lambda: _fill_missing_etas(database))
    # Today's backup of a big file takes a second or more: make it once the window is up.
    backup = threading.Thread(target=_daily_backup, args=(database,), name="daily-backup")
    QTimer.singleShot(0, backup.start)
    if smoke_test:
        QTimer.singleShot(SMOKE_TEST_MS, app.quit)
    try:
        return app.exec()
    finally:
        if backup.is_alive():
            backup.join()
        window.close()
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        database.dispose()
