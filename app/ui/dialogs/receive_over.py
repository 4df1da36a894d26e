"""Receiving more than is outstanding: only on the clerk's explicit yes, for exactly the
units shown, and for one confirm.

An over-receipt puts units into stock that the purchase order did not promise, so it must
never happen by a stray key: a scanner's Enter, or Ctrl+Return pressed twice. Confirm marks
the lines and asks in a box whose default answer (Enter, Esc) goes back to the count; only
its own button ("Receive 2 extra units", Alt+R) accepts, and then the receipt is confirmed
with the surplus recorded as accepted. A change to the count, or a refused confirm, forgets
the answer: the next confirm asks again.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QMessageBox

from app.ui.dialogs.discard import Question
from app.ui.dialogs.receive_models import ReceivedLine, over_key, over_receipt_question
from app.ui.dialogs.widgets import MessageLabel, plural

OverKey = tuple[tuple[int, int, int], ...]


class OverReceiptGate:
    """Asks about units beyond outstanding; ``confirmed()`` runs once the clerk accepted."""

    def __init__(
        self, dialog: QDialog, message: MessageLabel, *, confirmed: Callable[[], None]
    ) -> None:
        self._message = message
        self._confirmed = confirmed
        self._asked: OverKey = ()
        self._accepted: OverKey = ()
        self.question = Question(
            dialog,
            "overReceiptBox",
            title="More than outstanding",
            question="Receive more than is outstanding on the purchase order?",
            risky="&Receive the extra units",
            safe="&Go back to the count",
            chosen=self._accept,
            icon=QMessageBox.Icon.Warning,
        )

    def passes(self, over: list[ReceivedLine]) -> bool:
        """Whether a confirm may go ahead: nothing beyond outstanding, or exactly these units
        accepted. Otherwise the clerk is asked (the confirm goes ahead on a yes)."""
        if not over:
            return True
        key = over_key(over)
        if key == self._accepted:
            return True
        self._asked = key
        text = over_receipt_question(over)
        self._message.show_warning(text)
        beyond = sum(row.surplus for row in over)
        self.question.ask(text, risky=f"&Receive {plural(beyond, 'extra unit')}")
        return False

    def still_about(self, over: list[ReceivedLine]) -> bool:
        """Whether the question asked (or the yes given) is about these units."""
        return over_key(over) in (self._asked, self._accepted) or not (
            self._asked or self._accepted
        )

    def forget(self) -> None:
        self._asked = self._accepted = ()

    def _accept(self) -> None:
        self._accepted = self._asked
        self._confirmed()
