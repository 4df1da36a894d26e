"""A new order's ETAs stored without recomputing whole queues (``app.services.eta.joining``).

The property: whatever the queue (policies, tiers, pins, moves, ties, stock available while
customers wait, POs dated, undated or from a supplier with a late history), after placing an
order a full recompute changes nothing, whichever path the order took. Then the cases that
must fall back to the full recompute, and those that must not.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.db import Database
from app.domain import LineEta, OrderLine, PurchaseOrder, SalesOrder
from app.domain.enums import BackorderPolicy, CustomerTier, QueuePolicy
from app.domain.errors import ShopError
from app.services import catalog, ordering, purchasing, queue, stock
from app.services.eta import NewOrderEtas, recompute_etas
from app.services.eta import joining as joining_module
from app.services.ordering import LineRequest
from tests.services.shop import T0, confirm, preview

TODAY = datetime.now(UTC).date()


@pytest.fixture
def paths(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[NewOrderEtas]]:
    """What each ``place_order`` did with its ETAs (joined at the end / recomputed)."""
    seen: list[NewOrderEtas] = []
    real = joining_module.store_new_order_etas

    def spy(session: Any, order: SalesOrder) -> NewOrderEtas:
        result = real(session, order)
        seen.append(result)
        return result

    monkeypatch.setattr(ordering, "store_new_order_etas", spy)
    yield seen


def _suppliers(db: Database) -> None:
    """LATE (two past deliveries, 3 and 10 days late) and NEW (no history)."""
    with db.write() as s:
        catalog.create_supplier(s, "LATE", "Late Ltd")
        catalog.create_supplier(s, "NEW", "New Ltd")
        catalog.create_product(s, "HIST", "History", supplier_code="LATE")
    for ref, days in (("PO-H1", 10), ("PO-H2", 3)):
        with db.write() as s:
            created = purchasing.create_purchase_order(
                s, "LATE", [LineRequest("HIST", 2)], ref=ref, expected_date=TODAY - timedelta(days)
            )
            line_id = created.lines[0].id
        confirm(db, preview(db, ("HIST", 2), po_lines={"HIST": line_id}, po_ref=ref))


def _assert_current(db: Database) -> None:
    """A full recompute (every product) finds nothing to change."""
    with db.write() as s:
        changes = recompute_etas(s)
    assert (changes.updated, changes.removed, changes.moved_later) == (0, 0, ())


def _place(
    db: Database, customer: str, lines: list[tuple[str, int]], ref: str, minute: int
) -> None:
    with db.write() as s:
        ordering.place_order(
            s,
            customer,
            [LineRequest(c, q) for c, q in lines],
            ref=ref,
            placed_at=T0 + timedelta(minutes=minute),
        )


_order_lines = st.lists(
    st.tuples(st.integers(0, 1), st.integers(1, 5)), min_size=1, max_size=2
)  # (product index, qty)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "policy": draw(st.sampled_from(QueuePolicy)),
        "tiers": draw(st.lists(st.sampled_from(CustomerTier), min_size=3, max_size=3)),
        "stock": draw(st.lists(st.one_of(st.just(0), st.integers(0, 4)), min_size=2, max_size=2)),
        # (customer, lines, minute): minutes repeat (ties on queue time) and go back in time
        "orders": draw(
            st.lists(st.tuples(st.integers(0, 2), _order_lines, st.integers(0, 12)), max_size=7)
        ),
        "found": draw(st.lists(st.integers(0, 3), min_size=2, max_size=2)),
        # (supplier, days from today or None: undated, lines)
        "pos": draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["LATE", "NEW"]),
                    st.one_of(st.none(), st.integers(-5, 30)),
                    st.lists(
                        st.tuples(st.integers(0, 1), st.integers(1, 6)), min_size=1, max_size=2
                    ),
                ),
                max_size=3,
            )
        ),
        "pins": draw(st.lists(st.integers(0, 20), max_size=2)),
        "moves": draw(
            st.lists(st.tuples(st.integers(0, 20), st.sampled_from(["up", "down"])), max_size=2)
        ),
        # the orders placed and checked one by one: mostly after everyone (the fast path),
        # sometimes a tie or earlier
        "new": draw(
            st.lists(
                st.tuples(
                    st.integers(0, 2),
                    _order_lines,
                    st.one_of(st.integers(20, 22), st.integers(20, 22), st.integers(0, 13)),
                    st.sampled_from("AZ"),  # its ref sorts before or after the others' (ties)
                ),
                min_size=1,
                max_size=3,
            )
        ),
    }


def test_placing_stores_what_a_full_recompute_would(
    db: Database, paths: list[NewOrderEtas]
) -> None:
    _suppliers(db)
    counter = itertools.count()

    @settings(
        max_examples=100,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(scenarios())
    def check(sc: dict[str, Any]) -> None:
        k = next(counter)
        skus = [f"P{k}A", f"P{k}B"]
        customers = [f"C{k}X{i}" for i in range(3)]
        with db.write() as s:
            queue.set_queue_policy(s, sc["policy"])
            for sku in skus:
                catalog.create_product(
                    s, sku, sku, backorder_policy=BackorderPolicy.BACKORDER, supplier_code="NEW"
                )
            for code, tier in zip(customers, sc["tiers"], strict=True):
                catalog.create_customer(s, code, code, tier=tier)
        for sku, qty in zip(skus, sc["stock"], strict=True):
            if qty:
                with db.write() as s:
                    stock.adjust_stock(s, sku, qty, "count")
        for i, (who, lines, minute) in enumerate(sc["orders"]):
            _place(db, customers[who], [(skus[p], q) for p, q in lines], f"R{k}-M{i}", minute)
        for sku, qty in zip(skus, sc["found"], strict=True):
            if qty:  # available while customers wait: a count never hands it out
                with db.write() as s:
                    stock.adjust_stock(s, sku, qty, "found")
        for j, (supplier, days, lines) in enumerate(sc["pos"]):
            with db.write() as s:
                created = purchasing.create_purchase_order(
                    s,
                    supplier,
                    [LineRequest(skus[p], q) for p, q in lines],
                    ref=f"PO{k}-{j}",
                    expected_date=TODAY + timedelta(days or 0),
                )
                if days is None:
                    s.get_one(PurchaseOrder, created.id).expected_date = None
                    recompute_etas(s)
        with db.read() as s:
            waiting = list(
                s.scalars(
                    select(OrderLine.id)
                    .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
                    .where(SalesOrder.ref.like(f"R{k}-M%"), OrderLine.qty_backordered > 0)
                    .order_by(OrderLine.id)
                )
            )
        for index in sc["pins"]:
            if waiting:
                try:
                    with db.write() as s:
                        queue.pin_line(s, waiting[index % len(waiting)])
                except ShopError:
                    pass
        for index, direction in sc["moves"]:
            if waiting:
                try:
                    with db.write() as s:
                        queue.move_line(s, waiting[index % len(waiting)], direction)
                except ShopError:
                    pass
        _assert_current(db)  # the set-up itself keeps ETAs current

        for i, (who, lines, minute, letter) in enumerate(sc["new"]):
            ref = f"R{k}-{letter}{i}"
            _place(db, customers[who], [(skus[p], q) for p, q in lines], ref, minute)
            event(f"joined {len(paths[-1].joined)}, recomputed {len(paths[-1].recomputed)}")
            _assert_current(db)

    check()
    assert any(p.joined for p in paths), "the fast path never ran"
    assert any(p.recomputed for p in paths), "the fallback never ran"


# --- the paths, case by case -------------------------------------------------------------


@pytest.fixture
def shop(db: Database) -> Database:
    with db.write() as s:
        catalog.create_supplier(s, "SUP", "Supplies Ltd")
        catalog.create_product(s, "W", "Widget", supplier_code="SUP")
        catalog.create_product(s, "G", "Gadget", supplier_code="SUP")
        catalog.create_customer(s, "STD", "Standard")
        catalog.create_customer(s, "STD2", "Standard Two")
        catalog.create_customer(s, "GLD", "Gold", tier=CustomerTier.GOLD)
        catalog.create_customer(s, "GLD2", "Gold Two", tier=CustomerTier.GOLD)
        purchasing.create_purchase_order(
            s,
            "SUP",
            [LineRequest("W", 3), LineRequest("G", 3)],
            ref="PO-1",
            expected_date=TODAY + timedelta(days=5),
        )
        purchasing.create_purchase_order(
            s, "SUP", [LineRequest("W", 10)], ref="PO-2", expected_date=TODAY + timedelta(9)
        )
    return db


def _path(paths: list[NewOrderEtas], db: Database, sku: str) -> str:
    with db.read() as s:
        product = catalog.find_product(s, sku).id
    last = paths[-1]
    return (
        "joined" if product in last.joined else "recomputed" if product in last.recomputed else ""
    )


def _policy(db: Database, policy: QueuePolicy) -> None:
    with db.write() as s:
        queue.set_queue_policy(s, policy)


def _eta(db: Database, ref: str, line_no: int = 1) -> tuple[Any, ...]:
    with db.read() as s:
        row = s.execute(
            select(LineEta.status, LineEta.expected, LineEta.position, LineEta.units_ahead)
            .join(OrderLine, OrderLine.id == LineEta.order_line_id)
            .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
            .where(SalesOrder.ref == ref, OrderLine.line_no == line_no)
        ).one()
    return tuple(row)


def test_a_later_order_joins_the_end(shop: Database, paths: list[NewOrderEtas]) -> None:
    _place(shop, "STD", [("W", 2)], "SO-1", 0)
    _place(shop, "STD2", [("W", 2), ("G", 1), ("W", 9)], "SO-2", 1)
    assert _path(paths, shop, "W") == _path(paths, shop, "G") == "joined"
    in5, in9 = TODAY + timedelta(5), TODAY + timedelta(9)
    assert _eta(shop, "SO-2", 1) == ("on_order", in9, 2, 2)  # 1 of PO-1's 3 left, then PO-2
    assert _eta(shop, "SO-2", 2) == ("on_order", in5, 1, 0)
    assert _eta(shop, "SO-2", 3) == ("on_order", in9, 3, 4)  # the 9 PO-2 units left
    _assert_current(shop)


def test_pinned_lines_never_block_the_fast_path(shop: Database, paths: list[NewOrderEtas]) -> None:
    _place(shop, "STD", [("W", 1)], "SO-1", 0)
    with shop.read() as s:
        line = s.scalars(select(OrderLine.id)).one()
    with shop.write() as s:
        queue.pin_line(s, line)  # queued now: long after the next order's time
    _place(shop, "STD2", [("W", 1)], "SO-2", 5)
    assert _path(paths, shop, "W") == "joined"
    assert _eta(shop, "SO-2")[2:] == (2, 1)
    _assert_current(shop)


def test_an_earlier_placed_at_falls_back(shop: Database, paths: list[NewOrderEtas]) -> None:
    _place(shop, "STD", [("W", 1)], "SO-1", 10)
    _place(shop, "STD2", [("W", 1)], "SO-2", 5)  # e.g. an import of yesterday's orders
    assert _path(paths, shop, "W") == "recomputed"
    assert _eta(shop, "SO-2")[2:] == (1, 0)
    assert _eta(shop, "SO-1")[2:] == (2, 1)
    _assert_current(shop)


def test_a_tie_on_queue_time_falls_back(shop: Database, paths: list[NewOrderEtas]) -> None:
    _place(shop, "STD", [("W", 1)], "SO-2", 5)
    _place(shop, "STD2", [("W", 1)], "SO-1", 5)  # same time: the order ref decides
    assert _path(paths, shop, "W") == "recomputed"
    assert _eta(shop, "SO-1")[2:] == (1, 0)
    _assert_current(shop)


def test_gold_jumping_standard_lines_falls_back(shop: Database, paths: list[NewOrderEtas]) -> None:
    _policy(shop, QueuePolicy.LOYALTY)
    _place(shop, "GLD", [("W", 1)], "SO-1", 0)
    _place(shop, "STD", [("W", 2)], "SO-2", 1)
    assert _path(paths, shop, "W") == "joined"  # standard: behind every gold line
    _place(shop, "GLD2", [("W", 1)], "SO-3", 2)
    assert _path(paths, shop, "W") == "recomputed"  # ahead of SO-2
    assert _eta(shop, "SO-3")[2:] == (2, 1)
    assert _eta(shop, "SO-2")[2:] == (3, 2)
    _assert_current(shop)


def test_gold_joins_the_end_when_no_standard_line_waits(
    shop: Database, paths: list[NewOrderEtas]
) -> None:
    _policy(shop, QueuePolicy.LOYALTY)
    _place(shop, "STD", [("W", 2)], "SO-1", 0)
    with shop.read() as s:
        line = s.scalars(select(OrderLine.id)).one()
    with shop.write() as s:
        queue.pin_line(s, line)  # a pinned standard line is ahead of everyone
    _place(shop, "GLD", [("W", 1)], "SO-2", 1)
    assert _path(paths, shop, "W") == "joined"
    _place(shop, "GLD2", [("W", 1)], "SO-3", 2)
    assert _path(paths, shop, "W") == "joined"
    assert _eta(shop, "SO-3")[2:] == (3, 3)
    _assert_current(shop)


def test_under_first_come_first_served_gold_joins_the_end(
    shop: Database, paths: list[NewOrderEtas]
) -> None:
    _place(shop, "STD", [("W", 2)], "SO-1", 0)
    _place(shop, "GLD", [("W", 1)], "SO-2", 1)
    assert _path(paths, shop, "W") == "joined"
    _assert_current(shop)


def test_taking_stock_others_wait_for_falls_back(shop: Database, paths: list[NewOrderEtas]) -> None:
    _place(shop, "STD", [("W", 2)], "SO-1", 0)
    with shop.write() as s:
        stock.adjust_stock(s, "W", 1, "found")  # available while SO-1 waits
    assert _eta(shop, "SO-1")[0] == "on_order"  # 1 in stock, 1 from PO-1
    _place(shop, "STD2", [("W", 3)], "SO-2", 1)  # takes the unit SO-1's ETA counted on
    assert _path(paths, shop, "W") == "recomputed"
    _assert_current(shop)


def test_taking_stock_with_nobody_waiting_joins(shop: Database, paths: list[NewOrderEtas]) -> None:
    with shop.write() as s:
        stock.adjust_stock(s, "W", 2, "count")
    _place(shop, "STD", [("W", 3), ("W", 4)], "SO-1", 0)  # 2 taken, 1 + 4 wait
    assert _path(paths, shop, "W") == "joined"
    assert _eta(shop, "SO-1", 1) == ("on_order", TODAY + timedelta(5), 1, 0)
    assert _eta(shop, "SO-1", 2) == ("on_order", TODAY + timedelta(9), 2, 1)
    _place(shop, "STD2", [("W", 1)], "SO-2", 1)  # nothing left: joins behind them
    assert _path(paths, shop, "W") == "joined"
    _assert_current(shop)


def test_an_order_allocated_in_full_stores_nothing(
    shop: Database, paths: list[NewOrderEtas]
) -> None:
    with shop.write() as s:
        stock.adjust_stock(s, "G", 5, "count")
    _place(shop, "STD", [("G", 5)], "SO-1", 0)
    assert paths[-1] == NewOrderEtas(frozenset(), frozenset())
    with shop.read() as s:
        assert s.scalars(select(LineEta)).all() == []
    _assert_current(shop)
