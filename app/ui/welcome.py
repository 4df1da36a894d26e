"""The first start: a shop with no products gets a welcome above its tabs, offering to open
the demo shop, import CSV files, or add the first product. It goes away by itself once the
shop has a product (and can be closed), so it never nags a shop that is set up."""

from __future__ import annotations

import io

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.db import Database
from app.services.changes import Area, Changes
from app.services.views import shop_is_empty
from app.ui import events
from app.ui.dialogs.widgets import read_with


class WelcomePanel(QFrame):
    """Three ways to start; the window connects what each does."""

    demo_requested = Signal()
    import_requested = Signal()
    add_product_requested = Signal()

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.setObjectName("welcomePanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#welcomePanel { background: #eef5ec; border: 1px solid #c4dcc0; }"
            " #welcomePanel QLabel { background: transparent; }"
        )
        title = QLabel("<b>Welcome to your new shop</b>")
        title.setObjectName("welcomeTitle")
        text = QLabel(
            "There are no products yet. Add your suppliers and products (with the units on "
            "the shelf), import them from CSV files, or look around the demo shop first."
        )
        text.setWordWrap(True)
        buttons = QHBoxLayout()
        for label, name, signal in (
            ("Add the first product…", "welcomeAddProductButton", self.add_product_requested),
            ("Import CSV files…", "welcomeImportButton", self.import_requested),
            ("Open the demo shop", "welcomeDemoButton", self.demo_requested),
        ):
            button = QPushButton(label)
            button.setObjectName(name)
            button.clicked.connect(signal)
            buttons.addWidget(button)
        buttons.addStretch(1)
        close = QPushButton("Not now")
        close.setObjectName("welcomeCloseButton")
        close.setFlat(True)
        close.clicked.connect(self.hide)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addLayout(buttons)
        events.bus().data_changed.connect(self._data_changed)

    def _data_changed(self, changes: Changes) -> None:
        if self.isVisible() and changes.touches([Area.CATALOG]) and not self._empty():
            self.hide()

    def _empty(self) -> bool:
        try:
            return bool(read_with(self.database, shop_is_empty))
        except Exception:  # a locked database: no welcome rather than no window
            return False

    def offered(self) -> bool:
        """Whether the shop is empty (then the panel is worth showing)."""
        return self._empty()


def make_demo_shop() -> str:
    """A fresh demo shop in a new temporary folder (as ``shopkeeper --demo``); its URL."""
    from app.cli import make_demo_database

    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        return make_demo_database(announce=io.StringIO())
    finally:
        QGuiApplication.restoreOverrideCursor()
