"""Live refresh: another till's changes appear in the open tabs within a second or two.

A :class:`~app.db.changes.ChangeWatcher` watches the database from a background thread; a
timer here asks it cheaply whether anything changed and, if so, announces a change of
everything on the event bus (never for this window's own changes, which it announced as it
made them), so each tab re-reads as it would after a change made here
(the visible one at once, keeping its selection; hidden ones when next shown).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from app.db import Database
from app.db.changes import ChangeWatcher
from app.services.changes import Changes
from app.ui import events

#: How often the window asks the watcher (it looks at the database about as often).
CHECK_MS = 1000


class LiveRefresh(QObject):
    #: Another till's changes were seen and announced.
    refreshed = Signal()

    def __init__(
        self, database: Database, parent: QObject | None = None, *, interval_ms: int = CHECK_MS
    ) -> None:
        super().__init__(parent)
        self.setObjectName("liveRefresh")
        # Only other tills' changes: this window announced its own as it made them.
        self.watcher = ChangeWatcher.for_database(database, interval=interval_ms / 1000)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.watcher.start()
        self.timer.start()

    def check(self) -> None:
        if self.watcher.take():
            events.bus().announce(Changes.everything())
            self.refreshed.emit()

    def stop(self) -> None:
        self.timer.stop()
        self.watcher.stop()
