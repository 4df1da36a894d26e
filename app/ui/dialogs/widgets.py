"""Pieces every dialog shares: the inline message bar, quantity parsing, safe service calls."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import (
    QItemSelectionModel,
    Qt,
)
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.db import Database
from app.domain.quantities import parse_quantity
from app.services.changes import Changes
from app.ui.writing import SOMETHING_WENT_WRONG as SOMETHING_WENT_WRONG
from app.ui.writing import Writer, failure_text

T = TypeVar("T")

_STYLES = {
    "error": "color: #8a1f11; background: #fdecea; border: 1px solid #f1b0a8;",
    "warning": "color: #6b4e00; background: #fff6d6; border: 1px solid #ecd58a;",
    "info": "color: #1d4a6b; background: #e8f1fa; border: 1px solid #b4d0ea;",
}


class MessageLabel(QLabel):
    """An inline message bar: hidden when empty, red-ish for errors, blue-ish for info.

    Dialogs use it instead of message boxes, so a test (or a clerk) is never stopped by a
    modal window, and the message stays next to what it is about.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dialogMessage")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.kind = ""
        self.hide()

    def show_error(self, text: str) -> None:
        self._show("error", text)

    def show_warning(self, text: str) -> None:
        self._show("warning", text)

    def show_info(self, text: str) -> None:
        self._show("info", text)

    def clear_message(self) -> None:
        self.kind = ""
        self.setText("")
        self.hide()

    def _show(self, kind: str, text: str) -> None:
        self.kind = kind
        self.setStyleSheet(f"QLabel {{ {_STYLES[kind]} border-radius: 4px; padding: 6px 8px; }}")
        self.setText(text)
        self.setAccessibleDescription(text)
        self.show()


def parse_qty(text: str | int, *, allow_zero: bool = False, what: str = "Quantity") -> int:
    """A whole number of units typed by a clerk (InvalidQuantity with a plain message)."""
    return parse_quantity(text, allow_zero=allow_zero, what=what)


def guarded(message: MessageLabel, action: Callable[[], T]) -> T | None:
    """Run a service call; show a ShopError's message inline, log a bug; None on failure."""
    try:
        return action()
    except Exception as error:  # a ShopError shown, a bug logged
        show_failure(message, error)
    return None


def show_failure(message: MessageLabel, error: Exception) -> None:
    """A ShopError in its own words; a bug logged with its traceback, shown as "something
    went wrong, nothing was saved" (also for an error a background read reports)."""
    message.show_error(failure_text(error))


def read_with(database: Database, query: Callable[[Session], T]) -> T:
    """Run a read query in its own read transaction (the result must be plain values)."""
    with database.read() as session:
        return query(session)


def set_current_cell(view: QTableView, row: int, column: int) -> None:
    """Move a table's current cell without selecting it (typing a digit then edits it)."""
    model = view.model()
    if 0 <= row < model.rowCount():
        view.selectionModel().setCurrentIndex(
            model.index(row, column), QItemSelectionModel.SelectionFlag.NoUpdate
        )


def take_scan(field: QLineEdit) -> str:
    """The code scanned or typed into ``field``, which is cleared and focused for the next."""
    code = field.text().strip()
    field.clear()
    field.setFocus()
    return code


def commit_editor(view: QAbstractItemView) -> None:
    """Save what is being typed in a cell of ``view`` (the editor commits as it loses focus)."""
    if view.state() == QAbstractItemView.State.EditingState:
        view.setFocus()


def line_field(
    name: str, *, placeholder: str = "", right: bool = False, width: int = 0
) -> QLineEdit:
    """A named text field (``name`` for tests and accessibility), right-aligned for numbers
    and amounts, at most ``width`` pixels wide when given."""
    field = QLineEdit()
    field.setObjectName(name)
    field.setPlaceholderText(placeholder)
    if right:
        field.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if width:
        field.setMaximumWidth(width)
    return field


def pick_one_row(view: QTableView) -> None:
    """A read-only table the user picks one whole row from: no editing, no row numbers, and
    Tab leaves it (arrows move between rows)."""
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)
    view.verticalHeader().hide()


def stacked(
    top: QWidget, bottom: QWidget, shares: tuple[int, int], *, collapsible: bool = True
) -> QSplitter:
    """``top`` above ``bottom``, the user dragging the line between them; extra height is
    shared in the proportion ``shares``. Not ``collapsible``: neither can be dragged shut."""
    splitter = QSplitter(Qt.Orientation.Vertical)
    splitter.setChildrenCollapsible(collapsible)
    splitter.addWidget(top)
    splitter.addWidget(bottom)
    splitter.setStretchFactor(0, shares[0])
    splitter.setStretchFactor(1, shares[1])
    return splitter


def tab_order(*widgets: QWidget) -> None:
    """Tab moves through ``widgets`` in this order."""
    for first, second in itertools.pairwise(widgets):
        QWidget.setTabOrder(first, second)


