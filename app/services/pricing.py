"""Prices on order lines and the totals of orders and purchase orders.

An order line keeps the price of one unit as the clerk agreed it: the product's price when
the order is placed unless the clerk typed another. Amounts are exact ``Decimal`` end to end,
checked like every amount the shop types (``catalog.parse_money``: not negative, not beyond
what the database holds, at most two decimals) and, in addition, with no more decimals than
the shop's currency has (none for yen). No Qt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import Product, PurchaseOrder, PurchaseOrderLine
from app.domain.errors import InvalidInput
from app.services.catalog import parse_money
from app.services.formatting import currency_digits
from app.services.shop_settings import get_currency

ZERO = Decimal("0.00")


def parse_price(text: str | Decimal | int, currency: str, *, what: str = "Price") -> Decimal:
    """An amount the shop may charge or pay in ``currency``, or an :class:`InvalidInput`
    saying why not ("Price of WIDGET cannot be negative (-1)", "... has decimals, but JPY
    has none")."""
    value = parse_money(text, what=what)
    digits = min(currency_digits(currency), 2)
    if value != value.quantize(Decimal(1).scaleb(-digits)):
        shown = str(text).strip()[:20]
        if digits == 0:
            raise InvalidInput(f"{what} {shown} has decimals, but {currency} has none")
        raise InvalidInput(f"{what} {shown} has more decimals than {currency} uses ({digits})")
    return value


def line_amount(qty: int, unit_price: Decimal) -> Decimal:
    """What ``qty`` units at ``unit_price`` come to, exactly."""
    return (unit_price * qty).quantize(Decimal("0.01"))


def total(lines: Iterable[tuple[int, Decimal]]) -> Decimal:
    """The exact total of (quantity, unit price) pairs."""
    return sum((line_amount(qty, price) for qty, price in lines), ZERO)


@dataclass(frozen=True, slots=True)
class CostQuote:
    """What a purchase order's lines cost each, for the PO dialogs (read, never written)."""

    currency: str
    costs: dict[int, Decimal]  #: product id -> unit cost

    def total(self, lines: Iterable[tuple[int, int]]) -> Decimal:
        """The cost of (product id, quantity) lines."""
        return total((qty, self.costs.get(pid, ZERO)) for pid, qty in lines)


def quote_costs(
    session: Session, product_ids: Iterable[int], po_ref: str | None = None
) -> CostQuote:
    """Each product's unit cost on a purchase order: the one a line of the PO ``po_ref``
    already holds, else the product's cost now (what a new line gets)."""
    ids = sorted(set(product_ids))
    costs: dict[int, Decimal] = {}
    if ids:
        products = select(Product.id, Product.cost).where(Product.id.in_(ids))
        costs.update((pid, cost) for pid, cost in session.execute(products))
        if po_ref is not None:
            held = (
                select(PurchaseOrderLine.product_id, PurchaseOrderLine.unit_cost)
                .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
                .where(PurchaseOrder.ref == po_ref, PurchaseOrderLine.product_id.in_(ids))
            )
            costs.update((pid, cost) for pid, cost in session.execute(held))
    return CostQuote(get_currency(session), costs)
