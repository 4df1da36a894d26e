"""Stock adjustments, the ledger and its check."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.db import Database
from app.domain import MovementKind, StockBalance, StockMovement
from app.domain.errors import InvalidInput, InvalidQuantity, NotEnoughStock, NotFound
from app.services.stock import adjust_stock, check_ledger, lock_balances
from tests.services.shop import (
    Stock,
    add_stock,
    ledger_problems,
    order,
    product_id,
    receive,
    snapshot,
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
    with pytest.raises(NotEnoughStock), shop.write() as session:
        adjust_stock(session, "WIDGET", -1, "count")


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
