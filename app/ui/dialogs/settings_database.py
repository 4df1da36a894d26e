"""The "Database" settings page: a file on this computer, or a shared PostgreSQL server.

Only where to find the database is saved in the settings file; the server password goes to
the operating system's keyring (or, on a computer without one, is kept until the app quits
and asked for at the next start: the page says which). "Test connection" connects without
changing anything and says in plain words what switching would do.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import make_url

from app.db.config import LocalSettings, PasswordStore, ServerSettings, load_settings, save_settings
from app.db.opening import probe_database
from app.domain.errors import ShopError
from app.ui.background import run_in_background
from app.ui.dialogs.widgets import SOMETHING_WENT_WRONG, MessageLabel


def same_database(first: str, second: str) -> bool:
    """Whether two URLs name the same database (passwords aside)."""
    return make_url(first).set(password=None) == make_url(second).set(password=None)


class DatabasePage(QWidget):
    title = "Database"

    def __init__(
        self,
        current_url: str,
        *,
        settings_file: Path | None = None,
        passwords: PasswordStore | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("databaseSettingsPage")
        self.current_url = current_url
        self.settings_file = settings_file
        self.passwords = passwords or PasswordStore()
        self.needs_reopen = False

        self.file_choice = QRadioButton("A file on this computer")
        self.file_choice.setObjectName("databaseModeFile")
        self.server_choice = QRadioButton("A shared database server (PostgreSQL)")
        self.server_choice.setObjectName("databaseModeServer")
        modes = QButtonGroup(self)
        modes.addButton(self.file_choice)
        modes.addButton(self.server_choice)
        self.file_choice.toggled.connect(self._mode_changed)

        self.file_path = QLineEdit()
        self.file_path.setObjectName("databaseFilePath")
        self.file_path.setPlaceholderText("The default shop file")
        browse = QPushButton("Browse…")
        browse.setObjectName("databaseBrowseButton")
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_path, 1)
        file_row.addWidget(browse)
        self.file_box = QGroupBox("File")
        file_layout = QVBoxLayout(self.file_box)
        file_layout.addLayout(file_row)
        hint = QLabel("One till on one computer. Backups go to a “backups” folder beside it.")
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        file_layout.addWidget(hint)

        self.host = QLineEdit()
        self.host.setObjectName("serverHost")
        self.host.setPlaceholderText("e.g. shop-server or 192.168.1.20")
        self.port = QSpinBox()
        self.port.setObjectName("serverPort")
        self.port.setRange(1, 65535)
        self.port.setMaximumWidth(100)
        self.database = QLineEdit()
        self.database.setObjectName("serverDatabase")
        self.user = QLineEdit()
        self.user.setObjectName("serverUser")
        self.password = QLineEdit()
        self.password.setObjectName("serverPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.keyring_note = QLabel()
        self.keyring_note.setObjectName("keyringNote")
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setStyleSheet("color: palette(placeholder-text);")
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("testConnectionButton")
        self.test_button.clicked.connect(self.test_connection)
        self.server_box = QGroupBox("Server")
        form = QFormLayout()
        form.addRow("Server:", self.host)
        form.addRow("Port:", self.port)
        form.addRow("Database:", self.database)
        form.addRow("User:", self.user)
        form.addRow("Password:", self.password)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        form.addRow("", test_row)
        # Below the form, not in it: a wrapped label in a form row gets too little height.
        server_layout = QVBoxLayout(self.server_box)
        server_layout.addLayout(form)
        server_layout.addWidget(self.keyring_note)

        self.message = MessageLabel()
        self.message.setObjectName("databaseSettingsMessage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Where the shop's data is kept</b>"))
        layout.addWidget(self.file_choice)
        layout.addWidget(self.server_choice)
        layout.addWidget(self.file_box)
        layout.addWidget(self.server_box)
        layout.addWidget(self.message)
        layout.addStretch(1)

    # --- the page protocol -----------------------------------------------------------------

    def load(self) -> None:
        settings = load_settings(self.settings_file)
        self.file_path.setText(settings.file)
        server = settings.server
        self.host.setText(server.host)
        self.port.setValue(server.port)
        self.database.setText(server.database)
        self.user.setText(server.user)
        self.password.setText(self.passwords.get(server) or "" if server.host else "")
        (self.server_choice if settings.mode == "server" else self.file_choice).setChecked(True)
        self._mode_changed()
        if self.passwords.available():
            self.keyring_note.setText(
                f"The password is kept in this computer's keyring "
                f"({self.passwords.backend_name()}), never in a settings file."
            )
        else:
            self.keyring_note.setText(
                "This computer has no password keyring, so the password is not saved: "
                "Shopkeeper asks for it each time it starts."
            )

    def apply(self) -> None:
        settings = self.chosen_settings()
        if settings.mode == "server":
            self.passwords.set(settings.server, self.password.text())
        saved = load_settings(self.settings_file)
        save_settings(
            replace(saved, mode=settings.mode, file=settings.file, server=settings.server),
            self.settings_file,
        )
        self.needs_reopen = not same_database(settings.database_url(), self.current_url)

    # --- behaviour -------------------------------------------------------------------------

    def chosen_settings(self) -> LocalSettings:
        """The settings as shown (raises InvalidInput for an incomplete server)."""
        server = ServerSettings(
            host=self.host.text(),
            port=self.port.value(),
            database=self.database.text(),
            user=self.user.text(),
        )
        if self.server_choice.isChecked():
            return LocalSettings(
                mode="server", file=self.file_path.text().strip(), server=server.validated()
            )
        return LocalSettings(mode="file", file=self.file_path.text().strip(), server=server)

    def _mode_changed(self) -> None:
        server = self.server_choice.isChecked()
        self.server_box.setEnabled(server)
        self.file_box.setEnabled(not server)
        self.message.clear_message()

    def _browse(self) -> None:
        start = self.file_path.text() or str(LocalSettings().file_path)
        name, _filter = QFileDialog.getSaveFileName(
            self,
            "Shop database file",
            start,
            "Shop databases (*.sqlite3 *.db);;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if name:
            self.file_path.setText(name)

    def test_connection(self) -> None:
        self.message.clear_message()
        try:
            server = self.chosen_settings().server.validated()
        except ShopError as error:
            self.message.show_error(str(error))
            return
        url = server.url(self.password.text())
        self.test_button.setEnabled(False)
        run_in_background(
            self,
            "Test connection",
            f"Connecting to {server.host}…",
            lambda _progress: probe_database(url),
            done=self._tested,
            failed=self._test_failed,
        )

    def _tested(self, words: object) -> None:
        self.test_button.setEnabled(True)
        self.message.show_info(str(words))

    def _test_failed(self, error: Exception) -> None:
        self.test_button.setEnabled(True)
        self.message.show_error(
            str(error) if isinstance(error, ShopError) else SOMETHING_WENT_WRONG
        )