def no_auto_default(*buttons: QAbstractButton) -> None:
    """Stop Enter (in a scan field, say) from pressing a dialog's default button."""
    for button in buttons:
        if isinstance(button, QPushButton):
            button.setAutoDefault(False)
            button.setDefault(False)


def is_plain_return(event: QKeyEvent) -> bool:
    return event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
        event.modifiers() & Qt.KeyboardModifier.ControlModifier
    )


def is_ctrl_return(event: QKeyEvent) -> bool:
    return event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and bool(
        event.modifiers() & Qt.KeyboardModifier.ControlModifier
    )


class SavingDialog(QDialog):
    """A dialog that cannot be closed (Esc, Cancel, the window's close button) while it is
    ``saving``: its data is being written off the GUI thread (``app.ui.writing``)."""

    @property
    def saving(self) -> bool:
        return False

    def reject(self) -> None:
        if not self.saving:  # never closed while its data is being saved
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.saving:
            event.ignore()
            return
        super().closeEvent(event)


class KeyboardDialog(SavingDialog):
    """A dialog where plain Enter never presses a button and Ctrl+Return runs ``submit``,
    and which saves through :meth:`save` (off the GUI thread; see ``app.ui.writing``).

    Scanners end every code with Enter; in an ordinary QDialog that Enter would press the
    default button (confirm) after the first scan.
    """

    #: The inline message bar every such dialog has (a save's failure is shown there).
    message: MessageLabel

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: After a successful write: one plain sentence saying what was done, for a status bar.
        self.outcome = ""
        self._writer = Writer(self)
        for sequence in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self._submit_from_keyboard)

    def submit(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def can_submit(self) -> bool:
        return True

    @property
    def saving(self) -> bool:
        """A save is under way (the dialog is disabled and cannot be closed)."""
        return self._writer.busy

    def save(
        self,
        database: Database,
        write: Callable[[Session], T],
        *,
        label: str,
        done: Callable[[T], None],
        failed: Callable[[Exception], None] | None = None,
        changes: Callable[[T], Changes] | None = None,
    ) -> None:
        """Run ``write`` off the GUI thread (see ``app.ui.writing.run_write``); then
        ``done(result)``, or ``failed(error)`` (default: the error in the message bar). A
        second save while one runs is ignored."""
        self._writer.start(
            database,
            write,
            label=label,
            done=done,
            failed=failed or self.show_failure,
            changes=changes,
        )

    def show_failure(self, error: Exception) -> None:
        """A failed save in the message bar: a ShopError's words, or "nothing was saved"."""
        show_failure(self.message, error)

    def _submit_from_keyboard(self) -> None:
        if not self.saving and self.can_submit():
            self.submit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if is_ctrl_return(event):
            self._submit_from_keyboard()
            event.accept()
            return
        if is_plain_return(event):
            # Never press the default button by accident; Enter on a focused button presses
            # that button (buttons here are not auto-default, so they pass Enter on to us).
            focused = self.focusWidget()
            if isinstance(focused, QAbstractButton) and focused.isEnabled():
                focused.click()
            event.accept()
            return
        super().keyPressEvent(event)


def submit_buttons(
    dialog: KeyboardDialog, text: str, name: str, tip: str
) -> tuple[QDialogButtonBox, QPushButton, QPushButton]:
    """The dialog's button box: a ``text`` button that runs ``submit`` (its tooltip ``tip``,
    plus the Ctrl+Return hint) and Cancel. Returns (box, submit button, cancel button)."""
    buttons = QDialogButtonBox()
    submit = buttons.addButton(text, QDialogButtonBox.ButtonRole.AcceptRole)
    submit.setObjectName(name)
    submit.setToolTip(f"{tip} (Ctrl+Return)")
    cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
    submit.clicked.connect(dialog.submit)
    cancel.clicked.connect(dialog.reject)
    return buttons, submit, cancel


def form_dialog(
    dialog: KeyboardDialog, form: QLayout, message: QWidget, text: str, name: str, tip: str
) -> tuple[QDialogButtonBox, QPushButton, QPushButton]:
    """Lay a one-form dialog out: the form, its message line, then :func:`submit_buttons`
    (neither button a default, so Enter in a field never submits). Returns as that does."""
    buttons, submit, cancel = submit_buttons(dialog, text, name, tip)
    no_auto_default(submit, cancel)
    layout = QVBoxLayout(dialog)
    layout.addLayout(form)
    layout.addWidget(message)
    layout.addWidget(buttons)
    return buttons, submit, cancel


def plural(n: int, word: str, plural_word: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural_word or word + 's')}"


def titled_group(title: str) -> QGroupBox:
    """A group box with a bold title ("Arrived", "Who gets it"); its contents stay normal."""
    box = QGroupBox(title)
    box.setStyleSheet("QGroupBox { font-weight: bold; }")
    return box


def heading_label(text: str, name: str, scale: float = 1.45) -> QLabel:
    """A dialog's bold, larger heading (e.g. "Receive PO-00012")."""
    label = QLabel(text)
    label.setObjectName(name)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label
