"""Queue priority: who is served first from the backorder queue, a shop-wide setting.

``QueuePriorityPage`` follows the Settings window's page protocol (``title``, ``load()``,
``apply()``), so it can sit in that window; the Backorders tab opens it on its own in
``QueuePriorityDialog``. Applying a new policy re-serves every queue at once (new positions
and ETAs), which is why the page says what will happen before the manager confirms. That
takes seconds in a big shop, so the page saves off the GUI thread (``app.ui.writing``): its
window is disabled meanwhile, and the page says ``saved`` or ``failed`` when done.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialogButtonBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.domain.enums import QueuePolicy
from app.domain.errors import ShopError
from app.services import queue
from app.services.eta import EtaChanges
from app.ui.dialogs.settings_page import ShopSettingsPage, hint_label, page_heading
from app.ui.dialogs.widgets import MessageLabel, SavingDialog

_EXPLAINED = {
    QueuePolicy.FIFO: "Orders are served in the order they were placed.",
    QueuePolicy.LOYALTY: (
        "Gold customers' lines are served before standard customers' lines; "
        "within each tier, first placed is served first."
    ),
}


class QueuePriorityPage(ShopSettingsPage):
    """Choose the queue policy; ``apply()`` starts saving it (re-serving the queues)."""

    title = "Queue priority"

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(database, "queuePolicyPage", parent)
        self._saved = QueuePolicy.FIFO
        self.group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(page_heading("Who is served first when stock arrives?"))
        self.buttons: dict[QueuePolicy, QRadioButton] = {}
        for number, policy in enumerate(QueuePolicy):
            button = QRadioButton(policy.label)
            button.setObjectName(f"queuePolicy_{policy.value}")
            self.group.addButton(button, number)
            self.buttons[policy] = button
            explained = hint_label(_EXPLAINED[policy])
            explained.setContentsMargins(24, 0, 0, 6)
            layout.addWidget(button)
            layout.addWidget(explained)
        note = hint_label(
            "Pinned lines are always served first, in the order they were pinned, and lines "
            "a manager moved keep their place relative to their neighbours. Changing the "
            "policy recomputes every waiting line's place and ETA; a receipt preview that is "
            "open will have to be previewed again."
        )
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
        """Start saving the chosen policy, off the GUI thread with the page's window
        disabled; ``saved`` or ``failed`` follows. Nothing happens if it is the one in
        force (``saving`` stays False)."""
        policy = self.chosen()
        if policy is self._saved:
            return

        def done(changes: EtaChanges) -> str:
            self._saved = policy
            products = len(changes.reordered)
            return (
                f"Now serving: {policy.label.lower()} "
                f"({products:,} product queue{'' if products == 1 else 's'} reordered)"
            )

        self.save(
            lambda session: queue.set_queue_policy(session, policy),
            label=f"Re-serving every backorder queue: {policy.label.lower()}…",
            done=done,
        )


class QueuePriorityDialog(SavingDialog):
    """The queue priority page on its own, opened from the Backorders tab."""

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queuePolicyDialog")
        self.setWindowTitle("Queue priority")
        self.page = QueuePriorityPage(database)
        self.page.load()
        self.page.saved.connect(self._saved)
        self.page.failed.connect(self._failed)
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
        """Save the policy; the dialog closes once it is saved (at once if unchanged)."""
        if self.saving:
            return
        self.message.clear_message()
        try:
            self.page.apply()
        except ShopError as error:
            self.message.show_error(str(error))
            return
        if not self.saving:
            super().accept()

    @property
    def saving(self) -> bool:
        """The policy is being saved (the dialog cannot be closed meanwhile)."""
        return self.page.saving

    def _saved(self) -> None:
        super().accept()

    def _failed(self, text: str) -> None:
        self.message.show_error(text)
