"""Questions a dialog asks before a step a clerk could regret: discarding work, or receiving
more than was ordered.

One stray Esc must never lose a scanned order or a counted delivery, and one Enter from a
scanner must never book units that did not arrive. So the safe answer is the default (Enter
and Esc both give it), and the risky one has its own button (a click, or Alt and its letter).
A scanner keeps typing while the box is up, so a plain letter never answers it (a message
box would take "D" for "&Discard"): the risky answer is a click, Alt and its letter, or Tab to
it and Space. The box is opened without blocking (``open()``), made once and kept as a child
of the dialog for every later ask: deleting it on close while its own key press is still
being handled is not safe.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QMessageBox, QWidget


class _ScanProofBox(QMessageBox):
    """A message box that plain letters, digits and symbols do not answer (only Enter, Esc,
    Tab, Space and Alt shortcuts do): a scan typed into it changes nothing."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        text = event.text()
        plain = modifiers in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier)
        if plain and text and text.isprintable() and not text.isspace():
            event.accept()  # swallowed: a stray scan never answers the question
            return
        super().keyPressEvent(event)


class Question:
    """A kept, non-blocking question of one dialog; ``chosen()`` runs on the risky answer."""

    def __init__(
        self,
        dialog: QDialog,
        name: str,
        *,
        title: str,
        question: str,
        risky: str,
        safe: str,
        chosen: Callable[[], None],
        icon: QMessageBox.Icon = QMessageBox.Icon.Question,
    ) -> None:
        """``name``: the box's objectName; ``risky`` / ``safe``: the buttons' texts (with
        their Alt letters); the safe one is the default and the escape."""
        self._dialog = dialog
        self._name = name
        self._title = title
        self._question = question
        self._risky = risky
        self._safe = safe
        self._icon = icon
        self._chosen = chosen
        self._risky_button: QAbstractButton | None = None
        #: The box while it is asked (None otherwise).
        self.box: QMessageBox | None = None
        #: Where the clerk was when asked: the safe answer puts them back there.
        self._focus: QWidget | None = None

    @property
    def risky_button(self) -> QAbstractButton | None:
        return self._risky_button

    def ask(self, informative: str, *, risky: str | None = None) -> None:
        """Ask (once at a time): ``informative`` says what is at stake; ``risky`` renames the
        risky answer for this ask ("&Receive 2 extra units")."""
        if self.box is not None:
            return
        box = self._question_box()
        box.setInformativeText(informative)
        if self._risky_button is not None:
            self._risky_button.setText(risky or self._risky)
        self.box = box
        focus = QApplication.focusWidget()
        self._focus = focus if focus is not None and self._dialog.isAncestorOf(focus) else None
        box.open()
        safe = box.defaultButton()
        if safe is not None:  # every ask starts on the safe answer, whatever was focused last
            safe.setFocus(Qt.FocusReason.OtherFocusReason)

    def _question_box(self) -> QMessageBox:
        box = self._dialog.findChild(QMessageBox, self._name)
        if box is not None:
            return box
        box = _ScanProofBox(self._icon, self._title, self._question, parent=self._dialog)
        box.setObjectName(self._name)
        self._risky_button = box.addButton(self._risky, QMessageBox.ButtonRole.DestructiveRole)
        safe = box.addButton(self._safe, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(safe)  # Enter (or Esc) gives the safe answer
        box.setEscapeButton(safe)
        box.finished.connect(self._answered)
        return box

    def _answered(self, _code: int) -> None:
        box, self.box = self.box, None
        focus, self._focus = self._focus, None
        if box is not None and box.clickedButton() is self._risky_button:
            self._chosen()
        elif focus is not None and shiboken6.isValid(focus) and self._dialog.isVisible():
            self._dialog.activateWindow()
            focus.setFocus(Qt.FocusReason.OtherFocusReason)


class DiscardQuestion(Question):
    """ "Discard this order?": ``discarded()`` runs when the clerk discards."""

    def __init__(
        self, dialog: QDialog, what: str, *, keep: str, discarded: Callable[[], None]
    ) -> None:
        """``what``: "order" asks "Discard this order?" (its box is "discardOrderBox");
        ``keep``: the default button's text ("&Keep editing")."""
        super().__init__(
            dialog,
            f"discard{what.title()}Box",
            title=f"Discard {what}",
            question=f"Discard this {what}?",
            risky="&Discard",
            safe=keep,
            chosen=discarded,
        )
