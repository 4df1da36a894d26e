"""Settings…: this computer's settings, one page per subject, in a list on the left.

A page is any widget with a ``title``, ``load()`` (show the saved values) and ``apply()``
(save what is shown, raising ShopError with a plain message if it cannot), so another
module adds a page ("Queue priority") by passing one more widget: the dialog knows nothing
of what the pages hold. A page that changed which database to open sets ``needs_reopen``.

A page whose ``apply()`` writes to the shop saves off the GUI thread (``app.ui.writing``):
it has a ``saving`` property and ``saved()`` / ``failed(str)`` signals, and OK closes the
dialog only once every such page has saved (the dialog cannot be closed meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.domain.errors import ShopError
from app.ui.dialogs.widgets import MessageLabel, SavingDialog

#: Makes one page for the open database; see :func:`add_page`.
PageFactory = Callable[[Database], QWidget]
_extra_pages: list[PageFactory] = []


def add_page(factory: PageFactory) -> None:
    """Add a page (after Database and Backups) to every Settings window opened from now on.

    A module with settings of its own calls this once when imported, e.g.
    ``add_page(lambda database: QueuePriorityPage(database))``.
    """
    if factory not in _extra_pages:
        _extra_pages.append(factory)


def extra_pages(database: Database) -> list[QWidget]:
    return [factory(database) for factory in _extra_pages]


@runtime_checkable
class SettingsPage(Protocol):
    title: str

    def load(self) -> None: ...

    def apply(self) -> None: ...


class SettingsDialog(SavingDialog):
    def __init__(self, pages: Sequence[QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.pages = list(pages)
        self.outcome = ""
        #: OK was pressed while a page is saving: close once every page has saved.
        self._accept_when_saved = False

        self.page_list = QListWidget()
        self.page_list.setObjectName("settingsPageList")
        self.page_list.setFixedWidth(160)
        self.page_list.setSpacing(2)  # a list of pages, not a dense table: room to aim
        self.stack = QStackedWidget()
        for number, page in enumerate(self.pages):
            assert isinstance(page, SettingsPage), page
            self.page_list.addItem(page.title)
            self.stack.addWidget(page)
            page.load()
            if _saves_later(page):
                page.saved.connect(self._page_saved)  # type: ignore[attr-defined]
                page.failed.connect(partial(self._page_failed, number))  # type: ignore[attr-defined]
        self.page_list.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.page_list.setCurrentRow(0)

        self.message = MessageLabel()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply
        )
        buttons.setObjectName("settingsButtons")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        apply = buttons.button(QDialogButtonBox.StandardButton.Apply)
        apply.setObjectName("settingsApplyButton")
        apply.clicked.connect(self.apply)

        body = QHBoxLayout()
        body.setSpacing(12)
        body.addWidget(self.page_list)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self._fit_to_pages()

    def _fit_to_pages(self) -> None:
        """Big enough for the tallest page (Messages: template, preview and placeholders)
        without scrolling, but never bigger than the screen it opens on."""
        wanted = self.sizeHint().expandedTo(QSize(860, 640))
        screen = self.screen()
        if screen is not None:
            wanted = wanted.boundedTo(screen.availableGeometry().size() * 0.9)
        self.resize(wanted)

    @property
    def needs_reopen(self) -> bool:
        """Whether a page changed which database this computer opens."""
        return any(getattr(page, "needs_reopen", False) for page in self.pages)

    def show_page(self, title: str) -> None:
        items = self.page_list.findItems(title, Qt.MatchFlag.MatchExactly)
        if items:
            self.page_list.setCurrentItem(items[0])

    @property
    def saving(self) -> bool:
        """A page is saving off the GUI thread."""
        return any(_saves_later(page) and page.saving for page in self.pages)  # type: ignore[attr-defined]

    def apply(self) -> bool:
        """Save every page; on the first that cannot, show why on it and stop. (A page that
        saves off the GUI thread reports later, with ``saved`` or ``failed``.)"""
        if self.saving:
            return False
        self.message.clear_message()
        for number, page in enumerate(self.pages):
            try:
                page.apply()  # type: ignore[attr-defined]
            except ShopError as error:
                self.page_list.setCurrentRow(number)
                self.message.show_error(str(error))
                return False
        self.outcome = "Settings saved"
        return True

    def accept(self) -> None:
        if not self.apply():
            return
        if self.saving:
            self._accept_when_saved = True
        else:
            super().accept()

    def _page_saved(self) -> None:
        if self._accept_when_saved and not self.saving:
            self._accept_when_saved = False
            super().accept()

    def _page_failed(self, number: int, text: str) -> None:
        self._accept_when_saved = False
        self.outcome = ""
        self.page_list.setCurrentRow(number)
        self.message.show_error(text)


def _saves_later(page: QWidget) -> bool:
    """Whether ``page`` saves off the GUI thread (see the module's docstring)."""
    return hasattr(page, "saving") and hasattr(page, "saved") and hasattr(page, "failed")
