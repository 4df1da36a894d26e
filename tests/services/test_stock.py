"""Stock adjustments, the ledger and its check."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.db import Database
from app.domain import LineEta, MovementKind, OrderLine, StockBalance, StockMovement
from app.domain.base import utcnow
from app.domain.errors import InvalidInput, InvalidQuantity, NotEnoughStock, NotFound
from app.services.ordering import LineRequest, place_order
from app.services.stock import (
    adjust_stock,
    check_ledger,
    lock_balances,
    promised_to_take_back,
)
from tests.services.shop import (
    Line,
    Stock,
    add_stock,
    allocation_reasons,
    ledger_problems,
    line_of,
    order,
    product_id,
    receive,
    snapshot,
    status_of,
    stock_of,
)


def test_an_adjustment_changes_on_hand_and_is_kept_in_the_ledger(shop: Database) -> None:
    with shop.write() as session:
        result = adjust_stock(session, "WIDGET", 7, "  count  ")
    assert (result.on_hand, result.available) == (7, 7)
    with shop.write() as session:
        adjust_stock(session, "WIDGET", -2, "damaged")
    assert stock_of(shop, "WIDGET") == Stock(on_hand=5, allocated=0)
    with shop.read() as session:
        movements = session.execute(
            select(StockMovement.qty, StockMovement.kind, StockMovement.reason).order_by(
                StockMovement.id
            )
        ).all()
    assert [tuple(m) for m in movements] == [
        (7, MovementKind.ADJUSTMENT, "count"),
        (-2, MovementKind.ADJUSTMENT, "damaged"),
    ]
    assert ledger_problems(shop) == []


def test_an_adjustment_by_barcode_finds_the_product(db: Database) -> None:
    with db.write() as session:
        from app.services.catalog import create_product

        create_product(session, "SCAN", "Scanned", barcode="12345670")
        adjust_stock(session, " 12345670 ", 3, "found a box")
    assert stock_of(db, "SCAN").on_hand == 3


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_adjustment_needs_a_reason(shop: Database, reason: str) -> None:
    before = snapshot(shop)
    with pytest.raises(InvalidInput, match="reason"), shop.write() as session:
        adjust_stock(session, "WIDGET", 5, reason)
    assert snapshot(shop) == before


@pytest.mark.parametrize("qty", [0, 1_000_000, -1_000_000, True])
def test_an_adjustment_must_be_a_sane_whole_number(shop: Database, qty: int) -> None:
    with pytest.raises(InvalidQuantity), shop.write() as session:
        adjust_stock(session, "WIDGET", qty, "count")


def test_stock_promised_to_customers_cannot_be_adjusted_away(shop: Database) -> None:
    add_stock(shop, "WIDGET", 5)
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1")
    before = snapshot(shop)
    with (
        pytest.raises(NotEnoughStock, match="only 2 available") as raised,
        shop.write() as session,
    ):
        adjust_stock(session, "WIDGET", -3, "damaged")
    assert "3 promised" in str(raised.value)
    assert snapshot(shop) == before
    with shop.write() as session:
        adjust_stock(session, "WIDGET", -2, "damaged")
    assert stock_of(shop, "WIDGET") == Stock(on_hand=3, allocated=3)


def test_on_hand_cannot_go_below_zero(shop: Database) -> None:
    with pytest.raises(NotEnoughStock, match="cannot go below zero"), shop.write() as session:
        adjust_stock(session, "WIDGET", -1, "count")


def _promised_widgets(shop: Database) -> None:
    """3 WIDGETs on hand, all promised: CAT got 2 when ordering (placed first), ANN 1 from a
    receipt later (the most recent allocation); DAN waits for 1 behind ANN."""
    add_stock(shop, "WIDGET", 2)
    order(shop, "CAT", ("WIDGET", 2), ("GADGET", 1), ref="SO-1", minute=0)
    order(shop, "ANN", ("WIDGET", 1), ref="SO-2", minute=5)
    order(shop, "DAN", ("WIDGET", 1), ref="SO-3", minute=10)
    receive(shop, ("WIDGET", 1))
    assert stock_of(shop, "WIDGET") == Stock(on_hand=3, allocated=3)


def test_removing_promised_stock_without_taking_it_back_is_refused_and_says_how(
    shop: Database,
) -> None:
    _promised_widgets(shop)
    before = snapshot(shop)
    with pytest.raises(NotEnoughStock) as raised, shop.write() as session:
        adjust_stock(session, "WIDGET", -2, "damaged")
    message = str(raised.value)
    assert "3 promised to customers" in message
    assert "takes 2 units back from customers" in message
    assert snapshot(shop) == before


def test_taking_promised_units_back_releases_the_latest_allocations_first(
    shop: Database,
) -> None:
    _promised_widgets(shop)
    with shop.read() as session:
        queued_before = dict(session.execute(select(OrderLine.id, OrderLine.queued_at)).all())
    with shop.write() as session:
        result = adjust_stock(session, "WIDGET", -2, "Stock count", take_back_promised=True)
    # ANN got her unit last (the receipt), then CAT (when ordering): they give back.
    assert [(t.order_ref, t.customer, t.qty) for t in result.taken_back] == [
        ("SO-2", "Ann", 1),
        ("SO-1", "Cat", 1),
    ]
    assert (result.on_hand, result.available, result.units_taken_back) == (1, 0, 2)
    assert stock_of(shop, "WIDGET") == Stock(on_hand=1, allocated=1)
    assert line_of(shop, "SO-2") == Line(
        ordered=1, allocated=0, backordered=1, shipped=0, cancelled=0
    )
    assert line_of(shop, "SO-1") == Line(
        ordered=2, allocated=1, backordered=1, shipped=0, cancelled=0
    )
    assert (status_of(shop, "SO-1"), status_of(shop, "SO-2")) == ("part_ready", "backordered")
    assert allocation_reasons(shop, "adjust") == [
        (-1, "taken back: Stock count left 2 units fewer than promised"),
        (-1, "taken back: Stock count left 2 units fewer than promised"),
    ]
    with shop.read() as session:
        # Back in the queue at their own time: ANN (placed before DAN) is served before him.
        assert dict(session.execute(select(OrderLine.id, OrderLine.queued_at)).all()) == (
            queued_before
        )
        positions = dict(
            session.execute(
                select(LineEta.order_line_id, LineEta.position).where(
                    LineEta.product_id == product_id(shop, "WIDGET")
                )
            ).all()
        )
    assert sorted(positions.values()) == [1, 2, 3]
    assert ledger_problems(shop) == []


def test_an_order_placed_after_a_receipt_gives_back_before_the_receipt_s_customer(
    shop: Database,
) -> None:
    order(shop, "ANN", ("WIDGET", 1), ref="SO-1")
    receive(shop, ("WIDGET", 2))
    with shop.write() as session:
        place_order(session, "BOB", [LineRequest("WIDGET", 1)], ref="SO-2", placed_at=utcnow())
    with shop.read() as session:
        preview = promised_to_take_back(session, product_id(shop, "WIDGET"), 1)
    assert [(t.order_ref, t.qty) for t in preview] == [("SO-2", 1)]
    with shop.write() as session:
        adjust_stock(session, "WIDGET", -1, "lost", take_back_promised=True)
    assert (status_of(shop, "SO-1"), status_of(shop, "SO-2")) == ("ready_to_ship", "backordered")


def test_taking_back_never_takes_on_hand_below_zero(shop: Database) -> None:
    _promised_widgets(shop)
    before = snapshot(shop)
    with (
        pytest.raises(NotEnoughStock, match="cannot go below zero"),
        shop.write() as session,
    ):
        adjust_stock(session, "WIDGET", -4, "lost", take_back_promised=True)
    assert snapshot(shop) == before
    with shop.write() as session:
        result = adjust_stock(session, "WIDGET", -3, "lost", take_back_promised=True)
    assert (result.on_hand, result.units_taken_back) == (0, 3)
    assert stock_of(shop, "WIDGET") == Stock(on_hand=0, allocated=0)
    assert ledger_problems(shop) == []


def test_taking_back_is_not_needed_for_available_units(shop: Database) -> None:
    _promised_widgets(shop)
    add_stock(shop, "WIDGET", 2)
    with shop.write() as session:
        result = adjust_stock(session, "WIDGET", -3, "damaged", take_back_promised=True)
    assert [(t.order_ref, t.qty) for t in result.taken_back] == [("SO-2", 1)]
    assert stock_of(shop, "WIDGET") == Stock(on_hand=2, allocated=2)


def test_added_stock_is_not_given_to_waiting_customers(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1")
    add_stock(shop, "WIDGET", 5)
    assert stock_of(shop, "WIDGET") == Stock(on_hand=5, allocated=0)


def test_adjusting_an_unknown_product_is_refused(shop: Database) -> None:
    with pytest.raises(NotFound), shop.write() as session:
        adjust_stock(session, "NOPE", 1, "count")


def test_the_ledger_check_is_clean_after_ordinary_work(shop: Database) -> None:
    add_stock(shop, "WIDGET", 3)
    order(shop, "ANN", ("WIDGET", 5), ref="SO-1")
    receive(shop, ("WIDGET", 4))
    assert ledger_problems(shop) == []


def test_the_ledger_check_finds_a_tampered_on_hand(shop: Database) -> None:
    add_stock(shop, "WIDGET", 3)
    pid = product_id(shop, "WIDGET")
    with shop.write() as session:
        session.execute(
            text("UPDATE stock_balance SET on_hand = 9 WHERE product_id = :p"), {"p": pid}
        )
    problems = ledger_problems(shop)
    assert problems == [f"product {pid}: cached on hand 9 but ledger sums to 3"]


def test_the_ledger_check_finds_a_tampered_allocation(shop: Database) -> None:
    add_stock(shop, "WIDGET", 3)
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1")
    pid = product_id(shop, "WIDGET")
    with shop.write() as session:
        session.execute(
            text("UPDATE stock_balance SET allocated = 1 WHERE product_id = :p"), {"p": pid}
        )
    assert ledger_problems(shop) == [f"product {pid}: cached allocated 1 but lines hold 2"]


def test_the_ledger_check_finds_a_missing_movement(shop: Database) -> None:
    add_stock(shop, "WIDGET", 3)
    add_stock(shop, "WIDGET", 2)
    with shop.write() as session:
        first = session.scalar(select(StockMovement.id).order_by(StockMovement.id))
        session.execute(text("DELETE FROM stock_movement WHERE id = :i"), {"i": first})
    assert any("ledger sums to 2" in problem for problem in ledger_problems(shop))


def test_locking_creates_a_missing_balance_row(shop: Database) -> None:
    pid = product_id(shop, "WIDGET")
    with shop.write() as session:
        session.execute(text("DELETE FROM stock_balance WHERE product_id = :p"), {"p": pid})
    with shop.write() as session:
        balances = lock_balances(session, [pid, pid])
        assert list(balances) == [pid]
        assert (balances[pid].on_hand, balances[pid].allocated) == (0, 0)
    with shop.read() as session:
        assert session.get(StockBalance, (pid, 1)) is not None
        assert check_ledger(session) == []
