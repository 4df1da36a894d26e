"""The "Backups" settings page: how many to keep, where they are, and "Back up now".

Backups are made automatically before every upgrade and once a day; this page is where a
shop owner checks that they exist and makes one before doing something risky.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.db.backup import list_backups
from app.db.config import backup_dir_for, load_settings, save_settings
from app.db.opening import backup_database, backup_stem
from app.domain.errors import BackupFailed, ShopError
from app.services.formatting import moment
from app.ui.background import run_in_background
from app.ui.dialogs.settings_page import hint_label
from app.ui.dialogs.widgets import SOMETHING_WENT_WRONG, MessageLabel

log = logging.getLogger(__name__)


def describe_size(size: int) -> str:
    """A file size as people say it: "820 KB", "12.4 MB"."""
    if size < 1024:
        return f"{size} bytes"
    amount = size / 1024
    for unit in ("KB", "MB"):
        if amount < 1024:
            return f"{amount:.0f} {unit}" if unit == "KB" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} GB"


class BackupsPage(QWidget):
    title = "Backups"

    def __init__(
        self,
        database: Database,
        *,
        settings_file: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("backupsSettingsPage")
        self.database = database
        self.settings_file = settings_file
        self.folder = backup_dir_for(database.url)

        self.keep = QSpinBox()
        self.keep.setObjectName("keepBackups")
        self.keep.setRange(1, 365)
        self.keep.setSuffix(" backups")
        self.folder_label = QLabel(str(self.folder))
        self.folder_label.setObjectName("backupFolder")
        self.folder_label.setWordWrap(True)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        open_folder = QPushButton("Open folder")
        open_folder.setObjectName("openBackupFolderButton")
        open_folder.clicked.connect(self._open_folder)
        self.summary = QLabel()
        self.summary.setObjectName("backupSummary")
        self.summary.setWordWrap(True)
        self.backup_button = QPushButton("Back up now")
        self.backup_button.setObjectName("backUpNowButton")
        self.backup_button.clicked.connect(self.back_up_now)
        self.message = MessageLabel()
        self.message.setObjectName("backupsMessage")

        form = QFormLayout()
        form.addRow("Keep the last:", self.keep)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_label, 1)
        folder_row.addWidget(open_folder)
        form.addRow("Folder:", folder_row)
        form.addRow("", self.summary)
        when = hint_label(
            "A backup is made automatically once a day and before every upgrade; the oldest "
            "are deleted beyond the number kept."
        )
        now_row = QHBoxLayout()
        now_row.addWidget(self.backup_button)
        now_row.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Backups of the shop's data</b>"))
        layout.addLayout(form)
        layout.addWidget(when)
        layout.addLayout(now_row)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def load(self) -> None:
        self.keep.setValue(load_settings(self.settings_file).keep_backups)
        self._show_summary()

    def apply(self) -> None:
        saved = load_settings(self.settings_file)
        save_settings(replace(saved, keep_backups=self.keep.value()), self.settings_file)

    def _show_summary(self) -> None:
        backups = list_backups(self.folder, backup_stem(self.database.url))
        if not backups:
            self.summary.setText("No backups yet.")
            return
        newest = moment(backups[0].taken_at)
        total = describe_size(sum(info.size for info in backups))
        count = len(backups)
        self.summary.setText(
            f"{count} {'backup' if count == 1 else 'backups'} ({total}); the newest from {newest}."
        )

    def _open_folder(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))

    def back_up_now(self) -> None:
        self.message.clear_message()
        self.backup_button.setEnabled(False)
        keep = self.keep.value()
        database, folder = self.database, self.folder
        run_in_background(
            self,
            "Back up now",
            "Backing up the shop's data…",
            lambda progress: backup_database(
                database, folder, label="manual", keep=keep, progress=progress
            ),
            done=self._backed_up,
            failed=self._failed,
        )

    def _backed_up(self, path: object) -> None:
        self.backup_button.setEnabled(True)
        assert isinstance(path, Path)
        self.message.show_info(f"Backed up to {path.name}.")
        self._show_summary()

    def _failed(self, error: Exception) -> None:
        self.backup_button.setEnabled(True)
        if isinstance(error, BackupFailed):  # it says so itself
            self.message.show_error(str(error))
        elif isinstance(error, ShopError | OSError):
            self.message.show_error(f"The backup could not be made: {error}")
        else:
            log.error("backup failed", exc_info=error)
            self.message.show_error(SOMETHING_WENT_WRONG)
