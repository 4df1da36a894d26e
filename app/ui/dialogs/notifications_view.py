"""View > Notifications…: the customer messages waiting, sent and failed, with Retry.

Filters (status, message, an order or customer) re-query the database; the table pages by
key as it scrolls, every page and the counts read off the GUI thread (a big outbox never
freezes the window). Retry puts the selected failed messages back to be sent and starts a
round of sending at once; "Send now" sends what is due. Both run off the GUI thread; the
window's own sender (``app.ui.notifier``) keeps sending every minute while it is open.
Selecting a row shows its message as it was (or will be) sent.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.domain import NotificationEvent, NotificationStatus
from app.services.changes import Area, Changes
from app.services.notifications import sender
from app.services.notifications.listing import count_by_status, message_of
from app.services.notifications.sender import SendReport
from app.ui import events
from app.ui.background import LatestRead
from app.ui.dialogs.widgets import MessageLabel, heading_label, stacked
from app.ui.models.notifications_model import NotificationsModel
from app.ui.notifier import Notifier
from app.ui.writing import Writer, failure_text

E = TypeVar("E", NotificationStatus, NotificationEvent)


def _as(kind: type[E], value: object) -> E | None:
    """A combo box's item data back as its enum (Qt hands a StrEnum back as a plain str)."""
    return None if value is None else kind(str(value))


