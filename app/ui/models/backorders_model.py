"""The Backorders tab's rows: the backorder queue, in the order receipts will serve it.

Rows are plain ``BackorderRow``s read a page at a time; sorting and the filters (product,
customer, age, not on order, search) are ``BackorderQuery`` fields run in SQL. The policy in
force is read with the count, so the tab's "Serving: …" line matches the rows on show.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from sqlalchemy.orm import Session

from app.db import Database
from app.domain.enums import QueuePolicy
from app.domain.queue import ordinal
from app.services import views
from app.services.eta import IN_STOCK, NOT_ON_ORDER
from app.services.formatting import day
from app.services.queue import get_queue_policy
from app.services.views import BackorderQuery, BackorderRow, Count
from app.ui.models.paged_model import Column, PagedTableModel, format_value


def eta_text(row: BackorderRow) -> str:
    """ "3 Dec - 9 Dec" (likely, late case), "in stock now", "not on order (2 short)", with
    " · later" when the ETA moved later."""
    return row.eta.text if row.eta is not None else "…"


def eta_tone(row: BackorderRow) -> str | None:
    if row.eta is None:
        return "quiet"
    if row.eta.status == NOT_ON_ORDER or row.eta.moved_later or row.eta.text.startswith("over"):
        return "warn"
    return "good" if row.eta.status == IN_STOCK else None


def eta_tip(row: BackorderRow) -> str | None:
    eta = row.eta
    if eta is None:
        return "ETA not computed yet"
    parts: list[str] = []
    if eta.status == IN_STOCK:
        parts.append("Units available now cover this line: offer them to it")
    elif eta.likely is not None:
        parts.append(f"Likely {day(eta.likely)}; late case {day(eta.late)}")
        if eta.expected is not None:
            parts.append(f"Supplier's expected date: {day(eta.expected)}")
        if eta.confidence:
            parts.append(f"{eta.po_ref}'s supplier: {eta.confidence}")
    elif eta.status != NOT_ON_ORDER:
        parts.append("The covering purchase order has no expected date")
    if eta.status == NOT_ON_ORDER:
        parts.append(f"{eta.shortfall:,} of {row.qty_waiting:,} units are on no purchase order")
    if eta.moved_later:
        parts.append(f"ETA moved later: it was {eta.was_text}")
    return "\n".join(parts)


def queue_text(row: BackorderRow) -> str:
    """ "3rd · 12 units ahead" (its product's queue; "…" until computed)."""
    if row.position <= 0:
        return "…"
    ahead = f"{row.units_ahead:,} unit{'' if row.units_ahead == 1 else 's'} ahead"
    return f"{ordinal(row.position)} · {ahead}"


def queue_tip(row: BackorderRow) -> str:
    parts = [
        f"{ordinal(row.position)} of {row.queue_length:,} lines waiting for {row.sku}; "
        f"{row.units_ahead:,} units wait on the lines ahead of it"
    ]
    if row.pinned:
        parts.append("Pinned to the front by a manager")
    if row.gold:
        parts.append("Gold customer: served first under “Gold customers first”")
    return "\n".join(parts)


class BackordersModel(PagedTableModel):
    # Widths: at 1,200-1,280 px the fixed columns leave the stretching Product column about
    # 190-270 px, and a SKU of 12 characters, a customer's name with its ★ and "not on order
    # (1 short)" fit whole.
    columns = (
        Column(
            "Pin",
            lambda r: "Pinned" if r.pinned else "",
            None,
            width=56,
            tone=lambda r: "good" if r.pinned else None,
            tooltip="Pinned lines are served before all others, in the order they were pinned",
        ),
        Column(
            "Queue",
            queue_text,
            "position",
            width=136,
            tip=queue_tip,
            tooltip="Place in its product's queue under the serving policy, and the units "
            "waiting on the lines ahead of it. Sorted: the order receipts serve",
        ),
        Column(
            "Customer",
            lambda r: f"{r.customer} ★" if r.gold else r.customer,
            "customer",
            width=172,
            tip=lambda r: "Gold customer" if r.gold else None,
        ),
        Column("Order", lambda r: r.order_ref, "order_ref", width=92),
        Column("Line", lambda r: r.line_no, width=40, numeric=True),
        Column("SKU", lambda r: r.sku, "sku", width=118),
        Column("Product", lambda r: r.product_name, "product_name", width=180, stretch=True),
        Column(
            "Waiting",
            lambda r: r.qty_waiting,
            "qty_waiting",
            width=62,
            numeric=True,
            tooltip="Units this line waits for",
        ),
        Column(
            "Days",
            lambda r: r.days_waiting,
            "days_waiting",
            width=46,
            numeric=True,
            tooltip="Days waiting since the order was placed",
            tip=lambda r: f"Placed {format_value(r.placed_at)}",
        ),
        Column(
            "ETA",
            eta_text,
            "eta",
            width=168,
            tone=eta_tone,
            tip=eta_tip,
            tooltip="When the line is likely filled (after the dash: the late case), from the "
            "open purchase orders covering it and the supplier's delivery history",
        ),
        Column(
            "PO",
            lambda r: r.eta.po_ref if r.eta is not None else None,
            None,
            width=80,
            tooltip="The purchase order covering this line (the one expected last)",
        ),
    )
    query_type = BackorderQuery
    read_page = staticmethod(views.backorders_page)
    read_count = staticmethod(views.count_backorders)
    key_field = "order_line_id"

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(database, parent)
        self.units_waiting = 0  #: every backordered unit in the shop
        self.units_shown = 0  #: those of the lines the filters let through
        self.policy = QueuePolicy.FIFO

    def count_rows(self, session: Session, query: Any) -> Count:
        self.units_waiting = views.units_waiting(session)
        self.units_shown = (
            views.units_waiting(session, query) if query.filtered else self.units_waiting
        )
        self.policy = get_queue_policy(session)
        return super().count_rows(session, query)
