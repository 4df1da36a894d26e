"""Everything New order shows before the order is placed, read in one go. No Qt.

What placing each line would do (``ordering.quote_lines``), the product's price for lines
whose price the clerk did not change, the shop's currency, and for each line that would wait
its ETA (``eta.preview``) and whether that is a long wait by the shop's setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from app.services.eta.preview import WaitPreview, preview_waits
from app.services.ordering import LineRequest, Quote, quote_lines
from app.services.pricing import line_amount
from app.services.shop_settings import get_currency, get_long_wait_days


@dataclass(frozen=True, slots=True)
class OrderPreview:
    quote: Quote
    currency: str
    long_wait_days: int
    today: date
    #: Per product id: the ETA of its units that would wait (absent: nothing waits).
    waits: dict[int, WaitPreview] = field(default_factory=dict)

    def price(self, product_id: int) -> Decimal | None:
        """The product's price now (a line's unit price unless the clerk changed it)."""
        return next((d.price for d in self.quote.lines if d.product_id == product_id), None)

    def long_waits(self) -> list[WaitPreview]:
        """The waits the customer should hear about before paying, in line order."""
        return [
            wait
            for decision in self.quote.lines
            if (wait := self.waits.get(decision.product_id)) is not None
            and wait.is_long(self.long_wait_days, self.today)
        ]

    def total(self, requests: Sequence[LineRequest]) -> Decimal:
        """What the order comes to: each line's quantity at its unit price (the one typed,
        else the product's)."""
        amount = Decimal("0.00")
        for request, decision in zip(requests, self.quote.lines, strict=True):
            price = decision.price if request.unit_price is None else request.unit_price
            amount += line_amount(request.qty, price)
        return amount


def preview_order(
    session: Session,
    customer_id: int | None,
    requests: Sequence[LineRequest],
    *,
    today: date | None = None,
) -> OrderPreview:
    """Preview an order for New order. Writes nothing and locks nothing."""
    quote = quote_lines(session, customer_id, requests)
    placed = [d for d in quote.lines if not d.refused]
    waits = preview_waits(
        session,
        {d.product_id: d.backordered for d in placed},
        {d.product_id: d.allocated for d in placed},
    )
    return OrderPreview(
        quote,
        get_currency(session),
        get_long_wait_days(session),
        today or date.today(),
        waits,
    )
