"""Sign in at the till: pick or type a name, type the PIN, Enter.

Shown when the window opens on a shop that has users, and again over a locked window (File >
Switch user / Lock, or after the idle minutes). The check runs off the GUI thread
(``app.ui.writing``): it is a slow hash by design, and it writes the count of wrong tries, which
every till shares. On success the :class:`~app.domain.actors.Actor` is put on the database
handle, so every session the window opens from then on acts for that person.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.domain.actors import Actor
from app.domain.users import PIN_MAX_DIGITS
from app.services.changes import Changes
from app.services.users import SignIn, list_users, sign_in
from app.ui.dialogs.widgets import MessageLabel, SavingDialog, no_auto_default, read_with
from app.ui.writing import Writer


def pin_field(name: str) -> QLineEdit:
    """A PIN box: digits only, up to 8, never shown."""
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(PIN_MAX_DIGITS)
    field.setValidator(QRegularExpressionValidator(r"[0-9]*", field))
    field.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
    return field


class SignInDialog(SavingDialog):
    """Name and PIN; Enter signs in. ``actor`` is who signed in once accepted.

    ``leave_text`` names the other button: "Quit" at start and over a locked window (the
    window cannot be used without someone signed in)."""

    def __init__(
        self,
        database: Database,
        parent: QWidget | None = None,
        *,
        leave_text: str = "Quit",
        last_name: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in — Shopkeeper")
        self.database = database
        self.actor: Actor | None = None
        self._writer = Writer(self)

        heading = QLabel("<b>Who is at the till?</b>")
        heading.setObjectName("signInHeading")
        hint = QLabel("Pick or type your name, type your PIN and press Enter.")
        hint.setWordWrap(True)
        self.name = QComboBox()
        self.name.setObjectName("signInName")
        self.name.setEditable(True)
        self.name.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        names = read_with(
            database, lambda session: [u.name for u in list_users(session, include_inactive=False)]
        )
        self.name.addItems(names)
        self.name.setCurrentText(last_name or (names[0] if len(names) == 1 else ""))
        self.pin = pin_field("signInPin")
        self.pin.returnPressed.connect(self.submit)
        line_edit = self.name.lineEdit()
        assert line_edit is not None
        line_edit.returnPressed.connect(self.pin.setFocus)
        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("&PIN:", self.pin)
        self.message = MessageLabel()

        buttons = QDialogButtonBox()
        self.sign_in_button = buttons.addButton("Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setObjectName("signInButton")
        leave = buttons.addButton(leave_text, QDialogButtonBox.ButtonRole.RejectRole)
        leave.setObjectName("signInLeaveButton")
        no_auto_default(self.sign_in_button, leave)
        self.sign_in_button.clicked.connect(self.submit)
        leave.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(360)
        (self.pin if self.name.currentText() else self.name).setFocus()

    @property
    def saving(self) -> bool:
        return self._writer.busy

    def submit(self) -> None:
        name, pin = self.name.currentText().strip(), self.pin.text()
        if not name:
            self.message.show_error("Pick or type your name first.")
            self.name.setFocus()
            return
        if not pin:
            self.message.show_error("Type your PIN.")
            self.pin.setFocus()
            return
        self._writer.start(
            self.database,
            lambda session: sign_in(session, name, pin),
            label="Signing in…",
            done=self._checked,
            failed=self._failed,
            changes=lambda _result: Changes(),
        )

    def _checked(self, result: SignIn) -> None:
        if result.actor is None:
            self.message.show_error(result.refusal)
            self.pin.clear()
            self.pin.setFocus()
            return
        self.actor = result.actor
        self.database.actor = result.actor
        self.accept()

    def _failed(self, error: Exception) -> None:
        from app.ui.dialogs.widgets import show_failure

        show_failure(self.message, error)
        self.pin.setFocus()
