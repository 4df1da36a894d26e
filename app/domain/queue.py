"""The serving order of the backorder queue, in one place.

Every part of Shopkeeper that needs "who is served first" (the receive preview, freed-stock
allocation, the Backorders tab, the export) takes its ordering from here, so the queue a clerk
sees is the queue that receipts serve.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.domain.orders import OrderLine, SalesOrder


def serving_order() -> tuple[Any, ...]:
    """SQL ORDER BY terms: first placed, first served; then order ref, then line number.

    Queries using it must join SalesOrder to OrderLine.
    """
    return (OrderLine.queued_at, SalesOrder.ref, OrderLine.line_no)


def serving_key(queued_at: datetime, order_ref: str, line_no: int) -> tuple[datetime, str, int]:
    """The same ordering as :func:`serving_order`, for rows already in memory."""
    return (queued_at, order_ref, line_no)
