"""One application-wide signal saying what changed, after any service call that writes.

Like Anki's ``operation_did_execute``: a dialog or tab that changed data emits
``bus().data_changed`` with the names of the affected areas; each tab decides whether to
refresh. No tab reaches into another.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

#: Areas a change can touch; tabs refresh when one they show is in the set.
STOCK = "stock"
ORDERS = "orders"
PURCHASE_ORDERS = "purchase_orders"
BACKORDERS = "backorders"
EVERYTHING = frozenset({STOCK, ORDERS, PURCHASE_ORDERS, BACKORDERS})


class EventBus(QObject):
    #: frozenset[str] of areas (see the constants above)
    data_changed = Signal(object)

    def announce(self, areas: frozenset[str] = EVERYTHING) -> None:
        self.data_changed.emit(frozenset(areas))


_bus: EventBus | None = None


def bus() -> EventBus:
    """The application's event bus (created on first use, after the QApplication)."""
    global _bus
    if _bus is None:
        _bus = EventBus()
    return _bus
