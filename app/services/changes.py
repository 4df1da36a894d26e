"""What a write changed: the typed value every writing service returns (as ``.changes``).

A window refreshes only what shows changed data, and later consumers (customer
notifications, the audit trail) need to know what a use case touched. The service knows that
best, so it says so, instead of each dialog guessing a list of areas to refresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Area(StrEnum):
    """A part of the shop a change can touch; a view refreshes when one it shows changed."""

    STOCK = "stock"  #: on hand, allocated, available or incoming units of products
    QUEUE = "queue"  #: who waits for what, in which order, and their ETAs
    ORDERS = "orders"  #: customer orders: their lines, statuses and ship preferences
    PURCHASE_ORDERS = "purchase_orders"  #: purchase orders: lines, dates, statuses
    CATALOG = "catalog"  #: products, customers and suppliers themselves
    COUPONS = "coupons"  #: goodwill coupons: given when an order ships, used on a new one
    SETTINGS = "settings"  #: shop-wide settings every till shares (the queue policy, ...)
    NOTIFICATIONS = "notifications"  #: messages to customers waiting, sent or failed


@dataclass(frozen=True, slots=True)
class Changes:
    """The areas a write touched and, where known, which records.

    Empty ids with an area set means "some of them": a view showing that area refreshes.
    ``Changes()`` (no area) means nothing changed. Combine two with ``|``.
    """

    areas: frozenset[Area] = frozenset()
    product_ids: frozenset[int] = frozenset()
    order_refs: frozenset[str] = frozenset()
    purchase_order_refs: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        *areas: Area,
        product_ids: Iterable[int] = (),
        order_refs: Iterable[str] = (),
        purchase_order_refs: Iterable[str] = (),
    ) -> Changes:
        return cls(
            frozenset(areas),
            frozenset(product_ids),
            frozenset(order_refs),
            frozenset(purchase_order_refs),
        )

    @classmethod
    def everything(cls) -> Changes:
        """Anything may have changed (another till's commit, a restored backup)."""
        return cls(frozenset(Area))

    def touches(self, areas: Area | Iterable[Area]) -> bool:
        """Whether ``areas`` (one area, or any of several) changed.

        One area is taken whole: an ``Area`` is a string, and iterating it would test its
        letters and always answer no."""
        if isinstance(areas, Area):
            return areas in self.areas
        return not self.areas.isdisjoint(areas)

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            self.areas | other.areas,
            self.product_ids | other.product_ids,
            self.order_refs | other.order_refs,
            self.purchase_order_refs | other.purchase_order_refs,
        )

    def __bool__(self) -> bool:
        return bool(self.areas)


NO_CHANGES = Changes()


class Changing(Protocol):
    """A service result that says what its write changed."""

    @property
    def changes(self) -> Changes: ...
