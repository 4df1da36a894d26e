"""The Backorders tab's rows: the backorder queue, in the order receipts will serve it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from sqlalchemy.orm import Session

from app.db import Database
from app.services import views
from app.services.eta import IN_STOCK, NOT_ON_ORDER
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
        parts.append(f"Likely {eta.likely:%a %d %b}; late case {eta.late:%a %d %b}")
        if eta.expected is not None:
            parts.append(f"Supplier's expected date: {eta.expected:%a %d %b}")
        if eta.confidence:
            parts.append(f"{eta.po_ref}'s supplier: {eta.confidence}")
    elif eta.status != NOT_ON_ORDER:
        parts.append("The covering purchase order has no expected date")
    if eta.status == NOT_ON_ORDER:
        parts.append(f"{eta.shortfall:,} of {row.qty_waiting:,} units are on no purchase order")
    if eta.moved_later:
        parts.append(f"ETA moved later: it was {eta.was_text}")
    return "\n".join(parts)


class BackordersModel(PagedTableModel):
    columns = (
        Column(
            "#",
            lambda r: r.position,
            "position",
            width=48,
            numeric=True,
            tooltip="Place in the backorder queue: first placed, first served",
        ),
        Column("Customer", lambda r: r.customer, "customer", width=150),
        Column("Order", lambda r: r.order_ref, "order_ref", width=92),
        Column("Line", lambda r: r.line_no, width=44, numeric=True),
        Column("SKU", lambda r: r.sku, "sku", width=116),
        Column("Product", lambda r: r.product_name, "product_name", width=220, stretch=True),
        Column(
            "Waiting",
            lambda r: r.qty_waiting,
            "qty_waiting",
            width=72,
            numeric=True,
            tooltip="Units this line waits for",
        ),
        Column(
            "Units ahead",
            lambda r: r.units_ahead,
            None,
            width=84,
            numeric=True,
            tooltip="Units of this product promised to lines ahead of this one in the queue",
        ),
        Column(
            "Days",
            lambda r: r.days_waiting,
            "days_waiting",
            width=48,
            numeric=True,
            tooltip="Days waiting since the order was placed",
        ),
        Column(
            "Placed",
            lambda r: r.placed_at.astimezone().date(),
            "placed_at",
            width=96,
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
        self.units_waiting = 0

    def count_rows(self, session: Session, query: Any) -> Count:
        self.units_waiting = views.units_waiting(session)
        return super().count_rows(session, query)
