"""What every Settings page that writes the shop's own settings shares.

Such a page (Shop, Queue priority, Goodwill coupons, Notifications, Messages) saves through
the write helper, off the GUI thread with its window disabled, and then tells the Settings
dialog through ``saved`` (``outcome`` says what changed, in one sentence for the status bar)
or ``failed`` (what to tell the user; nothing was saved). The pages differ only in what they
show and what they write, so the saving lives here once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QWidget
from sqlalchemy.orm import Session

from app.db import Database
from app.ui.writing import Writer, failure_text

R = TypeVar("R")


class ShopSettingsPage(QWidget):
    """A Settings page saving the shop's settings; a subclass calls :meth:`save` in ``apply``."""

    #: The page's changes were saved (``outcome`` says so).
    saved = Signal()
    #: Saving failed: what to tell the user (nothing was saved).
    failed = Signal(str)

    def __init__(self, database: Database, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.database = database
        #: What applying did, one sentence ("" until something was saved).
        self.outcome = ""
        self._writer: Writer | None = None

    @property
    def saving(self) -> bool:
        """A save is under way (``saved`` or ``failed`` follows)."""
        return self._writer is not None and self._writer.busy

    def save(self, write: Callable[[Session], R], *, label: str, done: Callable[[R], str]) -> None:
        """Start ``write`` off the GUI thread; on success ``done`` takes its result and
        returns the outcome, then ``saved`` is emitted; on failure ``failed`` is."""
        if self._writer is None:
            # The page's window (the Settings dialog) is what waits while it saves.
            self._writer = Writer(self.window())

        def finished(result: R) -> None:
            self.outcome = done(result)
            self.saved.emit()

        self._writer.start(
            self.database,
            write,
            label=label,
            done=finished,
            failed=lambda error: self.failed.emit(failure_text(error)),
        )


def page_heading(text: str) -> QLabel:
    """A Settings page's title line."""
    heading = QLabel(text)
    heading.setProperty("role", "heading")
    return heading


def hint_label(text: str = "") -> QLabel:
    """A quieter, wrapped note under a page's fields."""
    note = QLabel(text)
    note.setWordWrap(True)
    note.setProperty("role", "hint")
    return note
