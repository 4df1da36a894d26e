"""Sending the customer messages while the window is open, off the GUI thread.

Every :data:`INTERVAL_MS` (and when asked, e.g. after Retry) a plain thread reads the shop's
sending settings and, if the shop sends automatically, sends what is due
(``notifications.sender.send_due``); the outcome comes back on the GUI thread and is
announced on the event bus, so the Notifications view refreshes. One round at a time; a
read-only window never sends.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from app.db import Database
from app.services.notifications.sender import SendReport, send_due
from app.services.notifications.settings import get_notification_settings
from app.services.notifications.transports import build_transports
from app.ui import events
from app.ui.background import LatestRead

log = logging.getLogger(__name__)

#: How often an open window looks for due messages.
INTERVAL_MS = 60_000


def send_round(database: Database, *, automatic: bool) -> SendReport | None:
    """One round (on a worker thread): None when the shop does not send automatically."""
    with database.read() as session:
        settings = get_notification_settings(session)
    if automatic and not settings.send_automatically:
        return None
    return send_due(database, build_transports(settings))


class Notifier(QObject):
    """The window's sender; ``sent`` carries each round's report."""

    sent = Signal(object)

    def __init__(self, owner: QWidget, database: Database) -> None:
        super().__init__(owner)
        self.database = database
        self._reader: LatestRead[SendReport | None] = LatestRead(owner)
        self.timer = QTimer(self)
        self.timer.setObjectName("notifierTimer")
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(lambda: self.send_now(automatic=True))

    def start(self) -> None:
        self.timer.start()

    @classmethod
    def started(cls, owner: QWidget, database: Database) -> Notifier:
        notifier = cls(owner, database)
        notifier.start()
        return notifier

    @property
    def sending(self) -> bool:
        return self._reader.reading

    def send_now(self, *, automatic: bool = False) -> None:
        """Start a round unless one is under way."""
        if self._reader.reading:
            return
        database = self.database
        self._reader.start(
            lambda: send_round(database, automatic=automatic), self._done, self._failed
        )

    def _done(self, report: SendReport | None) -> None:
        if report is None:
            return
        if report.attempted:
            events.bus().announce(report.changes)
        self.sent.emit(report)

    def _failed(self, error: Exception) -> None:
        log.warning("sending customer messages failed: %s", error)
