"""Suggested purchase orders: what to order so every waiting customer is covered and no
product stays below its reorder point, grouped by preferred supplier into drafts.

The rule, per product::

    projected = on hand - allocated + incoming - backordered
    suggest   = reorder point - projected, when projected < reorder point

*Incoming* is what is still outstanding on open and partially received POs (drafts and
cancelled POs are not on order), so nothing already on order is ordered twice. With a reorder
point of 0 the suggestion is exactly the backordered units no incoming stock covers; with a
reorder point it also tops the shop back up to that point. Products without a preferred
supplier are listed in a group of their own, which becomes no draft.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from app.domain import (
    OrderLine,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    StockBalance,
    Supplier,
)
from app.domain.permissions import Permission, require
from app.services.changes import NO_CHANGES, Changes
from app.services.ordering import LineRequest
from app.services.purchasing import create_purchase_order

NO_SUPPLIER = "No supplier"

_INCOMING = [s for s in PurchaseOrderStatus if s.is_incoming]


@dataclass(frozen=True, slots=True)
class SuggestedLine:
    product_id: int
    sku: str
    name: str
    qty: int  #: units suggested (the owner may change it before creating the drafts)
    unit_cost: Decimal
    on_hand: int
    allocated: int
    incoming: int
    backordered: int
    reorder_point: int
    in_drafts: int = 0  #: units already on draft POs (not counted as on order)
    supplier_sku: str | None = None  #: what the preferred supplier calls the product

    @property
    def projected(self) -> int:
        """What the shop will have free once everything on order arrives and waiting
        customers are served (negative: customers nothing on order covers)."""
        return self.on_hand - self.allocated + self.incoming - self.backordered

    @property
    def not_on_order(self) -> int:
        """Backordered units that neither free stock nor incoming stock covers."""
        return max(0, -self.projected)

    @property
    def reason(self) -> str:
        parts = []
        if self.not_on_order:
            parts.append(f"{self.not_on_order:,} waiting, not on order")
        top_up = self.suggested - self.not_on_order
        if top_up > 0:
            parts.append(f"{top_up:,} to reach reorder point {self.reorder_point:,}")
        if self.in_drafts:
            parts.append(f"{self.in_drafts:,} already on drafts")
        return "; ".join(parts)

    @property
    def suggested(self) -> int:
        """The rule's quantity (``qty`` before the owner edits it)."""
        return max(0, self.reorder_point - self.projected)


@dataclass(frozen=True, slots=True)
class SuggestedPO:
    supplier_code: str | None  #: None: the products that have no preferred supplier
    supplier_name: str
    lead_time_days: int
    lines: tuple[SuggestedLine, ...]

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.lines)

    @property
    def cost(self) -> Decimal:
        return sum((line.unit_cost * line.qty for line in self.lines), Decimal("0.00"))

    def with_quantities(self, quantities: dict[int, int]) -> SuggestedPO:
        """A copy with the owner's quantities (product id -> units; 0 drops the line)."""
        return replace(
            self,
            lines=tuple(
                replace(line, qty=quantities.get(line.product_id, line.qty)) for line in self.lines
            ),
        )


def _outstanding() -> ColumnElement[int]:
    return case(
        (
            PurchaseOrderLine.qty_ordered > PurchaseOrderLine.qty_received,
            PurchaseOrderLine.qty_ordered - PurchaseOrderLine.qty_received,
        ),
        else_=0,
    )


def _per_product(session: Session, stmt: Select[int, int]) -> dict[int, int]:
    return {pid: int(units or 0) for pid, units in session.execute(stmt)}


