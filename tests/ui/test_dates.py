"""One date format in the window: date pickers show dates as the tables and messages do."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit

from app.services import formatting
from app.ui.dates import qt_day_format, show_days


def test_cldr_date_patterns_become_qt_display_formats() -> None:
    assert qt_day_format("MMM d, y") == "MMM d, yyyy"
    assert qt_day_format("dd.MM.y") == "dd.MM.yyyy"
    assert qt_day_format("y/MM/dd") == "yyyy/MM/dd"
    assert qt_day_format("yy-MM-dd") == "yy-MM-dd"


def test_a_date_picker_shows_the_day_as_formatting_day_does(qtbot) -> None:
    formatting.set_locale("de_DE")
    try:
        edit = QDateEdit()
        qtbot.addWidget(edit)
        show_days(edit)
        edit.setDate(QDate(2026, 12, 5))
        assert edit.text() == formatting.day(date(2026, 12, 5)) == "05.12.2026"
    finally:
        formatting.set_locale(formatting.FALLBACK_LOCALE)
