"""The look: Qt's Fusion style with a calm light palette and a few finishing touches."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

STYLE_SHEET = """
QLabel[role="footer"] { color: palette(placeholder-text); padding: 2px 2px; }
QLabel[role="hint"] { color: palette(placeholder-text); padding-left: 8px; }
QTableView { border: 1px solid palette(mid); }
QHeaderView::section { padding: 4px 6px; }
QStatusBar QLabel { color: palette(placeholder-text); padding: 0 6px; }
"""


def apply_style(app: QApplication) -> None:
    """Fusion everywhere (it looks the same on every platform) with a light, quiet palette."""
    app.setStyle("Fusion")
    palette = app.style().standardPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(246, 246, 247))
    palette.setColor(QPalette.ColorRole.Base, QColor(255, 255, 255))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor(245, 247, 250))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(48, 110, 200))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor(255, 255, 255))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor(120, 120, 128))
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)
