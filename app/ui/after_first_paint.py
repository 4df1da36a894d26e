"""Start-up work the first frame need not wait for: the network-share check, the missing-ETA
check and today's backup, started just after the main window first paints (each slow one on
a thread, never holding the window up)."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from app import collector
from app.db import Database
from app.db.opening import backup_if_due
from app.domain.errors import BackupFailed
from app.services.changes import NO_CHANGES, Changes

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

#: Work deferred until the window's first paint starts this long after showing it at the
#: latest (a window started minimised may not paint).
FIRST_PAINT_WAIT_MS = 1000


def _daily_backup(database: Database, keep: int) -> str | None:
    """Make today's backup if due; return what to tell the user if it failed (the shop
    goes on either way: a failed backup must never take it down)."""
    try:
        made = backup_if_due(database, keep=keep)
    except BackupFailed as error:  # a full disk, a read-only folder...
        log.warning("daily backup failed: %s", error)
        return error.daily_warning()
    except Exception:
        log.exception("daily backup failed")
        return BackupFailed("something went wrong (the details are in the log)").daily_warning()
    if made is not None:
        log.info("daily backup written to %s", made)
    return None


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
        with collector.paused():  # a bulk write in a thread: no collector pass meanwhile
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
    #: Today's backup failed (why, in words): a banner says so (on the GUI thread).
    backup_failed = Signal(str)

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
            self.threads.append(
                threading.Thread(target=self._fill_etas, args=(database,), name="eta-fill")
            )
        # A file this computer cannot write is still backed up (into a folder it can, or a
        # banner says why not); a second copy's window leaves that to the first.
        if not read_only or database.read_only_reason is not None:
            self.threads.append(
                threading.Thread(
                    target=self._back_up, args=(database, keep_backups), name="daily-backup"
                )
            )
        self.etas_filled.connect(self._announce_etas)
        self.backup_failed.connect(self._warn_backup_failed)
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
        # Start-up's objects are never scanned by the cycle collector again: its passes,
        # wherever they run, hold the GIL and stall this thread (see app.collector).
        collector.freeze_start_up()
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

    def _back_up(self, database: Database, keep: int) -> None:
        warning = _daily_backup(database, keep)
        if warning is not None:
            self.backup_failed.emit(warning)  # queued: delivered on the GUI thread

    def _warn_backup_failed(self, warning: str) -> None:
        banner = self.window.show_banner(warning, kind="warning")
        banner.setObjectName("backupFailedBanner")

    def _announce_etas(self, changes: Changes) -> None:
        from app.ui import events

        events.bus().announce(changes)
