"""Undoing a confirmed receipt: the preview, each refusal, and the undo putting back exactly
what the receipt changed (stock, promised units, queue places, purchase orders)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.db import Database, open_database
from app.domain import (
    AllocationEvent,
    MovementKind,
    OrderLine,
    Receipt,
    SalesOrder,
    StockBalance,
    StockMovement,
    Supplier,
)
from app.domain.actors import Actor, Role
from app.domain.audit import AuditEvent
from app.domain.errors import CannotUndoReceipt, InvalidInput, StalePlan
from app.domain.permissions import NotAllowed
from app.services import stock
from app.services.cancelling import cancel_line
from app.services.eta import supplier_delays
from app.services.maintenance import check_database
from app.services.queue import pin_line
from app.services.shipping import ship_order
from app.services.undo_receipt import (
    UndoneReceipt,
    UndoPreview,
    preview_undo_receipt,
    recent_receipts,
    undo_receipt,
)
from tests.conftest import reset_postgres
from tests.services.racing import shop_anomalies
from tests.services.shop import (
    Line,
    Stock,
    add_stock,
    confirm,
    ledger_problems,
    line_id,
    line_of,
    make_po,
    make_shop,
    order,
    po_state,
    preview,
    receive,
    status_of,
    stock_of,
)


def look(db: Database, receipt: int | str) -> UndoPreview:
    with db.read() as session:
        return preview_undo_receipt(session, receipt)


def undo(db: Database, receipt: int | str, reason: str = "wrong PO") -> UndoneReceipt:
    plan = look(db, receipt)
    with db.write() as session:
        return undo_receipt(session, plan.token, reason)


def queue_state(db: Database) -> list[tuple[Any, ...]]:
    """Every line's quantities and queue place (time, pin, nudge), by order and line."""
    with db.read() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(
                    SalesOrder.ref,
                    OrderLine.line_no,
                    OrderLine.qty_allocated,
                    OrderLine.qty_backordered,
                    OrderLine.queued_at,
                    OrderLine.pinned,
                    OrderLine.queue_nudge,
                    SalesOrder.status,
                )
                .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
                .order_by(SalesOrder.ref, OrderLine.line_no)
            )
        ]


def balances(db: Database) -> list[tuple[int, int, int]]:
    with db.read() as session:
        return [
            tuple(row)  # type: ignore[misc]
            for row in session.execute(
                select(
                    StockBalance.product_id, StockBalance.on_hand, StockBalance.allocated
                ).order_by(StockBalance.product_id)
            )
        ]


def test_undo_takes_the_units_out_and_the_customers_wait_again_in_their_places(
    shop: Database,
) -> None:
    lines = make_po(shop, ("WIDGET", 10))
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1", minute=1)
    order(shop, "BOB", ("WIDGET", 2), ref="SO-2", minute=2)
    so2 = line_id(shop, "SO-2")
    with shop.write() as session:
        pin_line(session, so2)
    before = queue_state(shop)
    result = confirm(shop, preview(shop, ("WIDGET", 6), po_lines=lines, po_ref="PO-1"))
    assert po_state(shop, "PO-1") == ("partially_received", [6])
    plan = look(shop, f"RCPT-{result.receipt_id}")
    assert plan.can_undo and plan.refusals == ()
    assert [(s.sku, s.received, s.from_customers, s.from_stock) for s in plan.stock] == [
        ("WIDGET", 6, 5, 1)
    ]
    # Last served first: SO-2 (pinned) was served first, so SO-1 gives its units back first.
    assert [(c.order_ref, c.customer, c.qty) for c in plan.customers] == [
        ("SO-1", "Ann", 3),
        ("SO-2", "Bob", 2),
    ]
    assert [(p.po_ref, p.received_now, p.received_after) for p in plan.po_lines] == [("PO-1", 6, 0)]
    assert plan.po_status is not None and [s.value for s in plan.po_status] == [
        "partially_received",
        "open",
    ]
    with shop.write() as session:
        done = undo_receipt(session, plan.token, "  entered against the wrong PO ")
    assert (done.units_out, done.units_taken_back, done.orders_affected) == (6, 5, ("SO-1", "SO-2"))
    assert done.changes.purchase_order_refs == {"PO-1"}
    assert done.changes.order_refs == {"SO-1", "SO-2"}
    assert queue_state(shop) == before
    assert stock_of(shop, "WIDGET").on_hand == 0
    assert stock_of(shop, "WIDGET").allocated == 0
    assert po_state(shop, "PO-1") == ("open", [0])
    assert status_of(shop, "SO-1") == "backordered"
    assert ledger_problems(shop) == []
    with shop.read() as session:
        receipt = session.get_one(Receipt, result.receipt_id)
        assert receipt.undone_at is not None
        assert (receipt.undone_reason, receipt.undone_by) == (
            "entered against the wrong PO",
            "Owner",
        )
        kinds = session.execute(
            select(StockMovement.kind, StockMovement.qty)
            .where(StockMovement.receipt_id == result.receipt_id)
            .order_by(StockMovement.id)
        ).all()
        assert [(k, q) for k, q in kinds] == [
            (MovementKind.RECEIPT, 6),
            (MovementKind.RECEIPT_UNDONE, -6),
        ]
        events = session.execute(
            select(AllocationEvent.source, AllocationEvent.qty)
            .where(AllocationEvent.source == "undo")
            .order_by(AllocationEvent.id)
        ).all()
        assert [tuple(e) for e in events] == [("undo", -3), ("undo", -2)]
        report = check_database(session)
        assert all(not check.problems for check in report.checks)
        audited = session.execute(
            select(AuditEvent.po_ref, AuditEvent.order_ref, AuditEvent.summary)
            .where(AuditEvent.action == "undid a receipt")
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(row) for row in audited] == [
        (
            "PO-1",
            None,
            f"Undid RCPT-{result.receipt_id} (PO-1): 6 units out of stock; "
            "entered against the wrong PO",
        ),
        (None, "SO-1", f"3 units taken back from SO-1: RCPT-{result.receipt_id} (PO-1) was undone"),
        (None, "SO-2", f"2 units taken back from SO-2: RCPT-{result.receipt_id} (PO-1) was undone"),
    ]


