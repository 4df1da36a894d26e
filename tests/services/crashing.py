"""A till killed at a random moment while it receives (used by ``test_crash.py`` and
``benchmarks/bench_crash``): the child process, the kill, and the checks afterwards.

The child repeatedly places an order for a known pattern of units, then receives exactly
that pattern (previewed, then confirmed), every other receipt against a purchase order, and
reports each commit on a pipe. The parent kills it with SIGKILL after a random delay, then
opens the database and checks that it is intact and that every receipt is either wholly
applied (its lines, its ledger movements, its allocations to the waiting customers, its PO
line) or absent, and that every receipt the child saw committed is there.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import signal
import sqlite3
import time
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database, open_database
from app.db.opening import sqlite_path
from app.domain import (
    AllocationEvent,
    NotificationChannel,
    NotificationEvent,
    OrderStatus,
    Product,
    Receipt,
    ReceiptLine,
    SalesOrder,
    StockMovement,
)
from app.domain.enums import BackorderPolicy
from app.domain.notifications import Notification
from app.services import catalog, purchasing
from app.services.notifications.customers import set_customer_notifications
from app.services.notifications.outbox import enabled_events
from app.services.notifications.templates import DEFAULTS, save_template
from app.services.ordering import LineRequest, place_order
from app.services.receiving import ReceiptInput, confirm_receipt, preview_receipt
from tests.services.racing import shop_anomalies

SKUS = ("CRASH-A", "CRASH-B", "CRASH-C")
PO_REF = "PO-CRASH"
#: Receipts are numbered ``run * RUN_SPAN + i``: run (one child's life) and place in it.
RUN_SPAN = 1_000_000

#: fork, where there is one: a spawned child would spend ~1 s importing before it could be
#: killed, which is most of the time of a kill cycle and none of its interest. Only the
#: child touches the database between fork and kill (the parent disposes its engine first).
CONTEXT = multiprocessing.get_context(
    "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
)


def pattern(number: int) -> dict[str, int]:
    """The units receipt ``number`` brings (and its order asks for), per SKU: 1-2 SKUs."""
    rng = random.Random(number)
    skus = rng.sample(SKUS, rng.randint(1, 2))
    return {sku: rng.randint(1, 5) for sku in sorted(skus)}


def make_crash_shop(db: Database, *, notify: bool = False) -> None:
    """A supplier, the three products (sold on backorder, no stock), a customer and a PO
    large enough never to run out; with ``notify``, the customer opted in to every message
    (each order and each receipt then writes to the outbox too)."""
    with db.write() as session:
        catalog.create_supplier(session, "CSUP", "Crash Supplies")
        for sku in SKUS:
            catalog.create_product(
                session,
                sku,
                sku.title(),
                backorder_policy=BackorderPolicy.BACKORDER,
                supplier_code="CSUP",
            )
        catalog.create_customer(session, "CRASHC", "Crash Customer")
        purchasing.create_purchase_order(
            session, "CSUP", [LineRequest(sku, 900_000) for sku in SKUS], ref=PO_REF
        )
        if notify:
            set_customer_notifications(
                session, "CRASHC", opt_in=True, channel=NotificationChannel.WEBHOOK
            )
            for event in NotificationEvent:
                save_template(session, event, *DEFAULTS[event], enabled=True)


def _order(session: Session, number: int) -> str:
    lines = [LineRequest(sku, qty) for sku, qty in pattern(number).items()]
    return place_order(session, "CRASHC", lines, note=f"crash-{number}").ref


def receiving_child(url: str, run: int, pipe: Connection) -> None:
    """The till that gets killed: orders then receives pattern after pattern, reporting
    ("received", number) after each receipt's commit."""
    db = Database(url)
    with db.read() as session:
        ids = {sku: catalog.find_product(session, sku).id for sku in SKUS}
        po_lines = {
            line.sku: line.po_line_id
            for line in purchasing.receivable_purchase_order(session, PO_REF).lines
        }
    pipe.send(("ready", 0))
    number = run * RUN_SPAN
    while True:
        number += 1
        db.run(partial(_order, number=number))
        against_po = number % 2 == 0
        inputs = [
            ReceiptInput(ids[sku], qty, po_lines[sku] if against_po else None)
            for sku, qty in pattern(number).items()
        ]
        with db.read() as session:
            plan = preview_receipt(
                session, inputs, purchase_order_ref=PO_REF if against_po else None
            )
        db.run(partial(confirm_receipt, plan=plan, note=f"crash-{number}"))
        pipe.send(("received", number))


