"""A bar across the top of the window for something the user should know but need not act on
now: this window is read-only, the file is on a network share. Unlike a message box it never
stops anyone working; it stays until it is dismissed (or for good, if it cannot be)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QToolButton, QWidget

_COLOURS = {
    "info": ("#1d4a6b", "#e8f1fa", "#b4d0ea", QStyle.StandardPixmap.SP_MessageBoxInformation),
    "warning": ("#5c4300", "#fff6d6", "#ecd58a", QStyle.StandardPixmap.SP_MessageBoxWarning),
}


class Banner(QFrame):
    #: The user closed the banner (with its close button or an action that dismisses it).
    dismissed = Signal()

    def __init__(
        self, text: str, *, kind: str = "info", closable: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        colour, background, border, icon = _COLOURS[kind]
        self.setProperty("kind", kind)
        self.setStyleSheet(
            f"Banner {{ background: {background}; border: none;"
            f" border-bottom: 1px solid {border}; }}"
            f" Banner QLabel {{ color: {colour}; }}"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.setSpacing(10)
        symbol = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        symbol.setPixmap(self.style().standardIcon(icon).pixmap(size, size))
        layout.addWidget(symbol, 0, Qt.AlignmentFlag.AlignTop)
        self.label = QLabel(text)
        self.label.setObjectName("bannerText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self._buttons = layout
        if closable:
            close = QToolButton()
            close.setObjectName("bannerClose")
            close.setText("✕")
            close.setToolTip("Hide this message")
            close.setAutoRaise(True)
            close.clicked.connect(self.dismiss)
            layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)

    def add_action(
        self, text: str, slot: Callable[[], None], *, name: str = "", dismisses: bool = False
    ) -> QPushButton:
        """A button on the banner, before its close button; ``dismisses`` also closes it."""
        button = QPushButton(text)
        if name:
            button.setObjectName(name)
        button.clicked.connect(lambda _checked=False: slot())
        if dismisses:
            button.clicked.connect(self.dismiss)
        index = self._buttons.count() - (1 if self.findChild(QToolButton) else 0)
        self._buttons.insertWidget(index, button, 0, Qt.AlignmentFlag.AlignVCenter)
        return button

    def dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()
        self.deleteLater()
