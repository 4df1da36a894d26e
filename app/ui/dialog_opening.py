"""Opening a dialog over the window without blocking it: imported when first needed, at its
size of last time, with the keyboard given back where it was when it closes; in a read-only
window only the dialogs worth looking at open, with their saving buttons disabled.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any, cast

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QWidget

from app.db import Database
from app.domain.errors import ShopError
from app.ui import window_state

log = logging.getLogger(__name__)

#: What a read-only window says when asked for something that changes the shop.
READ_ONLY_MESSAGE = "Read-only window: open Shopkeeper's other window to change this"

#: Dialogs (``app.ui.dialogs.<module>``) worth looking at in a read-only window: they open
#: with their saving buttons disabled. Every other dialog only changes the shop, so a
#: read-only window does not open it (saving would only fail).
LOOK_ONLY_DIALOGS = frozenset(
    {"check_database", "settings_priority", "order_detail", "history", "notifications_view"}
)


def open_dialog(
    parent: QWidget,
    database: Database,
    module: str,
    name: str,
    *args: Any,
    report: Callable[[str], None],
    read_only: bool = False,
) -> QDialog | None:
    """Open ``app.ui.dialogs.<module>.<name>(database, *args, parent=parent)`` without blocking.

    The dialog is imported when first needed; the dialog announces its own changes on the bus.
    When it is accepted, its ``outcome`` (one sentence saying what was done) is reported.
    In a ``read_only`` window only the dialogs of ``LOOK_ONLY_DIALOGS`` open, with their
    saving buttons disabled; for any other, ``READ_ONLY_MESSAGE`` is reported instead.
    """
    if read_only and module not in LOOK_ONLY_DIALOGS:
        report(READ_ONLY_MESSAGE)
        return None
    try:
        factory = getattr(importlib.import_module(f"app.ui.dialogs.{module}"), name)
    except (ImportError, AttributeError):
        log.exception("dialog %s.%s is missing", module, name)
        report("That window is not available in this version of Shopkeeper")
        return None
    try:
        dialog = factory(database, *args, parent=parent)
    except ShopError as error:
        report(str(error))
        return None
    if read_only:
        disable_saving(dialog)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: _report_outcome(dialog, report))
    keep_layout_and_focus(dialog, parent)
    dialog.open()
    return cast(QDialog, dialog)


def keep_layout_and_focus(dialog: QDialog, parent: QWidget) -> None:
    """Open ``dialog`` at its size of last time (fitted to the screen), remember its size when
    it closes, and give the keyboard back to where it was then (call before ``open()``)."""
    window_state.restore_dialog_size(dialog)
    dialog.finished.connect(lambda _result: window_state.remember_dialog_size(dialog))
    return_focus_after(dialog, parent)


def return_focus_after(dialog: QDialog, parent: QWidget) -> None:
    """When ``dialog`` closes, the keyboard goes back where it was (the table, on its row),
    or else to ``parent``'s window."""
    focus = QApplication.focusWidget()
    if focus is None or focus.window() is not parent.window():
        focus = parent.focusWidget() or getattr(parent, "table", None) or parent

    def back() -> None:
        target = focus if shiboken6.isValid(focus) else None
        if target is None or not target.isVisible():
            return
        target.window().activateWindow()
        target.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    # After the dialog is gone (Qt gives the focus back to the window in between).
    dialog.finished.connect(lambda _result: QTimer.singleShot(0, back))


def disable_saving(dialog: QWidget) -> None:
    """Disable a dialog's buttons that would save (OK, Apply, Save, Yes...), leaving Close,
    Cancel, Help and its other actions (Copy report) alone. Only for dialogs that never
    enable those buttons again themselves (``LOOK_ONLY_DIALOGS``)."""
    saving = {
        QDialogButtonBox.ButtonRole.AcceptRole,
        QDialogButtonBox.ButtonRole.ApplyRole,
        QDialogButtonBox.ButtonRole.YesRole,
    }
    for box in dialog.findChildren(QDialogButtonBox):
        for button in box.buttons():
            if box.buttonRole(button) in saving:
                button.setEnabled(False)
                button.setToolTip(READ_ONLY_MESSAGE)


def _report_outcome(dialog: QDialog, report: Callable[[str], None]) -> None:
    outcome = getattr(dialog, "outcome", "")
    if isinstance(outcome, str) and outcome:
        report(outcome)