@dataclass
class CrashReport:
    """What the kills found (anomalies must stay empty)."""

    kills: int = 0
    receipts_reported: int = 0  #: receipts the child saw committed before it died
    receipts_found: int = 0  #: receipts in the database at the end
    #: Kills that landed after a commit but before the child could report it (found anyway).
    committed_unreported: int = 0
    check_seconds: float = 0.0
    anomalies: list[str] = field(default_factory=list)


def kill_once(url: str, run: int, rng: random.Random, max_delay: float) -> list[int]:
    """Start a receiving child, SIGKILL it after a random delay (after it opened the
    database); the receipt numbers it reported committed."""
    parent_end, child_end = CONTEXT.Pipe(duplex=False)
    child = CONTEXT.Process(target=receiving_child, args=(url, run, child_end))
    child.start()
    child_end.close()
    reported: list[int] = []
    if not parent_end.poll(60):
        child.kill()
        raise RuntimeError("the receiving child never opened the database")
    parent_end.recv()  # "ready"
    time.sleep(rng.uniform(0, max_delay))
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    while True:
        try:
            kind, number = parent_end.recv()
        except EOFError:
            break
        if kind == "received":
            reported.append(number)
    parent_end.close()
    return reported


def check_after_kill(url: str, reported: set[int], backups: Path) -> tuple[list[str], int, int]:
    """Open the database after a kill and check it: (anomalies, receipts found, receipts
    found that were never reported)."""
    problems: list[str] = []
    path = sqlite_path(url)
    if path is not None:
        connection = sqlite3.connect(path)
        try:
            integrity = connection.execute("PRAGMA integrity_check").fetchall()
            if integrity != [("ok",)]:
                problems.append(f"integrity_check: {integrity}")
            foreign = connection.execute("PRAGMA foreign_key_check").fetchall()
            if foreign:
                problems.append(f"foreign_key_check: {foreign[:5]}")
        finally:
            connection.close()
    db = open_database(url, backup_dir=backups, daily_backup=False)
    try:
        problems += shop_anomalies(db)
        with db.read() as session:
            found, receipt_problems = _receipts_whole(session)
            problems += _outbox_follows_statuses(session)
        problems += receipt_problems
    finally:
        db.dispose()
    lost = sorted(reported - set(found))
    if lost:
        problems.append(f"receipts reported committed but missing: {lost[:10]}")
    extra = set(found) - reported
    return problems, len(found), len(extra)


