"""The Stock tab's read queries: products with on hand, allocated, incoming and backordered.

``stock_figures`` is also the export's query (streamed over every product), so the figures a
user sees on screen and in a CSV come from one statement. No Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from app.domain import OrderLine, Product, PurchaseOrder, PurchaseOrderLine, StockBalance
from app.domain.enums import BackorderPolicy, PurchaseOrderStatus
from app.services.views.common import COUNT_CAP, Count, _capped_count, _in_page_order, _ordered
from app.services.views.search import _like

INCOMING_STATUSES = tuple(s for s in PurchaseOrderStatus if s.is_incoming)

S = TypeVar("S", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True, slots=True)
class StockRow:
    product_id: int
    sku: str
    name: str
    barcode: str | None
    on_hand: int
    allocated: int
    available: int
    incoming: int  #: outstanding units on open and partially received purchase orders
    backordered: int  #: units customers wait for
    policy: BackorderPolicy
    next_expected: date | None = None  #: the soonest expected date of its incoming units


@dataclass(frozen=True, slots=True)
class StockQuery:
    search: str = ""  #: part of a SKU, name or barcode
    sort: str = "sku"
    descending: bool = False


def _on_hand_of_product() -> Any:
    return (
        select(func.coalesce(func.sum(StockBalance.on_hand), 0))
        .where(StockBalance.product_id == Product.id)
        .scalar_subquery()
    )


def _allocated_of_product() -> Any:
    return (
        select(func.coalesce(func.sum(StockBalance.allocated), 0))
        .where(StockBalance.product_id == Product.id)
        .scalar_subquery()
    )


def _stock_sorts() -> dict[str, Any]:
    return {
        "sku": Product.sku,
        "name": Product.name,
        "on_hand": _on_hand_of_product(),
        "allocated": _allocated_of_product(),
        "available": _on_hand_of_product() - _allocated_of_product(),
        "policy": Product.backorder_policy,
    }


#: Columns the Stock tab may sort by (incoming and backordered would aggregate every line).
STOCK_SORTS = frozenset(_stock_sorts())


def _stock_ids(session: Session, query: StockQuery) -> Select[Any]:
    stmt = select(Product.id)
    condition = _like(session, query.search, Product.sku, Product.name, Product.barcode)
    return stmt if condition is None else stmt.where(condition)


def stock_page(session: Session, query: StockQuery, offset: int, limit: int) -> list[StockRow]:
    """One page of the Stock tab: products with their on hand, incoming and backordered."""
    stmt = _ordered(
        _stock_ids(session, query), _stock_sorts(), query.sort, query.descending, Product.id
    )
    ids = list(session.scalars(stmt.offset(offset).limit(limit)))
    if not ids:
        return []
    return stock_rows(session, ids)


def _outstanding_units() -> ColumnElement[int]:
    """A purchase order line's units still due: ordered minus received, never below zero."""
    return case(
        (
            PurchaseOrderLine.qty_ordered > PurchaseOrderLine.qty_received,
            PurchaseOrderLine.qty_ordered - PurchaseOrderLine.qty_received,
        ),
        else_=0,
    )


def stock_figures(
    product_ids: Sequence[int] | None = None,
) -> Select[int, str, Any, Any, Any, Any]:
    """(product id, sku, on hand, allocated, incoming, backordered) per product.

    Incoming is what is still due on open and partially received purchase orders; backordered
    is what customers wait for. With ``product_ids``, only those products (and their figures
    alone) are read; without, every product, for a streamed export.
    """

    def only(stmt: S, column: Any) -> S:
        return stmt if product_ids is None else stmt.where(column.in_(product_ids))

    balances = (
        only(
            select(
                StockBalance.product_id.label("product_id"),
                func.sum(StockBalance.on_hand).label("on_hand"),
                func.sum(StockBalance.allocated).label("allocated"),
            ),
            StockBalance.product_id,
        )
        .group_by(StockBalance.product_id)
        .subquery()
    )
    incoming = (
        only(
            select(
                PurchaseOrderLine.product_id.label("product_id"),
                func.sum(_outstanding_units()).label("incoming"),
            )
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
            .where(PurchaseOrder.status.in_(INCOMING_STATUSES)),
            PurchaseOrderLine.product_id,
        )
        .group_by(PurchaseOrderLine.product_id)
        .subquery()
    )
    waiting = (
        only(
            select(
                OrderLine.product_id.label("product_id"),
                func.sum(OrderLine.qty_backordered).label("backordered"),
            ).where(OrderLine.qty_backordered > 0),
            OrderLine.product_id,
        )
        .group_by(OrderLine.product_id)
        .subquery()
    )
    stmt = (
        select(
            Product.id,
            Product.sku,
            func.coalesce(balances.c.on_hand, 0),
            func.coalesce(balances.c.allocated, 0),
            func.coalesce(incoming.c.incoming, 0),
            func.coalesce(waiting.c.backordered, 0),
        )
        .outerjoin(balances, balances.c.product_id == Product.id)
        .outerjoin(incoming, incoming.c.product_id == Product.id)
        .outerjoin(waiting, waiting.c.product_id == Product.id)
    )
    return only(stmt, Product.id)


def stock_rows(session: Session, product_ids: Sequence[int]) -> list[StockRow]:
    """Stock rows of these products, in the order given (figures computed for them alone)."""
    next_expected = next_expected_dates(session, product_ids)
    stmt = stock_figures(product_ids).add_columns(
        Product.name, Product.barcode, Product.backorder_policy
    )
    rows = [
        StockRow(
            product_id=pid,
            sku=sku,
            name=name,
            barcode=barcode,
            on_hand=int(on_hand),
            allocated=int(allocated),
            available=int(on_hand) - int(allocated),
            incoming=int(incoming),
            backordered=int(backordered),
            policy=policy,
            next_expected=next_expected.get(pid) if incoming else None,
        )
        for pid, sku, on_hand, allocated, incoming, backordered, name, barcode, policy in (
            session.execute(stmt)
        )
    ]
    return _in_page_order(product_ids, rows, lambda row: row.product_id)


def next_expected_dates(session: Session, product_ids: Sequence[int]) -> dict[int, date]:
    """Per product, the soonest expected date of an open PO with units still due for it."""
    rows = session.execute(
        select(PurchaseOrderLine.product_id, func.min(PurchaseOrder.expected_date))
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .where(
            PurchaseOrderLine.product_id.in_(product_ids),
            PurchaseOrder.status.in_(INCOMING_STATUSES),
            PurchaseOrderLine.qty_ordered > PurchaseOrderLine.qty_received,
            PurchaseOrder.expected_date.is_not(None),
        )
        .group_by(PurchaseOrderLine.product_id)
    )
    return {pid: expected for pid, expected in rows if expected is not None}


def count_products(session: Session, query: StockQuery, cap: int = COUNT_CAP) -> Count:
    return _capped_count(session, _stock_ids(session, query), cap)
