"""Queue priority: who is served first from the backorder queue, a shop-wide setting.

``QueuePriorityPage`` follows the Settings window's page protocol (``title``, ``load()``,
``apply()``), so it can sit in that window; the Backorders tab opens it on its own in
``QueuePriorityDialog``. Applying a new policy re-serves every queue at once (new positions
and ETAs), which is why the page says what will happen before the manager confirms.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.domain.enums import QueuePolicy
from app.domain.errors import ShopError
from app.services import queue
from app.services.changes import Area, Changes
from app.ui import events
from app.ui.background import wait_in_background
from app.ui.dialogs.widgets import MessageLabel

_EXPLAINED = {
    QueuePolicy.FIFO: "Orders are served in the order they were placed.",
    QueuePolicy.LOYALTY: (
        "Gold customers' lines are served before standard customers' lines; "
        "within each tier, first placed is served first."
    ),
}


class QueuePriorityPage(QWidget):
    """Choose the queue policy; ``apply()`` saves it and re-serves the queues."""

    title = "Queue priority"

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queuePolicyPage")
        self.database = database
        #: What applying did, one sentence ("" until a policy was changed).
        self.outcome = ""
        self._saved = QueuePolicy.FIFO
        self.group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("Who is served first when stock arrives?")
        heading.setProperty("role", "heading")
        layout.addWidget(heading)
        self.buttons: dict[QueuePolicy, QRadioButton] = {}
        for number, policy in enumerate(QueuePolicy):
            button = QRadioButton(policy.label)
            button.setObjectName(f"queuePolicy_{policy.value}")
            self.group.addButton(button, number)
            self.buttons[policy] = button
            explained = QLabel(_EXPLAINED[policy])
            explained.setWordWrap(True)
            explained.setProperty("role", "hint")
            explained.setContentsMargins(24, 0, 0, 6)
            layout.addWidget(button)
            layout.addWidget(explained)
        note = QLabel(
            "Pinned lines are always served first, in the order they were pinned, and lines "
            "a manager moved keep their place relative to their neighbours. Changing the "
            "policy recomputes every waiting line's place and ETA; a receipt preview that is "
            "open will have to be previewed again."
        )
        note.setWordWrap(True)
        note.setProperty("role", "hint")
        layout.addSpacing(6)
        layout.addWidget(note)
        layout.addStretch(1)

    def chosen(self) -> QueuePolicy:
        for policy, button in self.buttons.items():
            if button.isChecked():
                return policy
        return self._saved

    def load(self) -> None:
        with self.database.read() as session:
            self._saved = queue.get_queue_policy(session)
        self.buttons[self._saved].setChecked(True)

    def apply(self) -> None:
        """Save the chosen policy (nothing happens if it is the one in force)."""
        policy = self.chosen()
        if policy is self._saved:
            return
        # Re-serving every queue takes seconds in a big shop: off the GUI thread.
        changes = wait_in_background(
            self,
            "Queue priority",
            f"Re-serving every backorder queue: {policy.label.lower()}…",
            lambda: self.database.run(lambda session: queue.set_queue_policy(session, policy)),
        )
        self._saved = policy
        products = len(changes.reordered)
        self.outcome = (
            f"Now serving: {policy.label.lower()} "
            f"({products:,} product queue{'' if products == 1 else 's'} reordered)"
        )
        events.bus().announce(Changes.of(Area.QUEUE, Area.ORDERS))


class QueuePriorityDialog(QDialog):
    """The queue priority page on its own, opened from the Backorders tab."""

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queuePolicyDialog")
        self.setWindowTitle("Queue priority")
        self.page = QueuePriorityPage(database)
        self.page.load()
        self.message = MessageLabel()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.setObjectName("queuePolicyButtons")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.page, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(460, 320)

    @property
    def outcome(self) -> str:
        return self.page.outcome

    def accept(self) -> None:
        try:
            self.page.apply()
        except ShopError as error:
            self.message.show_error(str(error))
            return
        super().accept()
