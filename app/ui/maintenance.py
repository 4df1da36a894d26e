"""The window's commands for the database as a whole: Settings…, Back up now, and the warning
about a shop file on a network share. Kept out of ``main_window`` so that stays a thin shell;
the work itself is in ``app.db`` (backups, settings) and runs off the GUI thread."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from app.db.config import LocalSettings, load_settings, save_settings
from app.db.opening import backup_database, sqlite_path
from app.db.paths import network_filesystem
from app.domain.errors import BackupFailed, ShopError
from app.ui.background import run_in_background
from app.ui.dialog_opening import READ_ONLY_MESSAGE, keep_layout_and_focus

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)


def open_settings(window: MainWindow, page: str = "") -> None:
    """Open Settings (on ``page`` if given); after OK, offer to switch databases if asked."""
    from app.ui.dialogs.settings import SettingsDialog, extra_pages
    from app.ui.dialogs.settings_backups import BackupsPage
    from app.ui.dialogs.settings_database import DatabasePage
    from app.ui.dialogs.settings_goodwill import GoodwillPage
    from app.ui.dialogs.settings_messages import MessagesPage
    from app.ui.dialogs.settings_notifications import NotificationsPage
    from app.ui.dialogs.settings_priority import QueuePriorityPage
    from app.ui.dialogs.settings_shop import ShopPage
    from app.ui.dialogs.settings_users import UsersPage

    database = window.database
    priority = QueuePriorityPage(database)
    shop = ShopPage(database)
    goodwill = GoodwillPage(database)
    users = UsersPage(database)
    notifications = NotificationsPage(database)
    messages = MessagesPage(database)
    if window.read_only:
        # The queue policy, the shop pages and the users are the whole shop's: shown only.
        for shared in (priority, shop, goodwill, users, notifications, messages):
            shared.setEnabled(False)
            shared.setToolTip(READ_ONLY_MESSAGE)
    pages = [
        DatabasePage(database.url),
        BackupsPage(database),
        priority,
        shop,
        goodwill,
        users,
        notifications,
        messages,
    ]
    dialog = SettingsDialog([*pages, *extra_pages(database)], window)
    if page:
        dialog.show_page(page)

    def saved() -> None:
        window.show_message(dialog.outcome)
        if dialog.needs_reopen:
            _offer_reopen(window)

    dialog.accepted.connect(saved)
    # Users are saved as each button is pressed, so even Cancel may leave new ones.
    dialog.finished.connect(lambda _result: window.till_lock.users_changed())
    dialog.finished.connect(dialog.deleteLater)
    keep_layout_and_focus(dialog, window)
    dialog.open()


def _offer_reopen(window: MainWindow) -> None:
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Settings",
        "Open the new shop database now?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        window,
    )
    box.setObjectName("reopenBox")
    box.setInformativeText(
        "The window closes and opens again on the database you chose. "
        "If you choose No, it opens the next time Shopkeeper starts."
    )
    box.button(QMessageBox.StandardButton.Yes).setText("Open now")
    box.button(QMessageBox.StandardButton.No).setText("Next time")
    box.finished.connect(
        lambda result: (
            window.reopen_requested.emit() if result == QMessageBox.StandardButton.Yes else None
        )
    )
    box.open()


def back_up_now(window: MainWindow) -> None:
    database = window.database
    keep = load_settings().keep_backups
    window.backup_action.setEnabled(False)

    def done(path: object) -> None:
        window.backup_action.setEnabled(True)
        assert isinstance(path, Path)
        window.show_message(f"Backed up to {path}")

    def failed(error: Exception) -> None:
        window.backup_action.setEnabled(True)
        if not isinstance(error, ShopError | OSError):
            log.error("backup failed", exc_info=error)
        window.show_message(
            str(error)
            if isinstance(error, BackupFailed)
            else f"The backup could not be made: {error}"
        )

    run_in_background(
        window,
        "Back up now",
        "Backing up the shop's data…",
        lambda progress: backup_database(database, label="manual", keep=keep, progress=progress),
        done=done,
        failed=failed,
    )


def warn_if_on_network_share(
    window: MainWindow, settings_file: Path | None = None, *, fstype: str | None = None
) -> bool:
    """Show a banner if the shop file is on a network share (until "Don't warn again");
    return whether it was shown. ``fstype`` stands in for the detection in tests."""
    path = sqlite_path(window.database.url)
    if path is None:
        return False
    kind = fstype or network_filesystem(path)
    settings = load_settings(settings_file)
    key = str(path.resolve())
    if kind is None or key in settings.dismissed_network_warnings:
        return False
    banner = window.show_banner(
        f"The shop file is on a network share ({kind}). SQLite cannot lock files reliably "
        "there, so two computers using it at once can damage it. For several tills, use a "
        "shared database server instead (Settings…, Database page).",
        kind="warning",
    )
    banner.setObjectName("networkShareBanner")
    banner.add_action("Settings…", lambda: window.open_settings("Database"))

    def never_again() -> None:
        current = load_settings(settings_file)
        save_settings(
            replace(
                current,
                dismissed_network_warnings=(*current.dismissed_network_warnings, key),
            ),
            settings_file,
        )

    banner.add_action("Don't warn again", never_again, name="dismissNetworkWarning", dismisses=True)
    return True


__all__ = ["LocalSettings", "back_up_now", "open_settings", "warn_if_on_network_share"]
