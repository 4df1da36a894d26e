"""The one rule deriving an order's status from its lines' totals."""

from __future__ import annotations

import pytest

from app.domain.enums import OrderStatus, PurchaseOrderStatus
from app.domain.orders import OrderTotals, derive_order_status
from app.domain.purchasing import derive_po_status


@pytest.mark.parametrize(
    ("totals", "expected"),
    [
        (OrderTotals(ordered=5, backordered=5), OrderStatus.BACKORDERED),
        (OrderTotals(ordered=5, allocated=2, backordered=3), OrderStatus.PART_READY),
        (OrderTotals(ordered=5, shipped=2, backordered=3), OrderStatus.BACKORDERED),
        (OrderTotals(ordered=5, allocated=5), OrderStatus.READY_TO_SHIP),
        (OrderTotals(ordered=5, shipped=2, allocated=3), OrderStatus.READY_TO_SHIP),
        (OrderTotals(ordered=5, cancelled=1, allocated=4), OrderStatus.READY_TO_SHIP),
        (OrderTotals(ordered=5, shipped=5), OrderStatus.SHIPPED),
        (OrderTotals(ordered=5, shipped=3, cancelled=2), OrderStatus.SHIPPED),
        (OrderTotals(ordered=5, cancelled=5), OrderStatus.CANCELLED),
        (OrderTotals(), OrderStatus.OPEN),
    ],
)
def test_order_status_follows_from_line_totals(totals: OrderTotals, expected: OrderStatus) -> None:
    assert derive_order_status(totals) == expected


def test_a_ship_complete_order_waits_whatever_else_is_allocated() -> None:
    totals = OrderTotals(ordered=100, allocated=99, backordered=1)
    assert derive_order_status(totals, ship_complete=True) == OrderStatus.BACKORDERED


def test_a_ship_partial_order_is_part_ready_once_anything_is_allocated() -> None:
    totals = OrderTotals(ordered=100, allocated=1, backordered=99)
    assert derive_order_status(totals) == OrderStatus.PART_READY
    waiting = OrderTotals(ordered=100, shipped=1, backordered=99)
    assert derive_order_status(waiting) == OrderStatus.BACKORDERED


@pytest.mark.parametrize(
    ("current", "ordered", "received", "expected"),
    [
        (PurchaseOrderStatus.OPEN, 10, 0, PurchaseOrderStatus.OPEN),
        (PurchaseOrderStatus.OPEN, 10, 4, PurchaseOrderStatus.PARTIALLY_RECEIVED),
        (PurchaseOrderStatus.PARTIALLY_RECEIVED, 10, 10, PurchaseOrderStatus.RECEIVED),
        (PurchaseOrderStatus.OPEN, 10, 12, PurchaseOrderStatus.RECEIVED),
        (PurchaseOrderStatus.DRAFT, 10, 10, PurchaseOrderStatus.DRAFT),
        (PurchaseOrderStatus.CANCELLED, 10, 4, PurchaseOrderStatus.CANCELLED),
    ],
)
def test_po_status_follows_from_received_units(
    current: PurchaseOrderStatus, ordered: int, received: int, expected: PurchaseOrderStatus
) -> None:
    assert derive_po_status(current, ordered, received) == expected


def test_only_open_and_partially_received_pos_count_as_incoming() -> None:
    incoming = {status for status in PurchaseOrderStatus if status.is_incoming}
    assert incoming == {PurchaseOrderStatus.OPEN, PurchaseOrderStatus.PARTIALLY_RECEIVED}
