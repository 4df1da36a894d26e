"""The Messages page of Settings: which customer messages are sent, and their wording.

One template per event (subject and body with placeholders, listed beside the editor). The
preview shows the exact message for a real order, as it would be sent now, and follows the
typing (read off the GUI thread, the newest edit wins). A message can be switched on only
once its preview shows for a real order: the shop sees what its customers will get before
they get it. All templates edited are saved together, off the GUI thread.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database
from app.domain import NotificationEvent, SalesOrder
from app.services.changes import Area, Changes
from app.services.notifications.templates import (
    PLACEHOLDERS,
    Rendered,
    Template,
    check_template,
    get_templates,
    preview,
    save_template,
)
from app.ui.background import LatestRead
from app.ui.dialogs.settings_page import ShopSettingsPage, hint_label, page_heading
from app.ui.dialogs.widgets import MessageLabel
from app.ui.writing import failure_text

#: Typing pauses this long before the preview is read again.
PREVIEW_DELAY_MS = 300


class _Saved:
    """What saving several templates returns (one result for the writer's announcement)."""

    changes = Changes.of(Area.SETTINGS, Area.NOTIFICATIONS)


def _save_all(session: Session, templates: list[Template]) -> _Saved:
    for t in templates:
        save_template(session, t.event, t.subject, t.body, enabled=t.enabled)
    return _Saved()


class MessagesPage(ShopSettingsPage):
    title = "Messages"

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(database, "messagesSettingsPage", parent)
        self._saved: dict[NotificationEvent, Template] = {}
        self._edited: dict[NotificationEvent, Template] = {}
        self._current: NotificationEvent | None = None
        self._previewed = False
        self._reader: LatestRead[Rendered] = LatestRead(self)

        self.event_choice = QComboBox()
        self.event_choice.setObjectName("templateEvent")
        for event in NotificationEvent:
            self.event_choice.addItem(event.label, event)
        self.enabled = QCheckBox("&Send this message")
        self.enabled.setObjectName("templateEnabled")
        self.subject = QLineEdit()
        self.subject.setObjectName("templateSubject")
        self.body = QPlainTextEdit()
        self.body.setObjectName("templateBody")
        self.body.setTabChangesFocus(True)
        placeholders = hint_label(
            "Placeholders: "
            + "; ".join(f"{{{name}}}: {what}" for name, what in PLACEHOLDERS.items())
        )
        placeholders.setObjectName("templatePlaceholders")
        placeholders.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.order_ref = QLineEdit()
        self.order_ref.setObjectName("templatePreviewOrder")
        self.order_ref.setPlaceholderText("an order reference")
        self.preview = QPlainTextEdit()
        self.preview.setObjectName("templatePreview")
        self.preview.setReadOnly(True)
        self.preview_message = MessageLabel()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh_preview)

        top = QHBoxLayout()
        which = QLabel("&Message:")
        which.setBuddy(self.event_choice)
        top.addWidget(which)
        top.addWidget(self.event_choice, 1)
        top.addWidget(self.enabled)
        editor = QWidget()
        form = QFormLayout(editor)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("S&ubject:", self.subject)
        form.addRow("&Text:", self.body)
        form.addRow(placeholders)
        shown = QWidget()
        preview_box = QVBoxLayout(shown)
        preview_box.setContentsMargins(0, 0, 0, 0)
        order_row = QHBoxLayout()
        order_label = QLabel("&Preview for order:")
        order_label.setBuddy(self.order_ref)
        order_row.addWidget(order_label)
        order_row.addWidget(self.order_ref, 1)
        preview_box.addLayout(order_row)
        preview_box.addWidget(self.preview, 1)
        preview_box.addWidget(self.preview_message)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(editor)
        splitter.addWidget(shown)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(page_heading("Messages to customers"))
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self.event_choice.currentIndexChanged.connect(self._show_event)
        self.subject.textChanged.connect(self._typed)
        self.body.textChanged.connect(self._typed)
        self.order_ref.textChanged.connect(self._typed)
        self.enabled.toggled.connect(self._remember)

    # --- values ------------------------------------------------------------------------------

    def load(self) -> None:
        with self.database.read() as session:
            templates = get_templates(session)
            newest = session.scalar(select(SalesOrder.ref).order_by(SalesOrder.id.desc()).limit(1))
        self._saved = {t.event: t for t in templates}
        self._edited = dict(self._saved)
        self._current = None
        self.order_ref.setText(newest or "")
        self._show_event()

    def _show_event(self) -> None:
        self._remember()
        event = NotificationEvent(self.event_choice.currentData())
        template = self._edited[event]
        self._current = None  # not remembered while the fields are filled
        self.subject.setText(template.subject)
        self.body.setPlainText(template.body)
        self.enabled.setChecked(template.enabled)
        self._current = event
        self.refresh_preview()

    def _remember(self) -> None:
        if self._current is None:
            return
        self._edited[self._current] = replace(
            self._edited[self._current],
            subject=self.subject.text(),
            body=self.body.toPlainText(),
            enabled=self.enabled.isChecked(),
        )

    def _typed(self) -> None:
        self._remember()
        self._previewed = False
        self._allow_enabling()
        self._timer.start()

    def _allow_enabling(self) -> None:
        """A message is switched on only once its preview shows (switching off: always)."""
        on = self.enabled.isChecked()
        self.enabled.setEnabled(on or self._previewed)
        self.enabled.setToolTip(
            "" if on or self._previewed else "Preview it for a real order first"
        )

    # --- preview -----------------------------------------------------------------------------

    def refresh_preview(self) -> None:
        self._timer.stop()
        ref = self.order_ref.text().strip()
        event = NotificationEvent(self.event_choice.currentData())
        subject, body = self.subject.text(), self.body.toPlainText()
        self._previewed = False
        self._allow_enabling()
        if not ref:
            self.preview.clear()
            self.preview_message.show_info("Type an order reference to see its message.")
            return
        database = self.database

        def read() -> Rendered:
            with database.read() as session:
                return preview(session, event, subject, body, ref)

        self._reader.start(read, self._show_preview, self._preview_failed)

    def _show_preview(self, message: Rendered) -> None:
        attached = (
            f"\n\nAttached: {message.attachment} (the order status sheet)"
            if message.attachment
            else ""
        )
        self.preview.setPlainText(f"Subject: {message.subject}\n\n{message.body}{attached}")
        self.preview_message.clear_message()
        self._previewed = True
        self._allow_enabling()

    def _preview_failed(self, error: Exception) -> None:
        self.preview.clear()
        self.preview_message.show_error(failure_text(error))

    # --- saving ------------------------------------------------------------------------------

    def apply(self) -> None:
        """Check every edited template (InvalidInput names the wrong placeholder) and save
        the changed ones off the GUI thread."""
        self._remember()
        changed = [t for event, t in self._edited.items() if t != self._saved[event]]
        for template in changed:
            check_template(template.subject, what=f"subject of “{template.event.label}”")
            check_template(template.body, what=f"text of “{template.event.label}”")
        if not changed:
            return

        def done(_result: _Saved) -> str:
            self._saved.update({t.event: t for t in changed})
            on = [t.event.label for t in changed if t.enabled]
            return "Messages saved" + (f"; sending: {', '.join(on)}" if on else "")

        self.save(
            lambda session: _save_all(session, changed),
            label="Saving the messages…",
            done=done,
        )
