"""The Orders tab's rows: one per customer order, with its line totals."""

from __future__ import annotations

from app.domain import OrderStatus
from app.services import formatting, views
from app.services.eta import NOT_ON_ORDER
from app.services.views import OrderQuery
from app.ui.models.paged_model import Column, PagedTableModel

STATUS_TONES = {
    OrderStatus.BACKORDERED: "warn",
    OrderStatus.PART_READY: "good",
    OrderStatus.READY_TO_SHIP: "good",
    OrderStatus.SHIPPED: "quiet",
    OrderStatus.CANCELLED: "quiet",
}


class OrdersModel(PagedTableModel):
    #: ETA beside the status, before the customer: what the clerk answers on the phone
    #: ("when will it come?") stays in sight on a small screen instead of scrolling off.
    columns = (
        Column("Ref", lambda r: r.ref, "ref", width=110),
        Column(
            "Status",
            lambda r: r.status,
            "status",
            width=130,
            tone=lambda r: STATUS_TONES.get(r.status),
        ),
        Column(
            "ETA",
            lambda r: r.eta.text if r.eta is not None else ("…" if r.backordered else ""),
            width=180,
            tone=lambda r: (
                "warn"
                if r.eta is not None
                and (r.eta.status == NOT_ON_ORDER or r.eta.text.startswith("overdue"))
                else None
            ),
            tooltip="When the order's last waiting line is likely filled (late case after the "
            'dash); "not on order" if any waiting unit is on no purchase order',
        ),
        Column("Customer", lambda r: r.customer, "customer", width=220, stretch=True),
        Column(
            "Ships",
            lambda r: r.ship_preference.value + ("*" if r.overridden else ""),
            width=76,
            tone=lambda r: "warn" if r.held else None,
            tooltip="Partial: what is here ships now. Complete: held until every unit is "
            "here (* chosen for this order by a manager)",
        ),
        Column("Placed at", lambda r: r.placed_at, "placed_at", width=150),
        Column("Lines", lambda r: r.lines, width=60, numeric=True),
        Column("Ordered", lambda r: r.ordered, width=76, numeric=True),
        Column(
            "Allocated",
            lambda r: r.allocated,
            width=80,
            numeric=True,
            tooltip="Units on hand promised to this order, ready to ship",
        ),
        Column(
            "Backordered",
            lambda r: r.backordered,
            width=96,
            numeric=True,
            waiting=True,
            tooltip="Units of this order waiting for stock",
        ),
        Column("Shipped", lambda r: r.shipped, width=76, numeric=True),
        Column(
            "Total",
            lambda r: formatting.money(r.total, r.currency),
            width=100,
            numeric=True,
            tooltip="What the order comes to: its units not cancelled at their line prices",
        ),
    )
    query_type = OrderQuery
    read_page = staticmethod(views.orders_page)
    read_count = staticmethod(views.count_orders)
    key_field = "ref"
