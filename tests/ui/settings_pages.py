"""Shared by the tests of Settings pages: a page shown in the Settings dialog, and its OK."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from app.ui.dialogs.settings import SettingsDialog


def settings_with(qtbot: QtBot, page: QWidget) -> SettingsDialog:
    """The Settings dialog holding only ``page``, shown at that page."""
    dialog = SettingsDialog([page])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_page(page.title)  # type: ignore[attr-defined]
    return dialog


def press_ok(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """Click the dialog's OK, as the clerk does (the pages save off the GUI thread)."""
    buttons = dialog.findChild(QDialogButtonBox, "settingsButtons")
    assert buttons is not None
    qtbot.mouseClick(buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
