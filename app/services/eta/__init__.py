"""ETAs of waiting lines: pegging the backorder queue to open purchase orders.

Each product's queue is walked in serving order against units available now, then open PO
lines by expected date (``pegging``); each supplier's history turns a PO's expected date into
likely and late dates, delays clamped at zero (``confidence``); the walk's inputs are read in
bulk (``reading``), and :func:`recompute_etas` stores the results on the lines and flags those
that moved later (``store``); a new order whose lines join the end of their queues stores
just theirs (``joining``). This package re-exports their public names, so
``from app.services.eta import X`` works. No Qt.
"""

from app.services.eta.confidence import (
    LATE_PERCENTILE,
    LIKELY_PERCENTILE,
    NO_HISTORY,
    Confidence,
    confidence_of,
    lock_supplier_history,
    percentile,
    supplier_confidence,
    supplier_delays,
    suppliers_moved_by,
)
from app.services.eta.joining import NewOrderEtas, store_new_order_etas
from app.services.eta.pegging import (
    IN_STOCK,
    NOT_ON_ORDER,
    ON_ORDER,
    Cover,
    Eta,
    IncomingLine,
    WaitingLine,
    peg,
)
from app.services.eta.reading import (
    compute_etas,
    incoming_lines,
    products_on_order_from,
    waiting_lines,
)
from app.services.eta.store import (
    EtaChanges,
    MovedLater,
    fill_missing_etas,
    products_missing_etas,
    recompute_etas,
)

__all__ = [
    "IN_STOCK",
    "LATE_PERCENTILE",
    "LIKELY_PERCENTILE",
    "NOT_ON_ORDER",
    "NO_HISTORY",
    "ON_ORDER",
    "Confidence",
    "Cover",
    "Eta",
    "EtaChanges",
    "IncomingLine",
    "MovedLater",
    "NewOrderEtas",
    "WaitingLine",
    "compute_etas",
    "confidence_of",
    "fill_missing_etas",
    "incoming_lines",
    "lock_supplier_history",
    "peg",
    "percentile",
    "products_missing_etas",
    "products_on_order_from",
    "recompute_etas",
    "store_new_order_etas",
    "supplier_confidence",
    "supplier_delays",
    "suppliers_moved_by",
    "waiting_lines",
]