def test_a_receipt_already_undone_is_refused(shop: Database) -> None:
    result = receive(shop, ("WIDGET", 4))
    plan = look(shop, result.receipt_id)
    undo(shop, result.receipt_id, "counted twice")
    again = look(shop, result.receipt_id)
    assert len(again.refusals) == 1
    assert again.refusals[0].startswith(f"RCPT-{result.receipt_id} was already undone on ")
    assert again.refusals[0].endswith(" UTC (counted twice).")
    with shop.write() as session, pytest.raises(CannotUndoReceipt, match="already undone"):
        undo_receipt(session, plan.token, "again")


def test_undo_is_refused_once_units_of_it_have_shipped_and_says_which(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1", minute=1)
    result = receive(shop, ("WIDGET", 2))
    with shop.write() as session:
        ship_order(session, "SO-1")
    plan = look(shop, result.receipt_id)
    assert plan.refusals == (
        f"Order SO-1 line 1 (WIDGET, Ann) has shipped units since RCPT-{result.receipt_id}: "
        "they cannot come back.",
    )
    with shop.write() as session, pytest.raises(CannotUndoReceipt, match="SO-1 line 1"):
        undo_receipt(session, plan.token, "oops")


def test_undo_is_refused_when_its_stock_was_sold_or_adjusted_since(shop: Database) -> None:
    result = receive(shop, ("WIDGET", 5))
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1", minute=1)  # sold from stock
    with shop.write() as session:
        stock.adjust_stock(session, "WIDGET", -1, "broken")
    plan = look(shop, result.receipt_id)
    assert plan.refusals == (
        f"WIDGET: 5 of the units RCPT-{result.receipt_id} brought would leave stock, but only "
        "2 are in stock and promised to nobody (the rest were sold from stock, adjusted or "
        "shipped since).",
    )


def test_units_a_customer_cancelled_since_come_out_of_stock_instead(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1", minute=1)
    result = receive(shop, ("WIDGET", 3))
    with shop.write() as session:
        cancel_line(session, "SO-1", 1, "changed mind")
    plan = look(shop, result.receipt_id)
    assert plan.can_undo and plan.customers == ()
    assert [(s.from_customers, s.from_stock) for s in plan.stock] == [(0, 3)]
    undo(shop, result.receipt_id)
    assert stock_of(shop, "WIDGET").on_hand == 0
    assert ledger_problems(shop) == []


def test_a_stale_preview_is_refused_and_nothing_is_undone(shop: Database) -> None:
    result = receive(shop, ("WIDGET", 5))
    plan = look(shop, result.receipt_id)
    add_stock(shop, "WIDGET", 1)
    with shop.write() as session, pytest.raises(StalePlan, match="WIDGET changed"):
        undo_receipt(session, plan.token, "wrong")
    assert look(shop, result.receipt_id).can_undo
    assert stock_of(shop, "WIDGET").on_hand == 6


def test_undo_needs_a_reason_and_a_manager(shop: Database) -> None:
    result = receive(shop, ("WIDGET", 1))
    plan = look(shop, result.receipt_id)
    with shop.write() as session, pytest.raises(InvalidInput, match="Say why"):
        undo_receipt(session, plan.token, "  ")
    shop.actor = Actor(name="Cal", role=Role.CLERK, user_id=2)
    with shop.write() as session, pytest.raises(NotAllowed, match="may not undo a receipt"):
        undo_receipt(session, plan.token, "wrong")
    shop.actor = Actor(name="Mia", role=Role.MANAGER, user_id=3)
    with shop.write() as session:
        undo_receipt(session, plan.token, "wrong")


def test_supplier_history_and_recent_receipts_see_an_undone_receipt(shop: Database) -> None:
    from datetime import UTC, datetime

    from app.services.purchasing import set_expected_date

    lines = make_po(shop, ("WIDGET", 4))
    with shop.write() as session:
        set_expected_date(session, "PO-1", datetime.now(UTC).date())
    result = confirm(shop, preview(shop, ("WIDGET", 4), po_lines=lines, po_ref="PO-1"))
    supplier = _supplier_id(shop)
    with shop.read() as session:
        assert len(supplier_delays(session).get(supplier, [])) == 1
    undo(shop, result.receipt_id)
    with shop.read() as session:
        assert supplier_delays(session).get(supplier, []) == []
        (listed,) = recent_receipts(session)
        assert listed.label == f"RCPT-{result.receipt_id}" and listed.undone_at is not None
        assert (listed.po_ref, listed.units) == ("PO-1", 4)
        assert listed.supplier and listed.supplier == session.get(Supplier, supplier).name
        assert all(not check.problems for check in check_database(session).checks)


def test_the_on_time_and_wait_reports_leave_an_undone_receipt_out(
    shop: Database, time_zone: Any
) -> None:
    from datetime import UTC, datetime

    from app.services.purchasing import set_expected_date
    from app.services.reports.suppliers import supplier_on_time
    from app.services.reports.waits import allocation_wait

    today = datetime.now(UTC).date()
    lines = make_po(shop, ("WIDGET", 4))
    with shop.write() as session:
        set_expected_date(session, "PO-1", today)
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1", minute=1)
    result = confirm(shop, preview(shop, ("WIDGET", 4), po_lines=lines, po_ref="PO-1"))
    with shop.read() as session:
        assert [row.deliveries for row in supplier_on_time(session, today, today)] == [1]
        assert allocation_wait(session, today, today).allocations == 1
    undo(shop, result.receipt_id)
    with shop.read() as session:
        assert supplier_on_time(session, today, today) == []
        assert allocation_wait(session, today, today).allocations == 0


def _supplier_id(db: Database) -> int:
    from app.domain import Supplier

    with db.read() as session:
        sid = session.scalar(select(Supplier.id).where(Supplier.code == "SUP"))
        assert sid is not None
        return sid


_orders = st.lists(
    st.tuples(st.sampled_from(["ANN", "BOB", "CAT", "DAN"]), st.integers(1, 4), st.integers(0, 4)),
    min_size=0,
    max_size=6,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    orders=_orders,
    opening=st.integers(0, 3),
    arriving=st.integers(1, 12),
    pin=st.booleans(),
    against_po=st.booleans(),
)
def test_receive_undo_receive_again_ends_as_receiving_once(
    tmp_path_factory: pytest.TempPathFactory,
    orders: list[tuple[str, int, int]],
    opening: int,
    arriving: int,
    pin: bool,
    against_po: bool,
) -> None:
    """A random shop and delivery (scanned, or against a PO it may fill, or exceed as an
    accepted over-receipt): receiving, undoing and receiving again leaves the same
    allocations, balances, queue and purchase order as receiving once."""
    results = []
    for undo_first in (False, True):
        folder = tmp_path_factory.mktemp("undo")
        db = open_database(f"sqlite:///{folder / 'shop.sqlite3'}", backup_dir=folder / "bk")
        try:
            make_shop(db)
            if opening:
                add_stock(db, "WIDGET", opening)
            for n, (customer, widgets, gadgets) in enumerate(orders):
                wanted = [("WIDGET", widgets)] + ([("GADGET", gadgets)] if gadgets else [])
                order(db, customer, *wanted, ref=f"SO-{n + 1}", minute=n)
            if pin and orders:
                with db.write() as session:
                    waiting = session.scalar(
                        select(OrderLine.id)
                        .where(OrderLine.qty_backordered > 0)
                        .order_by(OrderLine.id.desc())
                        .limit(1)
                    )
                    if waiting is not None:
                        pin_line(session, waiting)
            arrivals = (("WIDGET", arriving), ("GADGET", arriving // 2 + 1))
            lines = make_po(db, ("WIDGET", 6), ("GADGET", 3)) if against_po else {}

            po_ref = "PO-1" if against_po else None
            if undo_first:
                undo(db, _deliver(db, arrivals, lines, po_ref))
            _deliver(db, arrivals, lines, po_ref)
            assert ledger_problems(db) == []
            po = po_state(db, "PO-1") if against_po else None
            results.append((_queue(db), balances(db), _given(db), po))
        finally:
            db.dispose()
    assert results[0] == results[1]


def _deliver(
    db: Database, arrivals: tuple[tuple[str, int], ...], lines: dict[str, int], po_ref: str | None
) -> int:
    """Receive ``arrivals`` as previewed (against ``po_ref``'s lines, surplus accepted)."""
    plan = preview(db, *arrivals, po_lines=lines, po_ref=po_ref)
    return confirm(db, plan, accept_over_receipt=True).receipt_id


def _queue(db: Database) -> tuple[list[tuple[Any, ...]], list[tuple[str, int]]]:
    """Every line's quantities, pin and status, and the waiting lines in serving order (a
    pin's time is the clock's, so two shops built one after the other differ in it)."""
    rows = queue_state(db)
    waiting = sorted(
        (row for row in rows if row[3] > 0), key=lambda r: (not r[5], r[4], r[6], r[0], r[1])
    )
    return [row[:4] + row[5:] for row in rows], [(row[0], row[1]) for row in waiting]


def _given(db: Database) -> list[tuple[int, int]]:
    """What each line holds from the last standing receipt: (line, units)."""
    with db.read() as session:
        return [
            tuple(row)  # type: ignore[misc]
            for row in session.execute(
                select(AllocationEvent.order_line_id, AllocationEvent.qty)
                .join(Receipt, Receipt.id == AllocationEvent.receipt_id)
                .where(Receipt.undone_at.is_(None), AllocationEvent.source == "receipt")
                .order_by(AllocationEvent.order_line_id)
            )
        ]


@pytest.mark.postgres
def test_undoing_a_receipt_while_another_till_ships_its_units_is_one_or_the_other(
    postgres_url: str, tmp_path: Path
) -> None:
    """Two connections at the same instant: one undoes a receipt, the other ships the order
    it served. Undo first: the shipment finds nothing allocated. Ship first: the undo is
    refused, naming the line that shipped. Never half of each."""
    from tests.services.test_races import run_barrier

    reset_postgres(postgres_url)
    db = open_database(postgres_url, backup_dir=tmp_path / "bk")
    try:
        make_shop(db)
        order(db, "CAT", ("WIDGET", 2), ref="SO-1", minute=1)
        first = receive(db, ("WIDGET", 2))
        order(db, "DAN", ("WIDGET", 3), ref="SO-2", minute=2)
        second = receive(db, ("WIDGET", 3))
        plans = {
            "ANN": [f"undo RCPT-{first.receipt_id}", "ship SO-2"],
            "BOB": ["ship SO-1 @after", f"undo RCPT-{second.receipt_id} @after"],
        }
        undo_first, ship_first = run_barrier(db.url, plans, lambda: None)
        assert undo_first == [
            ("ANN", "ok", "2"),
            ("BOB", "InvalidTransition", "Order SO-1 has nothing allocated to ship yet"),
        ]
        assert ship_first == [
            ("ANN", "ok", "3"),
            (
                "BOB",
                "CannotUndoReceipt",
                f"Order SO-2 line 1 (WIDGET, Dan) has shipped units since "
                f"RCPT-{second.receipt_id}: they cannot come back.",
            ),
        ]
        assert line_of(db, "SO-1") == Line(2, 0, 2, 0, 0)
        assert line_of(db, "SO-2") == Line(3, 0, 0, 3, 0)
        assert stock_of(db, "WIDGET") == Stock(on_hand=0, allocated=0)
        assert look(db, second.receipt_id).refusals != ()
        assert shop_anomalies(db) == []
    finally:
        db.dispose()
