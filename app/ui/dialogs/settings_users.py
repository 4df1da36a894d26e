"""The Users page of Settings: who signs in at the tills, with which role (the owner's page).

Each button saves at once, off the GUI thread (``app.ui.writing``), rather than on OK: adding a
user with a PIN typed twice is a thing done, not a setting to apply later. The services check
that only the owner changes users and that the shop keeps an active owner; this page only
greys itself out for the others. The first user added is the owner, and the window signs in as
them (they just typed their PIN), so nobody is locked out of a shop that had no users.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.db import Database
from app.db.config import MAX_AUTO_LOCK_MINUTES, load_settings, save_settings
from app.domain.actors import Actor, Role, current_actor, this_till
from app.domain.errors import InvalidInput
from app.domain.permissions import Permission, allows
from app.services import users
from app.services.users import UserRow, UserSaved
from app.ui.dialogs.sign_in import pin_field
from app.ui.dialogs.widgets import MessageLabel, pick_one_row, read_with
from app.ui.writing import Writer, failure_text

_NO_USERS = (
    "No users yet: Shopkeeper acts as the owner and never asks anyone to sign in. Add the "
    "first user to have everyone sign in with a name and PIN; the first user is the owner."
)
_USERS = "People who sign in at the tills. A PIN is 4 to 8 digits."
_NOT_OWNER = "Only the owner adds and changes users."


def _role_combo(name: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    for role in Role:
        combo.addItem(role.label, role.value)
    return combo


def _at_right(button: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(button)
    return row


def _twice(first: QLineEdit, again: QLineEdit) -> str:
    pin = first.text()
    if pin != again.text():
        raise InvalidInput("The two PINs differ: type the same PIN twice.")
    return pin


class UsersPage(QWidget):
    title = "Users"
    saved = Signal()
    failed = Signal(str)

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usersSettingsPage")
        self.database = database
        self.rows: list[UserRow] = []
        self._writer = Writer(self)

        self.intro = QLabel()
        self.intro.setObjectName("usersIntro")
        self.intro.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("usersTable")
        self.table.setHorizontalHeaderLabels(["Name", "Role", "Status"])
        pick_one_row(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.role = _role_combo("usersRoleCombo")
        self.set_role_button = QPushButton("Set &role")
        self.set_role_button.setObjectName("usersSetRoleButton")
        self.set_role_button.clicked.connect(self.set_role)
        self.reset_pin = pin_field("usersResetPin")
        self.reset_pin.setPlaceholderText("new PIN")
        self.reset_pin_again = pin_field("usersResetPinAgain")
        self.reset_pin_again.setPlaceholderText("again")
        self.reset_button = QPushButton("Reset &PIN")
        self.reset_button.setObjectName("usersResetPinButton")
        self.reset_button.clicked.connect(self.reset)
        self.active_button = QPushButton("&Deactivate")
        self.active_button.setObjectName("usersActiveButton")
        self.active_button.clicked.connect(self.toggle_active)
        selected = QGroupBox("Selected user")
        selected_layout = QFormLayout(selected)
        role_row = QHBoxLayout()
        role_row.addWidget(self.role, 1)
        role_row.addWidget(self.set_role_button)
        pin_row = QHBoxLayout()
        pin_row.addWidget(self.reset_pin)
        pin_row.addWidget(self.reset_pin_again)
        pin_row.addWidget(self.reset_button)
        selected_layout.addRow("Role:", role_row)
        selected_layout.addRow("PIN:", pin_row)
        selected_layout.addRow("", _at_right(self.active_button))
        self.selected_box = selected

        self.new_name = QLineEdit()
        self.new_name.setObjectName("usersNewName")
        self.new_role = _role_combo("usersNewRole")
        self.new_pin = pin_field("usersNewPin")
        self.new_pin_again = pin_field("usersNewPinAgain")
        self.add_button = QPushButton("Add &user")
        self.add_button.setObjectName("usersAddButton")
        self.add_button.clicked.connect(self.add)
        adding = QGroupBox("Add a user")
        form = QFormLayout(adding)
        form.addRow("&Name:", self.new_name)
        form.addRow("R&ole:", self.new_role)
        form.addRow("P&IN:", self.new_pin)
        form.addRow("PIN a&gain:", self.new_pin_again)
        form.addRow("", _at_right(self.add_button))
        self.adding_box = adding

        self.auto_lock = QSpinBox()
        self.auto_lock.setObjectName("usersAutoLock")
        self.auto_lock.setRange(0, MAX_AUTO_LOCK_MINUTES)
        self.auto_lock.setSpecialValueText("Never")
        self.auto_lock.setSuffix(" idle minutes")
        self.auto_lock.setToolTip(
            "Lock this window after so long without a key press or a mouse move; the next "
            "person signs in (this computer's setting, saved with OK)"
        )
        this_computer = QGroupBox("This computer")
        computer_form = QFormLayout(this_computer)
        computer_form.addRow("&Lock after:", self.auto_lock)
        self.computer_box = this_computer

        self.message = MessageLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(selected)
        layout.addWidget(adding)
        layout.addWidget(this_computer)
        layout.addWidget(self.message)

    @property
    def saving(self) -> bool:
        return self._writer.busy

    def may_manage(self) -> bool:
        """Whether whoever is signed in may change users (the owner; anyone before users)."""
        role = read_with(self.database, lambda session: current_actor(session).role)
        return allows(role, Permission.MANAGE_USERS)

    def load(self) -> None:
        """Show the users as stored now, and what the person signed in may do with them."""
        chosen = self.selected()
        self.rows = read_with(self.database, users.list_users)
        self.table.setRowCount(len(self.rows))
        for number, row in enumerate(self.rows):
            status = "Active" if row.active else "Deactivated"
            for column, text in enumerate((row.name, row.role.label, status)):
                self.table.setItem(number, column, QTableWidgetItem(text))
        names = [row.name for row in self.rows]
        if chosen is not None and chosen.name in names:
            self.table.selectRow(names.index(chosen.name))
        manage = self.may_manage()
        first = not self.rows
        self.intro.setText(_NO_USERS if first else _USERS if manage else f"{_USERS} {_NOT_OWNER}")
        self.table.setVisible(not first)
        self.selected_box.setVisible(not first)
        self.adding_box.setTitle("Add the first user (the owner)" if first else "Add a user")
        self.new_role.setEnabled(not first)
        if first:
            self.new_role.setCurrentIndex(self.new_role.findData(Role.OWNER.value))
        self.adding_box.setEnabled(manage)
        self.computer_box.setVisible(not first)
        self.auto_lock.setValue(load_settings().auto_lock_minutes)
        self._selection_changed()

    def apply(self) -> None:
        """Save this computer's idle lock; users were saved as each button was pressed."""
        saved = load_settings()
        if saved.auto_lock_minutes != self.auto_lock.value():
            save_settings(replace(saved, auto_lock_minutes=self.auto_lock.value()))

    def selected(self) -> UserRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.rows[rows[0].row()] if rows and rows[0].row() < len(self.rows) else None

    def _selection_changed(self) -> None:
        row = self.selected()
        self.selected_box.setEnabled(row is not None and self.may_manage())
        if row is not None:
            self.role.setCurrentIndex(self.role.findData(row.role.value))
            self.active_button.setText("&Deactivate" if row.active else "Re&activate")

    # --- the writes ---------------------------------------------------------------------

    def add(self) -> None:
        name, role = self.new_name.text(), Role(self.new_role.currentData())
        try:
            pin = _twice(self.new_pin, self.new_pin_again)
        except InvalidInput as error:
            self.message.show_error(str(error))
            return
        first = not self.rows

        def added(result: UserSaved) -> None:
            for field in (self.new_name, self.new_pin, self.new_pin_again):
                field.clear()
            if first:  # they just typed their PIN: the window acts as them from now on
                user = result.user
                self.database.actor = Actor(user.name, user.role, user.id, this_till())
            self._done(f"Added {result.user.name} ({result.user.role.label.lower()}).")

        self._write(lambda s: users.create_user(s, name, role, pin, first_only=first), added)

    def set_role(self) -> None:
        row, role = self.selected(), Role(self.role.currentData())
        if row is None:
            return
        self._write(
            lambda s: users.set_role(s, row.name, role),
            lambda r: self._done(f"{r.user.name} is now a {r.user.role.value}."),
        )

    def reset(self) -> None:
        row = self.selected()
        if row is None:
            return
        try:
            pin = _twice(self.reset_pin, self.reset_pin_again)
        except InvalidInput as error:
            self.message.show_error(str(error))
            return

        def changed(result: UserSaved) -> None:
            self.reset_pin.clear()
            self.reset_pin_again.clear()
            self._done(f"{result.user.name}'s PIN was changed.")

        self._write(lambda s: users.change_pin(s, row.name, pin), changed)

    def toggle_active(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row.active:
            self._write(
                lambda s: users.deactivate_user(s, row.name),
                lambda r: self._done(f"{r.user.name} can no longer sign in."),
            )
        else:
            self._write(
                lambda s: users.reactivate_user(s, row.name),
                lambda r: self._done(f"{r.user.name} can sign in again."),
            )

    def _write(
        self, write: Callable[[Session], UserSaved], done: Callable[[UserSaved], None]
    ) -> None:
        self.message.clear_message()
        self._writer.start(
            self.database, write, label="Saving the user…", done=done, failed=self._failed
        )

    def _done(self, text: str) -> None:
        self.load()
        self.message.show_info(text)
        self.saved.emit()

    def _failed(self, error: Exception) -> None:
        """Said on this page, beside the buttons (each button saves on its own, so OK has
        nothing to be refused: ``failed`` stays for the Settings protocol only). When another
        till added the owner first, the page shows the users now there (closing Settings asks
        who signs in)."""
        if isinstance(error, users.OwnerJustCreated):
            self.load()
        self.message.show_error(failure_text(error))