def _receipts_whole(session: Session) -> tuple[list[int], list[str]]:
    """Receipt numbers in the database, and how any of them is not exactly its pattern:
    its lines, its ledger movements and its allocations (the queue always waits for at
    least what a receipt brings, so every unit goes to a customer)."""
    problems: list[str] = []
    skus: dict[int, str] = {
        pid: sku for pid, sku in session.execute(select(Product.id, Product.sku))
    }
    receipts: dict[int, tuple[int, dict[str, int]]] = {}  # id -> (number, lines by SKU)
    for receipt_id, note, product_id, qty in session.execute(
        select(Receipt.id, Receipt.note, ReceiptLine.product_id, ReceiptLine.qty).join(
            ReceiptLine, ReceiptLine.receipt_id == Receipt.id, isouter=True
        )
    ):
        match = re.fullmatch(r"crash-(\d+)", note or "")
        if match is None:
            problems.append(f"receipt {receipt_id} has an unknown note {note!r}")
            continue
        got = receipts.setdefault(receipt_id, (int(match.group(1)), {}))[1]
        if product_id is not None:
            got[skus[product_id]] = got.get(skus[product_id], 0) + qty
    moved = _per_receipt(session, StockMovement.receipt_id, StockMovement.qty, StockMovement)
    given = _per_receipt(session, AllocationEvent.receipt_id, AllocationEvent.qty, AllocationEvent)
    for receipt_id, (number, got) in receipts.items():
        expected = pattern(number)
        by_sku = {skus[pid]: qty for pid, qty in moved.get(receipt_id, {}).items()}
        to_customers = {skus[pid]: qty for pid, qty in given.get(receipt_id, {}).items()}
        if not got == by_sku == to_customers == expected:
            problems.append(
                f"receipt crash-{number} is not whole: lines {got}, ledger {by_sku}, "
                f"allocated {to_customers}, expected {expected}"
            )
    numbers = [number for number, _ in receipts.values()]
    if len(set(numbers)) != len(numbers):
        problems.append("a receipt was applied twice")
    return numbers, problems


#: The outbox event each status the crash flow reaches leaves as an order's latest message.
_LATEST_EVENT = {
    OrderStatus.BACKORDERED: NotificationEvent.BACKORDERED,
    OrderStatus.PART_READY: NotificationEvent.PART_READY,
    OrderStatus.READY_TO_SHIP: NotificationEvent.READY_TO_SHIP,
}


def _outbox_follows_statuses(session: Session) -> list[str]:
    """With messages enabled, every order has exactly one "backordered" message (written with
    the order) and its latest status message says its status now: a receipt's commit wrote
    its messages, and a receipt that died wrote none."""
    if not enabled_events(session):
        return []
    said: dict[int, list[NotificationEvent]] = {}
    for order_id, event in session.execute(
        select(Notification.order_id, Notification.event)
        .where(Notification.event != NotificationEvent.ETA_LATER)
        .order_by(Notification.id)
    ):
        said.setdefault(order_id, []).append(event)
    problems: list[str] = []
    for order_id, ref, status in session.execute(
        select(SalesOrder.id, SalesOrder.ref, SalesOrder.status)
    ):
        got = said.get(order_id, [])
        if got.count(NotificationEvent.BACKORDERED) != 1:
            problems.append(
                f"order {ref} has {got.count(NotificationEvent.BACKORDERED)} backordered messages"
            )
        elif got[-1] is not _LATEST_EVENT.get(status):
            problems.append(f"order {ref} is {status.value} but its latest message is {got[-1]}")
    return problems


def _per_receipt(
    session: Session, receipt_column: Any, qty_column: Any, entity: Any
) -> dict[int, dict[int, int]]:
    result: dict[int, dict[int, int]] = {}
    for receipt_id, product_id, qty in session.execute(
        select(receipt_column, entity.product_id, func.sum(qty_column))
        .where(receipt_column.is_not(None))
        .group_by(receipt_column, entity.product_id)
    ):
        result.setdefault(receipt_id, {})[product_id] = qty
    return result


def crash_runs(
    url: str, kills: int, backups: Path, *, seed: int = 1, max_delay: float = 0.3
) -> CrashReport:
    """Kill a receiving child ``kills`` times at random moments, checking after each."""
    rng = random.Random(seed)
    report = CrashReport()
    reported: set[int] = set()
    for run in range(1, kills + 1):
        got = kill_once(url, run, rng, max_delay)
        reported.update(got)
        report.kills += 1
        started = time.monotonic()
        problems, found, extra = check_after_kill(url, reported, backups)
        report.check_seconds += time.monotonic() - started
        report.anomalies += [f"after kill {run}: {p}" for p in problems]
        report.receipts_found = found
        report.committed_unreported = extra
        if extra > run:  # at most one commit per kill can go unreported
            report.anomalies.append(f"after kill {run}: {extra} receipts nobody made")
    report.receipts_reported = len(reported)
    return report
