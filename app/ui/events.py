"""One application-wide signal saying what changed, after any write.

Like Anki's ``operation_did_execute``: after a write, ``bus().announce(changes)`` emits
``data_changed`` with the :class:`~app.services.changes.Changes` the service returned (the
write helper, ``app.ui.writing``, does it for every dialog); each tab decides whether it
shows any of the changed areas and refreshes. No tab reaches into another.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.services.changes import Changes


class EventBus(QObject):
    #: A :class:`Changes`: what a write (here or at another till) changed.
    data_changed = Signal(object)
    #: A write was refused for who is signed in (a ``NotAllowed`` or ``SignedOut`` with the
    #: user's role as it is now): the till lock brings the window up to date.
    refused = Signal(object)

    def announce(self, changes: Changes) -> None:
        """Tell every view what changed; nothing is emitted for no change."""
        if changes:
            self.data_changed.emit(changes)


_bus: EventBus | None = None


def bus() -> EventBus:
    """The application's event bus (created on first use, after the QApplication)."""
    global _bus
    if _bus is None:
        _bus = EventBus()
    return _bus
