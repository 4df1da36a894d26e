"""Restore from backup…: pick a backup from a list (newest first), confirm, and it replaces
the shop's data. What it replaces is backed up first, so a restore can itself be undone by
restoring that backup. The work runs off the GUI thread; every tab re-reads afterwards."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.db.backup import BackupInfo, list_backups
from app.db.config import backup_dir_for, load_settings
from app.db.opening import backup_stem, restore_backup
from app.domain.errors import ShopError
from app.services.changes import Changes
from app.services.formatting import moment
from app.ui import events
from app.ui.background import run_in_background
from app.ui.dialogs.settings_backups import describe_size
from app.ui.dialogs.widgets import SOMETHING_WENT_WRONG, MessageLabel

log = logging.getLogger(__name__)

LABELS = {
    "daily": "Daily",
    "before-upgrade": "Before an upgrade",
    "before-restore": "Before a restore",
    "manual": "Made by hand",
}


def when(info: BackupInfo) -> str:
    return moment(info.taken_at)


class RestoreBackupDialog(QDialog):
    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("restoreBackupDialog")
        self.setWindowTitle("Restore from backup")
        self.database = database
        self.folder = backup_dir_for(database.url)
        self.keep = load_settings().keep_backups
        self.outcome = ""
        self.backups = list_backups(self.folder, backup_stem(database.url))

        intro = QLabel(
            "Choose the backup to go back to. Everything entered since it was made will be "
            "replaced; the current data is backed up first, so you can change your mind."
        )
        intro.setWordWrap(True)
        self.list = QTreeWidget()
        self.list.setObjectName("backupList")
        self.list.setHeaderLabels(["Taken", "Kind", "Size"])
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for info in self.backups:
            item = QTreeWidgetItem(
                [when(info), LABELS.get(info.label, info.label), describe_size(info.size)]
            )
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(0, str(info.path))
            self.list.addTopLevelItem(item)
        header = self.list.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(1, 150)
        header.resizeSection(2, 90)
        header.setStretchLastSection(False)
        self.message = MessageLabel()
        if not self.backups:
            self.message.show_info(f"There are no backups in {self.folder} yet.")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button = self.buttons.addButton(
            "Restore…", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.restore_button.setObjectName("restoreButton")
        self.restore_button.setEnabled(False)
        self.buttons.accepted.connect(self.confirm)
        self.buttons.rejected.connect(self.reject)
        self.list.itemSelectionChanged.connect(
            lambda: self.restore_button.setEnabled(self.selected() is not None)
        )
        self.list.itemDoubleClicked.connect(lambda _item, _column: self.confirm())
        newest = self.list.topLevelItem(0)
        if newest is not None:  # selected from the start: Restore… works from the keyboard
            self.list.setCurrentItem(newest)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(560, 380)

    def selected(self) -> BackupInfo | None:
        items = self.list.selectedItems()
        return self.backups[self.list.indexOfTopLevelItem(items[0])] if items else None

    def confirm(self) -> None:
        info = self.selected()
        if info is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Restore from backup",
            f"Go back to the backup of {when(info)}?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("confirmRestoreBox")
        box.setInformativeText(
            "Everything entered since then will be replaced. The current data is backed up "
            "first. Other tills refresh by themselves."
        )
        restore = box.addButton("Restore", QMessageBox.ButtonRole.DestructiveRole)
        restore.setObjectName("confirmRestoreButton")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(lambda button: self.restore(info) if button is restore else None)
        box.open()

    def restore(self, info: BackupInfo) -> None:
        """Restore ``info`` now, off the GUI thread (called once the clerk confirmed)."""
        self.restore_button.setEnabled(False)
        self.list.setEnabled(False)
        database, folder, keep = self.database, self.folder, self.keep
        run_in_background(
            self,
            "Restore from backup",
            "Restoring…",
            lambda progress: restore_backup(
                database, info.path, folder, keep=keep, progress=progress
            ),
            done=lambda _safety: self._restored(info),
            failed=self._failed,
        )

    def _restored(self, info: BackupInfo) -> None:
        self.outcome = f"Restored the backup of {when(info)}"
        events.bus().announce(Changes.everything())
        self.accept()

    def _failed(self, error: Exception) -> None:
        self.list.setEnabled(True)
        self.restore_button.setEnabled(True)
        if isinstance(error, ShopError):
            self.message.show_error(str(error))
        else:
            log.error("restore failed", exc_info=error)
            self.message.show_error(SOMETHING_WENT_WRONG)
