"""Adding a customer at the counter: the name first, a plausible email, and a word before
adding a second customer with a name the shop already has."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.db import Database
from app.services import catalog
from app.ui.dialogs.customer import CustomerDialog
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import show_active


@pytest.fixture
def ruth(sqlite_db: Database) -> Database:
    with sqlite_db.write() as s:
        catalog.create_customer(s, "C-1001", "Ruth Ashworth", email="ruth@example.com")
    return sqlite_db


def codes(database: Database) -> list[str]:
    with database.read() as s:
        return [row.code for row in catalog.search_customers(s, "ruth")]


def submit(qtbot, dialog: CustomerDialog) -> None:
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_for_saves(qtbot)


def test_an_empty_customer_says_the_name_is_required(qtbot, ruth):
    dialog = CustomerDialog(ruth)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    submit(qtbot, dialog)
    assert dialog.message.text() == "Customer name is required"
    assert dialog.isVisible() and dialog.saved is None


def test_an_email_that_is_no_address_is_refused(qtbot, ruth):
    dialog = CustomerDialog(ruth, name="Ann Other")
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    qtbot.keyClicks(dialog.email, "020 7946 0100")
    submit(qtbot, dialog)
    assert "does not look like an address" in dialog.message.text()
    assert dialog.saved is None
    dialog.email.setText("ann@example.com")
    submit(qtbot, dialog)
    assert dialog.saved is not None and dialog.saved.email == "ann@example.com"


def test_a_second_customer_with_the_same_name_is_added_only_when_asked_again(qtbot, ruth):
    dialog = CustomerDialog(ruth, name="ruth ashworth")
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    submit(qtbot, dialog)
    assert dialog.message.kind == "warning"
    assert dialog.message.text().startswith("Ruth Ashworth (C-1001) already exists — add another?")
    assert dialog.isVisible() and codes(ruth) == ["C-1001"]
    submit(qtbot, dialog)  # yes: another Ruth Ashworth
    assert dialog.saved is not None and dialog.saved.code == "RASHWO"
    assert sorted(codes(ruth)) == ["C-1001", "RASHWO"]
