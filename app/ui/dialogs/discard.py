"""Esc or Cancel in a dialog holding a clerk's work asks before throwing it away.

One stray Esc must never lose a scanned order or a counted delivery. New order and Receive
stock ask the same way: a question ("Discard this order?") saying what would be lost, with
"Keep …" as the default, so Enter or Esc keeps the work and only Discard (or Alt+D, D) drops
it. The box is opened without blocking (``open()``), made once and kept as a child of the
dialog for every later ask: deleting it on close while its own key press is still being
handled is not safe.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QAbstractButton, QDialog, QMessageBox


class DiscardQuestion:
    """The "Discard …?" question of one dialog; ``discarded()`` runs when the clerk discards."""

    def __init__(
        self, dialog: QDialog, what: str, *, keep: str, discarded: Callable[[], None]
    ) -> None:
        """``what``: "order" asks "Discard this order?" (its box is "discardOrderBox");
        ``keep``: the default button's text ("&Keep editing")."""
        self._dialog = dialog
        self._name = f"discard{what.title()}Box"
        self._title = f"Discard {what}"
        self._question = f"Discard this {what}?"
        self._keep = keep
        self._discarded = discarded
        self._discard_button: QAbstractButton | None = None
        #: The question while it is asked (None otherwise).
        self.box: QMessageBox | None = None

    def ask(self, informative: str) -> None:
        """Ask (once at a time): ``informative`` says what would be lost."""
        if self.box is not None:
            return
        box = self._question_box()
        box.setInformativeText(informative)
        self.box = box
        box.open()

    def _question_box(self) -> QMessageBox:
        box = self._dialog.findChild(QMessageBox, self._name)
        if box is not None:
            return box
        box = QMessageBox(
            QMessageBox.Icon.Question, self._title, self._question, parent=self._dialog
        )
        box.setObjectName(self._name)
        self._discard_button = box.addButton("&Discard", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(self._keep, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)  # Enter (or Esc) keeps the work; D discards it
        box.setEscapeButton(keep)
        box.finished.connect(self._answered)
        return box

    def _answered(self, _code: int) -> None:
        box, self.box = self.box, None
        if box is not None and box.clickedButton() is self._discard_button:
            self._discarded()
