"""Several tills at once on one database (PostgreSQL, and one SQLite file): no unit is ever
promised twice, the ledger stays exact, and the last unit goes to exactly one customer.

Each till is a separate process (its own engine and connections, as two real tills are;
forked from a clean forkserver, or spawned), started together on a
``multiprocessing.Barrier``. The PostgreSQL parts are skipped when
SHOPKEEPER_TEST_DATABASE_URL is not set. Longer runs: ``benchmarks/bench_races``.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db import Database, open_database
from app.domain import Coupon, LineEta, PurchaseOrder, SalesOrder, StockBalance
from app.domain.errors import ShopError, StalePlan
from app.services import purchasing
from app.services.cancelling import cancel_order
from app.services.catalog import find_product, get_customer
from app.services.maintenance import check_database
from app.services.ordering import LineRequest, place_order
from app.services.receiving import ReceiptInput, confirm_receipt, preview_receipt
from app.services.shipping import ship_order
from app.services.undo_receipt import preview_undo_receipt, undo_receipt
from tests.conftest import reset_postgres
from tests.services.racing import (
    RetryCounter,
    TillReport,
    make_race_shop,
    shop_anomalies,
    till_process,
)
from tests.services.shop import (
    T0,
    Stock,
    add_stock,
    confirm,
    line_of,
    make_po,
    make_shop,
    order,
    po_state,
    preview,
    product_id,
    status_of,
    stock_of,
)


def _context() -> multiprocessing.context.BaseContext:
    """Fresh processes for the tills: a forkserver where there is one (a clean process,
    started once, that has imported the app and forks each till from there: no connection
    or state of the test process is inherited, and the ~1 s import is paid once instead of
    per till), else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.services.racing", "tests.services.test_races"])
    return context


PROCESSES = _context()

#: How long the winner of a barrier round keeps its transaction open, so the other till's
#: attempt certainly overlaps it (without the locks both would read the same stock).
HOLD_SECONDS = 0.25