def suggest_purchase_orders(session: Session) -> list[SuggestedPO]:
    """Draft POs to suggest, one per preferred supplier (by name), then the "no supplier"
    group; each line's ``qty`` follows the rule in this module's docstring."""
    backordered = _per_product(
        session,
        select(OrderLine.product_id, func.sum(OrderLine.qty_backordered))
        .where(OrderLine.qty_backordered > 0)
        .group_by(OrderLine.product_id),
    )
    po_units = select(PurchaseOrderLine.product_id, func.sum(_outstanding())).join(
        PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id
    )
    incoming = _per_product(
        session,
        po_units.where(PurchaseOrder.status.in_(_INCOMING)).group_by(PurchaseOrderLine.product_id),
    )
    in_drafts = _per_product(
        session,
        po_units.where(PurchaseOrder.status == PurchaseOrderStatus.DRAFT).group_by(
            PurchaseOrderLine.product_id
        ),
    )
    # Only products that could need ordering: someone waits, or a reorder point is set.
    waiting = select(OrderLine.product_id).where(OrderLine.qty_backordered > 0)
    candidates = select(Product.id).where(
        (Product.reorder_point > 0) | Product.id.in_(waiting),
        Product.archived_at.is_(None),  # an archived product is not bought again
    )
    balances = {
        pid: (int(on_hand or 0), int(allocated or 0))
        for pid, on_hand, allocated in session.execute(
            select(
                StockBalance.product_id,
                func.sum(StockBalance.on_hand),
                func.sum(StockBalance.allocated),
            )
            .where(StockBalance.product_id.in_(candidates))
            .group_by(StockBalance.product_id)
        )
    }
    groups: dict[int | None, list[SuggestedLine]] = {}
    for product in session.scalars(
        select(Product).where(Product.id.in_(candidates)).order_by(Product.sku)
    ):
        on_hand, allocated = balances.get(product.id, (0, 0))
        line = SuggestedLine(
            product_id=product.id,
            sku=product.sku,
            name=product.name,
            qty=0,
            unit_cost=product.cost,
            on_hand=on_hand,
            allocated=allocated,
            incoming=incoming.get(product.id, 0),
            backordered=backordered.get(product.id, 0),
            reorder_point=product.reorder_point,
            in_drafts=in_drafts.get(product.id, 0),
            supplier_sku=product.supplier_sku,
        )
        if line.suggested > 0:
            groups.setdefault(product.supplier_id, []).append(replace(line, qty=line.suggested))
    suppliers = {
        s.id: s for s in session.scalars(select(Supplier).where(Supplier.id.in_(list(groups))))
    }
    for supplier in [s for s in suppliers.values() if s.archived_at is not None]:
        # The shop no longer buys from it: its products wait for a supplier to be chosen.
        groups.setdefault(None, []).extend(groups.pop(supplier.id))
        del suppliers[supplier.id]
    suggestions = [
        SuggestedPO(s.code, s.name, s.lead_time_days, tuple(groups[s.id]))
        for s in sorted(suppliers.values(), key=lambda s: (s.name, s.code))
    ]
    if None in groups:
        suggestions.append(SuggestedPO(None, NO_SUPPLIER, 0, tuple(groups[None])))
    return suggestions


@dataclass(frozen=True, slots=True)
class CreatedDrafts:
    """The draft POs created from suggestions (none: every line was 0 units)."""

    refs: tuple[str, ...]
    changes: Changes  #: the drafts and their products (drafts are not incoming stock)


def create_suggested_purchase_orders(
    session: Session, suggestions: Iterable[SuggestedPO]
) -> CreatedDrafts:
    """Create one draft PO per supplier from (possibly edited) suggestions. Lines of 0
    units, suppliers left with no line and the "no supplier" group are skipped."""
    require(session, Permission.EDIT_PURCHASE_ORDER)
    refs: list[str] = []
    changes = NO_CHANGES
    for suggestion in suggestions:
        lines: Sequence[LineRequest] = [
            LineRequest(line.sku, line.qty) for line in suggestion.lines if line.qty > 0
        ]
        if suggestion.supplier_code is None or not lines:
            continue
        po = create_purchase_order(session, suggestion.supplier_code, lines, draft=True)
        refs.append(po.ref)
        changes |= po.changes
    return CreatedDrafts(tuple(refs), changes)