class NotificationsDialog(QDialog):
    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notificationsDialog")
        self.setWindowTitle("Notifications")
        self.database = database
        self.writer = Writer(self)
        self._message_reader: LatestRead[tuple[str, str] | None] = LatestRead(self)
        self._counts_reader: LatestRead[dict[NotificationStatus, int]] = LatestRead(
            self, one_at_a_time=True
        )
        #: "Send now" and Retry send at once, beside the window's own timed sender.
        self.send_round = Notifier(self, database)
        self.send_round.sent.connect(self._sent)

        self.status = QComboBox()
        self.status.setObjectName("notificationStatusFilter")
        self.status.addItem("All messages", None)
        for status in NotificationStatus:
            self.status.addItem(status.label, status)
        self.event_choice = QComboBox()
        self.event_choice.setObjectName("notificationEventFilter")
        self.event_choice.addItem("Every kind", None)
        for event in NotificationEvent:
            self.event_choice.addItem(event.label, event)
        self.search = QLineEdit()
        self.search.setObjectName("notificationSearch")
        self.search.setPlaceholderText("Order or customer…")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self._filter)
        filters = QHBoxLayout()
        show = QLabel("&Show:")
        show.setBuddy(self.status)
        filters.addWidget(show)
        filters.addWidget(self.status)
        filters.addWidget(self.event_choice)
        filters.addWidget(self.search, 1)

        self.model = NotificationsModel(database, self)
        self.table = QTableView()
        self.table.setObjectName("notificationsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)  # one line a row; a long error shows in its tooltip
        for number, column in enumerate(self.model.columns):
            self.table.setColumnWidth(number, column.width)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.preview = QPlainTextEdit()
        self.preview.setObjectName("notificationMessage")
        self.preview.setReadOnly(True)
        self.preview.setPlaceholderText("Select a message to see it as it was sent.")
        splitter = stacked(self.table, self.preview, (3, 1))

        self.counts = QLabel()
        self.counts.setObjectName("notificationCounts")
        self.reading = QLabel("Reading the messages…")
        self.reading.setObjectName("notificationsReading")
        self.reading.setProperty("role", "hint")
        self.reading.hide()
        self.message = MessageLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.retry_button = QPushButton("&Retry")
        self.retry_button.setObjectName("retryNotificationsButton")
        self.retry_button.setToolTip("Send the selected failed messages again")
        self.retry_button.setEnabled(False)
        self.send_button = QPushButton("Send &now")
        self.send_button.setObjectName("sendNotificationsButton")
        self.send_button.setToolTip("Send every message that is due now")
        buttons.addButton(self.retry_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.counts)
        bottom.addWidget(self.reading, 1)
        bottom.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(heading_label("Customer messages", "notificationsTitle", 1.3))
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        layout.addLayout(bottom)
        self.resize(1080, 560)

        self.status.currentIndexChanged.connect(self._filter)
        self.event_choice.currentIndexChanged.connect(self._filter)
        self.search.textChanged.connect(self._search_timer.start)
        self.retry_button.clicked.connect(self.retry)
        self.send_button.clicked.connect(self.send_now)
        selection = self.table.selectionModel()
        selection.selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._selection_changed)
        self.model.loadingChanged.connect(self._loading)
        self.model.loadFailed.connect(self.message.show_error)
        events.bus().data_changed.connect(self._data_changed)
        self.refresh()

    def show_status(self, status: NotificationStatus | None) -> None:
        self.status.setCurrentIndex(self.status.findData(status))

    def refresh(self) -> None:
        """Read the table and the counts again, both off the GUI thread."""
        self.model.reload()
        database = self.database

        def count() -> dict[NotificationStatus, int]:
            with database.read() as session:
                return count_by_status(session)

        self._counts_reader.start(count, self._show_counts, self._read_failed)

    def _show_counts(self, counts: dict[NotificationStatus, int]) -> None:
        self.counts.setText(
            " · ".join(f"{counts[s]:,} {s.label.lower()}" for s in NotificationStatus)
        )
        # An empty outbox is usually a shop that has not turned messages on: say where.
        self.preview.setPlaceholderText(
            "Select a message to see it as it was sent."
            if any(counts.values())
            else "No messages yet. Customers are told about their orders once a message is "
            "turned on (Settings > Messages) and the shop's e-mail server or webhook is set "
            "(Settings > Notifications)."
        )

    def _read_failed(self, error: Exception) -> None:
        self.message.show_error(failure_text(error))

    def _loading(self, reading: bool) -> None:
        self.reading.setVisible(reading)

    def _filter(self) -> None:
        self.model.set_query(
            status=_as(NotificationStatus, self.status.currentData()),
            event=_as(NotificationEvent, self.event_choice.currentData()),
            text=self.search.text().strip(),
        )
        self._selection_changed()

    def _data_changed(self, changes: Changes) -> None:
        if changes.touches(Area.NOTIFICATIONS) and self.isVisible():
            self.refresh()

    def selected_ids(self, *, failed_only: bool = False) -> list[int]:
        ids: list[int] = []
        for index in self.table.selectionModel().selectedRows():
            row = self.model.row_at(index.row())
            if row is not None and (not failed_only or row.status is NotificationStatus.FAILED):
                ids.append(row.id)
        return ids

    def _selection_changed(self) -> None:
        self.retry_button.setEnabled(bool(self.selected_ids(failed_only=True)))
        ids = self.selected_ids()
        if len(ids) != 1:
            self.preview.clear()
            return
        database, notification_id = self.database, ids[0]

        def read() -> tuple[str, str] | None:
            with database.read() as session:
                return message_of(session, notification_id)

        self._message_reader.start(read, self._show_message, lambda _error: None)

    def _show_message(self, message: tuple[str, str] | None) -> None:
        if message is None:
            self.preview.setPlainText("(Written when it is first sent.)")
        else:
            self.preview.setPlainText(f"Subject: {message[0]}\n\n{message[1]}")

    def retry(self) -> None:
        ids = self.selected_ids(failed_only=True)
        if not ids:
            return
        self.writer.start(
            self.database,
            lambda session: sender.retry(session, ids),
            label="Putting the messages back to send…",
            done=lambda _report: self._retried(len(ids)),
            failed=lambda error: self.message.show_error(failure_text(error)),
        )

    def _retried(self, count: int) -> None:
        self.message.show_info(f"{count:,} message{'s' if count != 1 else ''} will be sent again")
        self.send_now()

    def send_now(self) -> None:
        if self.send_round.sending:
            return
        self.message.show_info("Sending what is due…")
        self.send_round.send_now()

    def _sent(self, report: SendReport) -> None:
        self.message.show_info(report.summary())
        self.refresh()