def run_tills(url: str, tills: int, operations: int, seconds: float, seed: int) -> list[TillReport]:
    """Run ``tills`` till processes on the database at ``url`` together, each until it has
    done ``operations`` or ``seconds`` have passed (the suite bounds the work, not the time,
    so a loaded machine runs the same race, only slower); their reports."""
    start = PROCESSES.Barrier(tills)
    results = PROCESSES.Queue()
    processes = [
        PROCESSES.Process(
            target=till_process,
            args=(url, n, seed * 1000 + n, operations, seconds, start, results),
        )
        for n in range(tills)
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    return reports


def check_race(reports: list[TillReport], db: Database, tills: int) -> None:
    assert len(reports) == tills
    assert [a for r in reports for a in r.anomalies] == []
    done = sum((r.done for r in reports), start=type(reports[0].done)())
    # The tills really did contend: every kind of change happened, on both sides of a lock.
    for kind in ("place", "receive", "ship", "adjust"):
        assert done[kind] > 0, (kind, done)
    assert done["cancel order"] + done["cancel line"] > 0
    assert shop_anomalies(db) == []


@pytest.mark.postgres
def test_eight_tills_on_postgresql_never_promise_a_unit_twice(
    postgres_url: str, tmp_path: Path
) -> None:
    reset_postgres(postgres_url)
    db = open_database(postgres_url, backup_dir=tmp_path / "bk")
    try:
        make_race_shop(db)
        reports = run_tills(postgres_url, tills=8, operations=25, seconds=30, seed=5)
        check_race(reports, db, tills=8)
    finally:
        db.dispose()


def test_two_tills_on_one_sqlite_file_never_promise_a_unit_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    db = open_database(url, backup_dir=tmp_path / "bk")
    try:
        make_race_shop(db)
        reports = run_tills(url, tills=2, operations=120, seconds=30, seed=7)
        check_race(reports, db, tills=2)
    finally:
        db.dispose()


def _prepare(
    db: Database, customer: str, action: str, acted: Any
) -> tuple[Callable[[Session], str], bool]:
    """The transaction of one barrier action, prepared before the barrier (a receipt is
    previewed first, as a clerk does): "buy SKU", "redeem CODE SKU CUSTOMER", "ship REF",
    "cancel REF", "receive SKU QTY" (optionally "... PO-REF": against that PO's line of the
    product), "undo RCPT-n" (previewed first, as a manager does), "receive-po PO-REF"
    (everything outstanding on it; refused as stale, previewed again with the same
    quantities and confirmed again, as the receive dialog did before issue 9) or
    "cancel-po REF".
    The transaction sets ``acted`` once its service call is done, then pauses with its locks
    held before committing; it returns a summary. With a last word "@after" the action waits
    for the other till's ``acted`` before starting: it then certainly meets the other's
    locks (who goes first is fixed, not left to the scheduler). Returns (work, waits)."""
    verb, *args = action.split()
    waits = bool(args) and args[-1] == "@after"
    if waits:
        args.pop()

    def work(session: Session) -> str:
        if verb == "buy":
            summary = str(place_order(session, customer, [LineRequest(args[0], 1)]).status)
        elif verb == "redeem":  # "redeem CODE SKU CUSTOMER": the customer's order, with it
            code, sku, owner = args
            placed = place_order(session, owner, [LineRequest(sku, 1, Decimal(10))], coupon=code)
            summary = str(placed.discount)
        elif verb == "ship":
            summary = str(ship_order(session, args[0]).units)
        elif verb == "cancel":
            summary = str(cancel_order(session, args[0]).units_cancelled)
        elif verb == "cancel-po":
            summary = str(purchasing.cancel_purchase_order(session, args[0]).units_cancelled)
        elif verb == "receive-po":
            try:
                received = confirm_receipt(session, plan)
            except StalePlan:
                again = preview_receipt(session, plan.receipts, purchase_order_ref=args[0])
                received = confirm_receipt(session, again)
            summary = str(received.units_received)
        elif verb == "undo":
            summary = str(undo_receipt(session, undoing.token, "race").units_out)
        else:
            summary = str(confirm_receipt(session, plan).units_to_customers)
        acted.set()
        time.sleep(HOLD_SECONDS)
        return summary

    if verb == "receive-po":
        with db.read() as session:
            receivable = purchasing.receivable_purchase_order(session, args[0])
            plan = preview_receipt(
                session,
                [
                    ReceiptInput(line.product_id, line.qty_outstanding, line.po_line_id)
                    for line in receivable.lines
                ],
                purchase_order_ref=args[0],
            )
    if verb == "undo":
        with db.read() as session:
            undoing = preview_undo_receipt(session, args[0])
    if verb == "receive":
        sku, qty, *po = args
        with db.read() as session:
            product = find_product(session, sku)
            po_line = None
            if po:
                receivable = purchasing.receivable_purchase_order(session, po[0])
                po_line = next(x.po_line_id for x in receivable.lines if x.sku == sku)
            plan = preview_receipt(
                session,
                [ReceiptInput(product.id, int(qty), po_line)],
                purchase_order_ref=po[0] if po else None,
            )
    return work, waits


def barrier_till(
    url: str, customer: str, actions: list[str], start: Any, acted: Any, results: Any
) -> None:
    """A till that runs one action per barrier round and puts (round, customer, outcome,
    message) on ``results``: outcome "ok" with the action's summary, or the error's class
    name and message."""
    db = Database(url)
    retries = RetryCounter.install()
    try:
        for number, action in enumerate(actions):
            retries.count = 0
            work, waits = _prepare(db, customer, action, acted)
            start.wait(timeout=60)
            if waits:
                acted.wait(timeout=30)
            try:
                outcome = ("ok", db.run(work))
            except ShopError as error:
                outcome = (type(error).__name__, str(error))
            except Exception as error:  # a bug: reported, the test fails on it
                outcome = (type(error).__name__, repr(error))
            results.put((number, customer, *outcome, retries.count))
            acted.set()  # never leave the other till waiting on a failed action
    finally:
        db.dispose()


def run_barrier(
    url: str,
    plans: dict[str, list[str]],
    before_round: Callable[[], None],
    retried: list[int] | None = None,
) -> list[list[tuple[str, str, str]]]:
    """Two tills run their plans' actions round by round, released together each round;
    the outcomes per round, sorted by till (and in ``retried``, if given, how many
    transactions ``Database.run`` ran again in each round)."""
    rounds = len(next(iter(plans.values())))
    start = PROCESSES.Barrier(len(plans) + 1)
    acted = PROCESSES.Event()
    results = PROCESSES.Queue()
    processes = [
        PROCESSES.Process(target=barrier_till, args=(url, customer, actions, start, acted, results))
        for customer, actions in plans.items()
    ]
    for process in processes:
        process.start()
    outcomes: list[list[tuple[str, str, str]]] = []
    try:
        for _ in range(rounds):
            before_round()
            acted.clear()  # both tills finished the last round: nobody is waiting on it
            start.wait(timeout=60)
            got = [results.get(timeout=60) for _ in processes]
            outcomes.append(sorted((c, o, m) for _, c, o, m, _ in got))
            if retried is not None:
                retried.append(sum(r for *_, r in got))
    finally:
        for process in processes:
            process.join(timeout=30)
    return outcomes


def test_two_tills_taking_the_last_unit_at_the_same_instant_only_one_gets_it(
    db: Database,
) -> None:
    make_shop(db)  # RARE is sold from stock only
    rounds = 2
    plans = {"ANN": ["buy RARE"] * rounds, "BOB": ["buy RARE"] * rounds}
    outcomes = run_barrier(db.url, plans, lambda: add_stock(db, "RARE", 1))
    for outcome in outcomes:
        assert sorted(o for _, o, _ in outcome) == ["NotEnoughStock", "ok"], outcome
        refused = next(m for _, o, m in outcome if o != "ok")
        assert refused == "RARE Rare is sold from stock only: 0 available, 1 ordered"
    # Each round added one unit and sold it once: every one sold, none promised twice.
    assert stock_of(db, "RARE") == Stock(on_hand=rounds, allocated=rounds)
    assert shop_anomalies(db) == []


def test_two_tills_redeeming_one_coupon_at_the_same_instant_only_one_gets_the_discount(
    db: Database,
) -> None:
    """Two tills take the same goodwill coupon for its customer at once: exactly one order
    gets the discount; the other is refused before anything is written (it waits on the
    coupon's lock, then finds it used)."""
    make_shop(db)
    rounds = 2
    with db.write() as session:
        ann = get_customer(session, "ANN")
        for number in range(rounds):
            earning = SalesOrder(ref=f"SO-E{number}", customer=ann, placed_at=T0)
            session.add(earning)
            session.flush()
            session.add(
                Coupon(
                    code=f"RACE{number}ABC",
                    customer_id=ann.id,
                    earned_order_id=earning.id,
                    amount=Decimal("2.50"),
                    created_at=T0,
                )
            )
    # Different products, so the balance locks do not line the tills up: the coupon's does.
    plans = {
        till: [f"redeem RACE{n}ABC {sku} ANN" for n in range(rounds)]
        for till, sku in (("ANN", "WIDGET"), ("BOB", "GADGET"))
    }
    outcomes = run_barrier(db.url, plans, lambda: None)
    for outcome in outcomes:
        assert sorted(o for _, o, _ in outcome) == ["CouponRefused", "ok"], outcome
        assert next(m for _, o, m in outcome if o == "ok") == "2.50"
        assert "was already used on order SO-" in next(m for _, o, m in outcome if o != "ok")
    with db.read() as session:
        used = session.execute(select(Coupon.redeemed_order_id, Coupon.discount)).all()
        orders = session.scalars(select(SalesOrder.ref).where(SalesOrder.ref.like("SO-0%")))
        placed = orders.all()
    assert len(placed) == rounds  # the refused till wrote no order
    assert all(order_id is not None and off == Decimal("2.50") for order_id, off in used)
    assert shop_anomalies(db) == []


def test_shipping_and_cancelling_one_order_at_the_same_instant_does_one_of_them(
    db: Database,
) -> None:
    """One till ships an order while another cancels it: whichever locks first wins and the
    other is told plainly why it cannot (never a half-done mix, never "something went
    wrong"): the loser re-reads the order after the winner's commit."""
    make_shop(db)
    rounds = 2
    add_stock(db, "WIDGET", 2 * rounds)
    for number in range(rounds):
        order(db, "CAT", ("WIDGET", 2), ref=f"SO-{number}", minute=number)
    plans = {
        "ANN": [f"ship SO-{n}" for n in range(rounds)],
        "BOB": [f"cancel SO-{n}" for n in range(rounds)],
    }
    outcomes = run_barrier(db.url, plans, lambda: None)
    for outcome in outcomes:
        assert sorted(o for _, o, _ in outcome) == ["InvalidTransition", "ok"], outcome
    shipped = sum(line_of(db, f"SO-{n}").shipped for n in range(rounds))
    cancelled = sum(line_of(db, f"SO-{n}").cancelled for n in range(rounds))
    assert shipped + cancelled == 2 * rounds
    assert stock_of(db, "WIDGET") == Stock(on_hand=2 * rounds - shipped, allocated=0)
    assert shop_anomalies(db) == []


def test_cancelling_a_purchase_order_while_another_till_receives_against_it_is_one_or_the_other(
    db: Database,
) -> None:
    """A receipt against a PO and the PO's cancellation at the same instant. Receipt first:
    the cancellation then stops only what is still outstanding. Cancellation first: the
    receipt is refused. Never a receipt into a PO cancelled as if nothing had arrived, nor a
    cancelled PO reopened by a receipt."""
    make_shop(db)
    make_po(db, ("WIDGET", 10), ref="PO-1")
    make_po(db, ("WIDGET", 10), ref="PO-2")
    plans = {
        "ANN": ["receive WIDGET 4 PO-1", "receive WIDGET 4 PO-2 @after"],
        "BOB": ["cancel-po PO-1 @after", "cancel-po PO-2"],
    }
    receipt_first, cancel_first = run_barrier(db.url, plans, lambda: None)
    assert receipt_first == [("ANN", "ok", "0"), ("BOB", "ok", "6")]
    assert po_state(db, "PO-1") == ("cancelled", [4])
    assert cancel_first == [
        ("ANN", "InvalidTransition", "Purchase order PO-2 is cancelled"),
        ("BOB", "ok", "10"),
    ]
    assert po_state(db, "PO-2") == ("cancelled", [0])
    assert stock_of(db, "WIDGET").on_hand == 4
    assert shop_anomalies(db) == []


def test_two_receipts_completing_one_order_at_the_same_instant_leave_it_ready_to_ship(
    db: Database,
) -> None:
    """An order waits for a widget and a gadget; two tills receive one each at the same
    instant. Both receipts land and the order's stored status counts both (neither till
    writes a status that misses the other's allocation)."""
    make_shop(db)
    order(db, "CAT", ("WIDGET", 1), ("GADGET", 1), ref="SO-1")
    plans = {"ANN": ["receive WIDGET 1"], "BOB": ["receive GADGET 1"]}
    (outcome,) = run_barrier(db.url, plans, lambda: None)
    assert [o for _, o, _ in outcome] == ["ok", "ok"], outcome
    assert line_of(db, "SO-1", 1).allocated == 1 and line_of(db, "SO-1", 2).allocated == 1
    assert status_of(db, "SO-1") == "ready_to_ship"
    assert shop_anomalies(db) == []


def test_two_tills_creating_a_missing_stock_balance_at_once_both_sell(db: Database) -> None:
    """A product without a balance row (made before balances existed): two tills sell it at
    the same instant and both create the row. On PostgreSQL the second insert collides on
    the row's unique key; ``Database.run`` runs that till again, and it finds the row."""
    make_shop(db)
    widget = product_id(db, "WIDGET")

    def drop_balance() -> None:
        with db.write() as session:
            session.execute(delete(StockBalance).where(StockBalance.product_id == widget))

    # BOB starts once ANN has created the row (not yet committed): they certainly collide.
    plans = {"ANN": ["buy WIDGET"], "BOB": ["buy WIDGET @after"]}
    retried: list[int] = []
    (outcome,) = run_barrier(db.url, plans, drop_balance, retried)
    assert [o for _, o, _ in outcome] == ["ok", "ok"], outcome
    assert stock_of(db, "WIDGET") == Stock(on_hand=0, allocated=0)
    assert line_of(db, "SO-000001").backordered == line_of(db, "SO-000002").backordered == 1
    if not db.is_sqlite:  # SQLite lets one writer in at a time: nothing to collide
        assert retried == [1]
    assert shop_anomalies(db) == []


def test_two_tills_receiving_one_purchase_order_at_the_same_instant_receive_it_once(
    db: Database,
) -> None:
    """Two tills confirm everything outstanding on one PO at the same instant (round 1), or
    one just after the other has taken its locks (round 2). Exactly one receives it; the
    other is told that nothing is outstanding now (OverReceipt), even when it then previews
    again with the quantities it read first, as the receive dialog did: nothing is received
    twice, and Check database finds nothing wrong."""
    make_shop(db)
    make_po(db, ("WIDGET", 4), ("GADGET", 6), ref="PO-B")
    make_po(db, ("WIDGET", 2), ref="PO-C")
    order(db, "ANN", ("WIDGET", 3), ref="SO-1")
    plans = {
        "ANN": ["receive-po PO-B", "receive-po PO-C"],
        "BOB": ["receive-po PO-B", "receive-po PO-C @after"],
    }
    outcomes = run_barrier(db.url, plans, lambda: None)
    for outcome in outcomes:
        assert sorted(o for _, o, _ in outcome) == ["OverReceipt", "ok"], outcome
        refused = next(m for _, o, m in outcome if o != "ok")
        assert "0 outstanding now" in refused and "Nothing was saved" in refused
    assert outcomes[1][0] == ("ANN", "ok", "2")  # BOB came second
    assert po_state(db, "PO-B") == ("received", [4, 6])
    assert po_state(db, "PO-C") == ("received", [2])
    assert stock_of(db, "WIDGET") == Stock(on_hand=6, allocated=3)
    assert stock_of(db, "GADGET") == Stock(on_hand=6, allocated=0)
    assert shop_anomalies(db) == []
    with db.read() as session:
        assert check_database(session).passed


def test_two_late_deliveries_of_one_supplier_at_the_same_instant_keep_its_etas_current(
    db: Database,
) -> None:
    """SUP delivered ten times on time; ANN waits for a widget on SUP's PO-W. Two tills
    receive two of SUP's POs, each 9 days late, one just after the other has taken its
    locks. Neither delivery alone moves SUP's late case (10 on time + 1 late: the 90th
    percentile is still on time); both together do (it is then 9 days). The second receipt
    reads SUP's history only once the first has committed, so ANN's late ETA moves."""
    make_shop(db)
    today = datetime.now(UTC).date()
    with db.write() as session:
        for number in range(10):
            purchasing.create_purchase_order(
                session, "SUP", [LineRequest("GADGET", 1)], ref=f"H-{number}", expected_date=today
            )
        for ref, sku in (("PO-L1", "GADGET"), ("PO-L2", "RARE")):
            purchasing.create_purchase_order(
                session,
                "SUP",
                [LineRequest(sku, 1)],
                ref=ref,
                ordered_at=datetime.now(UTC) - timedelta(days=30),
                expected_date=today - timedelta(days=9),
            )
    for number in range(10):
        confirm(db, preview(db, ("GADGET", 1), po_lines=make_po_lines(db, f"H-{number}")))
    order(db, "ANN", ("WIDGET", 1), ref="SO-1")
    make_po(db, ("WIDGET", 1), ref="PO-W")
    plans = {"ANN": ["receive GADGET 1 PO-L1"], "BOB": ["receive RARE 1 PO-L2 @after"]}
    (outcome,) = run_barrier(db.url, plans, lambda: None)
    assert [o for _, o, _ in outcome] == ["ok", "ok"], outcome
    with db.read() as session:
        (late,) = session.scalars(select(LineEta.late))
        expected = session.scalar(
            select(PurchaseOrder.expected_date).where(PurchaseOrder.ref == "PO-W")
        )
    assert expected is not None and late == expected + timedelta(days=9)
    assert shop_anomalies(db) == []


def make_po_lines(db: Database, ref: str) -> dict[str, int]:
    """SKU -> PO line id of an existing PO."""
    with db.read() as session:
        return {
            line.sku: line.po_line_id
            for line in purchasing.receivable_purchase_order(session, ref).lines
        }
