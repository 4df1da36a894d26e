"""The Purchase orders tab's read queries: POs with ordered, received and outstanding units.

No Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Select, cast, func, select
from sqlalchemy.orm import Session

from app.domain import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus, Supplier
from app.services.shop_settings import get_currency
from app.services.views.common import COUNT_CAP, Count, _capped_count, _in_page_order, _ordered
from app.services.views.search import _like
from app.services.views.stock import _outstanding_units


@dataclass(frozen=True, slots=True)
class PurchaseOrderRow:
    po_id: int
    ref: str
    supplier: str
    ordered_at: datetime | None
    expected_date: date | None
    status: PurchaseOrderStatus
    ordered: int
    received: int
    outstanding: int
    #: What the PO costs: units ordered at each line's unit cost, exact.
    total: Decimal = Decimal("0.00")
    currency: str = "EUR"  #: the shop's currency, to show ``total`` in


@dataclass(frozen=True, slots=True)
class PurchaseOrderQuery:
    search: str = ""  #: part of the PO reference or the supplier's name
    sort: str = "ordered_at"
    descending: bool = True


def _po_sorts() -> dict[str, Any]:
    return {
        "ref": PurchaseOrder.ref,
        "supplier": Supplier.name,
        "ordered_at": PurchaseOrder.ordered_at,
        "expected_date": PurchaseOrder.expected_date,
        "status": PurchaseOrder.status,
    }


PURCHASE_ORDER_SORTS = frozenset(_po_sorts())


def _po_ids(session: Session, query: PurchaseOrderQuery) -> Select[Any]:
    stmt = select(PurchaseOrder.id).join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
    condition = _like(session, query.search, PurchaseOrder.ref, Supplier.name)
    return stmt if condition is None else stmt.where(condition)


def purchase_orders_page(
    session: Session, query: PurchaseOrderQuery, offset: int, limit: int
) -> list[PurchaseOrderRow]:
    """One page of the Purchase orders tab, with ordered, received and outstanding units."""
    stmt = _ordered(
        _po_ids(session, query), _po_sorts(), query.sort, query.descending, PurchaseOrder.id
    )
    ids = list(session.scalars(stmt.offset(offset).limit(limit)))
    if not ids:
        return []
    outstanding = _outstanding_units()
    # Whole cents summed, so SQLite's float prices add up exactly as PostgreSQL's numeric.
    cents = cast(func.round(PurchaseOrderLine.unit_cost * 100), Integer)
    currency = get_currency(session)
    totals = {
        po_id: (ordered, received, due, cost)
        for po_id, ordered, received, due, cost in session.execute(
            select(
                PurchaseOrderLine.purchase_order_id,
                func.sum(PurchaseOrderLine.qty_ordered),
                func.sum(PurchaseOrderLine.qty_received),
                func.sum(outstanding),
                func.sum(cents * PurchaseOrderLine.qty_ordered),
            )
            .where(PurchaseOrderLine.purchase_order_id.in_(ids))
            .group_by(PurchaseOrderLine.purchase_order_id)
        )
    }
    rows = []
    for po_id, ref, supplier, ordered_at, expected, status in session.execute(
        select(
            PurchaseOrder.id,
            PurchaseOrder.ref,
            Supplier.name,
            PurchaseOrder.ordered_at,
            PurchaseOrder.expected_date,
            PurchaseOrder.status,
        )
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .where(PurchaseOrder.id.in_(ids))
    ):
        ordered, received, due, cost = totals.get(po_id, (0, 0, 0, 0))
        rows.append(
            PurchaseOrderRow(
                po_id=po_id,
                ref=ref,
                supplier=supplier,
                ordered_at=ordered_at,
                expected_date=expected,
                status=status,
                ordered=int(ordered or 0),
                received=int(received or 0),
                outstanding=int(due or 0),
                total=Decimal(int(cost or 0)).scaleb(-2),
                currency=currency,
            )
        )
    return _in_page_order(ids, rows, lambda row: row.po_id)


def count_purchase_orders(
    session: Session, query: PurchaseOrderQuery, cap: int = COUNT_CAP
) -> Count:
    return _capped_count(session, _po_ids(session, query), cap)
