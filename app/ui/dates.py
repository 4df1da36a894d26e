"""Date pickers show dates the one way the window shows them (``formatting.day``)."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QDateEdit

from app.services import formatting


def qt_day_format(pattern: str | None = None) -> str:
    """The Qt display format of a CLDR date pattern: "MMM d, y" -> "MMM d, yyyy"."""
    pattern = formatting.day_pattern() if pattern is None else pattern
    pattern = pattern.replace("L", "M")  # stand-alone month: Qt has one kind
    return re.sub(r"(?<!y)y{1}(?!y)|(?<!y)y{3,}(?!y)", "yyyy", pattern)


def show_days(edit: QDateEdit) -> None:
    """Make ``edit`` show its date as every date in the window is shown."""
    edit.setDisplayFormat(qt_day_format())
