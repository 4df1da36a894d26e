"""Build a scale shop database for the benchmarks, fast, and consistent with the model.

    uv run python -m benchmarks.generate [--small] [--out PATH] [--seed N] [--force]

Full scale: 100k products (a balance row each at the default location, ledger movements that
sum to on hand), 10k customers, ~400k orders with 1M lines of which 100k wait for stock
(qty_backordered > 0). It looks like the day after a flash sale: 200 popular products carry
50k of the waiting lines, all placed in the last three days. 5k open purchase orders; the last
one (ref in the ``.json`` written next to the database) restocks the 200 popular products.
For the reports: 2k POs received over the past year (receipts dated against their expected
dates, early to 15 days late), 8% of shipped and 30% of ready lines that waited at order time
for units a receipt later gave them (an allocation event dated by that receipt), and the
cancelled lines dated and given reasons, most of them cancelled while waiting.
``--small`` builds 1/10 of everything (the 200 popular products stay, with 25 lines each).

The schema comes from ``app.db.open_database`` (the app's own migrations); rows are then bulk
inserted with driver-level executemany (no ORM, no per-row round trips) with the secondary
indexes dropped and rebuilt afterwards. Every order line satisfies
ordered = cancelled + shipped + allocated + backordered; balance.allocated = sum of the lines'
allocated; on hand = sum of the ledger; queued_at = the order's placed_at; order statuses come
from ``app.domain.orders.derive_order_status``. ``app.services.stock.check_ledger`` runs at
the end.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Index, create_engine, insert, text

from app.db import Database, open_database
from app.domain import Base
from app.domain.orders import OrderTotals, derive_order_status
from app.services.eta import recompute_etas
from app.services.importing.bulk import ORDER_LINE_COLUMNS
from app.services.stock import check_ledger

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_PATH = BENCH_DIR / "data" / "scale.sqlite3"
SMALL_PATH = BENCH_DIR / "data" / "scale-small.sqlite3"

#: SQLAlchemy's storage format for DateTime on SQLite (naive UTC, microseconds always shown).
SQLITE_DT = "%Y-%m-%d %H:%M:%S.%f"


@dataclass(frozen=True)
class Scale:
    products: int = 100_000
    customers: int = 10_000
    suppliers: int = 50
    orders: int = 400_000
    lines: int = 1_000_000
    waiting: int = 100_000
    popular: int = 200
    popular_waiting: int = 50_000
    ready_lines: int = 60_000
    cancelled_lines: int = 20_000
    purchase_orders: int = 5_000
    po_lines: int = 4  #: per ordinary PO
    #: POs received in the past year (dated receipts against expected dates), after the
    #: open ones; waiting lines that were served name the receipt that served them.
    received_purchase_orders: int = 2_000

    def small(self) -> Scale:
        return Scale(
            products=self.products // 10,
            customers=self.customers // 10,
            suppliers=self.suppliers // 5,
            orders=self.orders // 10,
            lines=self.lines // 10,
            waiting=self.waiting // 10,
            popular=self.popular,
            popular_waiting=self.popular_waiting // 10,
            ready_lines=self.ready_lines // 10,
            cancelled_lines=self.cancelled_lines // 10,
            purchase_orders=self.purchase_orders // 10,
            po_lines=self.po_lines,
            received_purchase_orders=self.received_purchase_orders // 10,
        )


def fmt(moment: datetime) -> str:
    return moment.strftime(SQLITE_DT)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


ADJECTIVES = _words(
    "Blue Red Green Black White Large Small Classic Deluxe Eco Pro Mini Heavy Light "
    "Soft Steel Oak Bamboo Cotton Wool Glass Copper Silver Matte Glossy"
)

NOUNS = _words(
    "Mug Kettle Lamp Chair Towel Notebook Pen Candle Basket Vase Bowl Plate Jar Brush "
    "Scarf Glove Hat Sock Bag Clock Frame Mirror Pillow Blanket Rug Spoon Knife Fork "
    "Teapot Tray"
)

FIRST = _words(
    "Anna Ben Clara David Emma Felix Grace Hugo Ida Jonas Karin Leo Maria Nils Olga "
    "Paul Rosa Sam Tina Uwe Vera Walter Yara Zoe"
)

LAST = _words(
    "Smith Jones Brown Miller Davis Garcia Wilson Moore Taylor Clark Lewis Walker "
    "Hall Young King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell"
)


#: Shares of shipped and of ready (allocated) lines that waited at order time for some
#: units, later allocated from a receipt: what the fill rate and wait reports measure.
WAITED_SHIPPED = 0.08
WAITED_READY = 0.3
#: Share of cancelled lines that were waiting when cancelled (the rest were allocated).
CANCELLED_WHILE_WAITING = 0.8
CANCEL_REASONS = _words("found-elsewhere too-slow customer-changed-mind price ordered-by-mistake")
#: Days a receipt came after its PO's expected date (negative: early), and how often.
LATENESS_DAYS = (-3, -1, 0, 0, 0, 1, 2, 3, 5, 7, 10, 15)


def received_schedule(
    rng: random.Random, count: int, start: datetime, now: datetime
) -> list[tuple[datetime, datetime]]:
    """(expected day as midnight, received at) of each received PO, by receipt time."""
    span = (now - start - timedelta(days=30)).days
    schedule = []
    for _ in range(count):
        expected = (start + timedelta(days=14 + rng.randrange(span))).replace(
            hour=0, minute=0, second=0
        )
        received = expected + timedelta(days=rng.choice(LATENESS_DAYS), hours=8 + rng.random() * 9)
        schedule.append((expected, min(received, now - timedelta(hours=1))))
    schedule.sort(key=lambda item: item[1])
    return schedule


#: An order line's columns as the app's bulk import writes them, its id first: what the
#: generator stores, and what bench_import reads back and writes again for its raw baseline.
ORDER_LINE_FIELDS = ("id", *ORDER_LINE_COLUMNS)


@contextmanager
def driver_cursor(conn: Any) -> Iterator[Any]:
    """The DB-API cursor under a SQLAlchemy connection."""
    cursor = conn.connection.driver_connection.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def bulk(conn: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Driver-level executemany in chunks (no per-row statement, no ORM)."""
    with driver_cursor(conn) as cursor:
        return executemany(cursor, table, columns, rows)


def executemany(
    cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """INSERT ``rows`` with a sqlite3 cursor, 50k rows per executemany."""
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    count = 0
    chunk: list[Sequence[Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= 50_000:
            cursor.executemany(sql, chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        cursor.executemany(sql, chunk)
        count += len(chunk)
    return count


def insert_order_lines(cursor: Any, rows: Iterable[Sequence[Any]]) -> int:
    """Insert order lines given as ORDER_LINE_FIELDS tuples. The one writer of order lines for
    the generator and bench_import's raw baseline: both follow the app's bulk import when a
    migration adds a column (0004's ``pinned`` and ``queue_nudge`` broke a second copy)."""
    return executemany(cursor, "order_line", ORDER_LINE_FIELDS, rows)


def secondary_indexes() -> list[Index]:
    return [index for table in Base.metadata.sorted_tables for index in table.indexes]


def generate(path: Path, scale: Scale, seed: int = 20261128) -> dict[str, Any]:
    rng = random.Random(seed)
    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm", ".json"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{path}"
    open_database(url, backup_dir=path.parent / "backups").dispose()  # schema + SHOP location

    engine = create_engine(url)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    start = now - timedelta(days=365)
    flash_start = now - timedelta(days=3)
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        t = time.perf_counter()
        timings[name] = round(t - since, 2)
        return t

    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode = OFF")
        conn.exec_driver_sql("PRAGMA synchronous = OFF")
        conn.exec_driver_sql("PRAGMA cache_size = -500000")
        conn.exec_driver_sql("PRAGMA temp_store = MEMORY")
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        indexes = secondary_indexes()
        for index in indexes:
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")
        conn.commit()
        location_id = conn.execute(text("SELECT id FROM location WHERE code = 'SHOP'")).scalar_one()
        t = time.perf_counter()

        # --- catalogue (Core executemany, so Numeric/Enum/Date types are bound by the app's
        # own column types) --------------------------------------------------------------
        tables = Base.metadata.tables
        conn.execute(
            insert(tables["supplier"]),
            [
                {
                    "id": i,
                    "code": f"SUP{i:03d}",
                    "name": f"Supplier {i}",
                    "email": f"orders@supplier{i}.example",
                    "lead_time_days": rng.randint(2, 21),
                }
                for i in range(1, scale.suppliers + 1)
            ],
        )
        costs: list[int] = [0] * (scale.products + 1)  # cents
        prices: list[str] = [""] * (scale.products + 1)  # each order line's unit price
        product_rows = []
        for pid in range(1, scale.products + 1):
            cost = rng.randint(50, 20_000)
            costs[pid] = cost
            prices[pid] = f"{cost * 2 / 100:.2f}"
            product_rows.append(
                {
                    "id": pid,
                    "sku": f"SKU-{pid:06d}",
                    "name": f"{rng.choice(ADJECTIVES)} {rng.choice(ADJECTIVES)} "
                    f"{rng.choice(NOUNS)} {pid}",
                    "barcode": f"20{pid:011d}",
                    "price": prices[pid],
                    "cost": f"{cost / 100:.2f}",
                    "backorder_policy": "backorder",
                    "reorder_point": rng.choice((0, 0, 5, 10)),
                    "supplier_id": rng.randint(1, scale.suppliers),
                }
            )
        conn.execute(insert(tables["product"]), product_rows)
        del product_rows
        conn.execute(
            insert(tables["customer"]),
            [
                {
                    "id": cid,
                    "code": f"C{cid:06d}",
                    "name": f"{rng.choice(FIRST)} {rng.choice(LAST)} {cid}",
                    "email": f"customer{cid}@example.com",
                    "phone": f"+44 20 {cid:08d}",
                    "tier": "gold" if cid % 10 == 0 else "standard",
                }
                for cid in range(1, scale.customers + 1)
            ],
        )
        t = lap("catalogue", t)

        # --- orders and their lines ------------------------------------------------------
        # Orders are numbered in time order; the last 15% were placed during the flash sale.
        n_flash = scale.orders * 15 // 100
        n_regular = scale.orders - n_flash
        placed: list[datetime] = []
        step = (flash_start - start) / n_regular
        for i in range(n_regular):
            placed.append(start + step * i + timedelta(seconds=rng.random() * step.total_seconds()))
        step = (now - flash_start) / n_flash
        for i in range(n_flash):
            placed.append(flash_start + step * i)
        placed_s = [fmt(moment) for moment in placed]
        received = received_schedule(rng, scale.received_purchase_orders, start, now)
        receipt_times = [received_at for _expected, received_at in received]

        def served_by(placed_at: datetime) -> tuple[int, datetime] | None:
            """The receipt (id, time) that served units waiting since ``placed_at``: the first
            one a typical wait later (None when none came after it)."""
            wait = timedelta(days=0.1 + min(60.0, rng.expovariate(1 / 7)))
            index = bisect_left(receipt_times, placed_at + wait)
            if index == len(receipt_times):
                index = bisect_left(receipt_times, placed_at)
                if index == len(receipt_times):
                    return None
            return index + 1, receipt_times[index]

        # Lines per order: 1..4, adding up to exactly scale.lines.
        counts = [1] * scale.orders
        extra = scale.lines - scale.orders
        while extra > 0:
            i = rng.randrange(scale.orders)
            if counts[i] < 4:
                counts[i] += 1
                extra -= 1
        line_order: list[int] = []  # line index -> order index (0-based)
        line_no: list[int] = []
        for oi, count in enumerate(counts):
            line_order.extend([oi] * count)
            line_no.extend(range(1, count + 1))
        n_lines = len(line_order)
        first_flash_line = line_order.index(n_regular)
        recent_from = line_order.index(scale.orders * 70 // 100)

        # Categories: W popular waiting, w other waiting, R ready (allocated), X cancelled,
        # S shipped (the rest).
        category = bytearray(b"S" * n_lines)
        flash_lines = list(range(first_flash_line, n_lines))
        rng.shuffle(flash_lines)
        popular_lines = flash_lines[: scale.popular_waiting]
        for li in popular_lines:
            category[li] = ord("W")
        recent = [li for li in range(recent_from, n_lines) if category[li] == ord("S")]
        rng.shuffle(recent)
        other_waiting = scale.waiting - scale.popular_waiting
        for li in recent[:other_waiting]:
            category[li] = ord("w")
        for li in recent[other_waiting : other_waiting + scale.ready_lines]:
            category[li] = ord("R")
        cancelled = 0
        while cancelled < scale.cancelled_lines:
            li = rng.randrange(n_lines)
            if category[li] == ord("S"):
                category[li] = ord("X")
                cancelled += 1

        # Products: popular 1..200 (sorted in the receive preview by SKU), then a set of
        # products with customers waiting (nothing available), a set with ready lines, rest.
        popular = list(range(1, scale.popular + 1))
        n_set = (scale.products - scale.popular) // 10
        waiting_set = range(scale.popular + 1, scale.popular + 1 + n_set)
        ready_set = range(waiting_set.stop, waiting_set.stop + n_set)
        per_popular = scale.popular_waiting // scale.popular
        popular_product = [popular[k // per_popular] for k in range(scale.popular_waiting)]
        rng.shuffle(popular_product)
        popular_iter = iter(popular_product)

        shipped_units = [0] * (scale.products + 1)
        allocated_units = [0] * (scale.products + 1)
        waiting_units = [0] * (scale.products + 1)
        totals = [[0, 0, 0, 0, 0] for _ in range(scale.orders)]  # ord, canc, ship, alloc, back
        line_rows = []
        movement_rows = []
        event_rows = []  # allocations from receipts to lines that waited
        cancel_times = []  # (cancelled at, line id)
        refs = [f"SO-{oi + 1:06d}" for oi in range(scale.orders)]
        for li in range(n_lines):
            oi = line_order[li]
            kind = category[li]
            if kind == ord("W"):
                pid = next(popular_iter)
                qty = rng.choice((1, 1, 1, 2, 2, 3))
                alloc = ship = canc = 0
                back = qty
            elif kind == ord("w"):
                pid = rng.choice(waiting_set)
                qty = rng.randint(1, 5)
                alloc = ship = canc = 0
                back = qty
            elif kind == ord("R"):
                pid = rng.choice(ready_set)
                qty = rng.randint(1, 5)
                alloc, ship, canc, back = qty, 0, 0, 0
            elif kind == ord("X"):
                pid = rng.randint(1, scale.products)
                qty = rng.randint(1, 5)
                alloc, ship, canc, back = 0, 0, qty, 0
            else:
                # Shipped; popular products sold well before the sale too.
                pid = (
                    rng.randint(1, scale.popular)
                    if rng.random() < 0.05
                    else rng.randint(1, scale.products)
                )
                qty = rng.randint(1, 5)
                canc = 1 if qty > 1 and rng.random() < 0.05 else 0
                alloc, ship, back = 0, qty - canc, 0
            line_id = li + 1
            at_order = back
            reason = "customer changed mind" if canc else ""
            served_at = placed[oi]
            if kind == ord("X"):
                at_order = qty if rng.random() < CANCELLED_WHILE_WAITING else 0
                reason = rng.choice(CANCEL_REASONS).replace("-", " ")
                cancelled_at = placed[oi] + timedelta(days=0.2 + rng.random() * 20)
                cancel_times.append((fmt(min(cancelled_at, now)), line_id))
            elif canc:
                cancel_times.append((fmt(min(placed[oi] + timedelta(days=1), now)), line_id))
            waited_share = {ord("S"): WAITED_SHIPPED, ord("R"): WAITED_READY}.get(kind, 0.0)
            if qty - canc > 0 and rng.random() < waited_share:
                served = served_by(placed[oi])
                if served is not None:
                    at_order = rng.randint(1, qty - canc)
                    receipt_id, served_at = served
                    event_rows.append(
                        (line_id, pid, at_order, "receipt", "", receipt_id, fmt(served_at))
                    )
            line_rows.append(
                (
                    line_id,
                    oi + 1,
                    line_no[li],
                    pid,
                    qty,
                    alloc,
                    ship,
                    canc,
                    back,
                    placed_s[oi],
                    reason,
                    False,
                    0,
                    prices[pid],
                    at_order,
                )
            )
            order_totals = totals[oi]
            order_totals[0] += qty
            order_totals[1] += canc
            order_totals[2] += ship
            order_totals[3] += alloc
            order_totals[4] += back
            allocated_units[pid] += alloc
            waiting_units[pid] += back
            if ship:
                shipped_units[pid] += ship
                movement_rows.append(
                    (
                        pid,
                        location_id,
                        -ship,
                        "shipment",
                        "",
                        refs[oi],
                        None,
                        line_id,
                        fmt(min(max(placed[oi], served_at) + timedelta(hours=30), now)),
                    )
                )
        t = lap("plan order lines", t)

        order_rows = []
        status_counts: dict[str, int] = {}
        for oi in range(scale.orders):
            status = derive_order_status(OrderTotals(*totals[oi])).value
            status_counts[status] = status_counts.get(status, 0) + 1
            order_rows.append(
                (oi + 1, refs[oi], rng.randint(1, scale.customers), placed_s[oi], status, "")
            )
        bulk(
            conn,
            "sales_order",
            ("id", "ref", "customer_id", "placed_at", "status", "note"),
            order_rows,
        )
        del order_rows
        t = lap("insert orders", t)
        with driver_cursor(conn) as cursor:
            insert_order_lines(cursor, line_rows)
            cursor.executemany("UPDATE order_line SET cancelled_at = ? WHERE id = ?", cancel_times)
            executemany(
                cursor,
                "allocation_event",
                (
                    "order_line_id",
                    "product_id",
                    "qty",
                    "source",
                    "reason",
                    "receipt_id",
                    "created_at",
                ),
                event_rows,
            )
        del line_rows, cancel_times, event_rows
        t = lap("insert order lines", t)

        # --- ledger and balances: opening count + one shipment per shipped line ----------
        opening = fmt(start - timedelta(days=1))
        on_hand = [0] * (scale.products + 1)
        opening_rows = []
        balance_rows = []
        waiting_products = set(popular) | set(waiting_set)
        total_in = [0] * (scale.products + 1)
        for pid in range(1, scale.products + 1):
            spare = 0 if pid in waiting_products else rng.randint(0, 40)
            on_hand[pid] = allocated_units[pid] + spare
            total_in[pid] = on_hand[pid] + shipped_units[pid]
        # Received POs bring part of what came in; the opening count the rest.
        stocked = [pid for pid in range(1, scale.products + 1) if total_in[pid]]
        received_items: list[list[tuple[int, int]]] = []
        receipt_movements = []
        for receipt_id, (_expected, received_at) in enumerate(received, start=1):
            items = []
            for _ in range(scale.po_lines):
                pid = rng.choice(stocked)
                qty = min(rng.randint(10, 100), total_in[pid])
                if qty:
                    total_in[pid] -= qty
                    items.append((pid, qty))
                    receipt_movements.append(
                        (
                            pid,
                            location_id,
                            qty,
                            "receipt",
                            "",
                            f"PO-{scale.purchase_orders + receipt_id:05d}",
                            receipt_id,
                            None,
                            fmt(received_at),
                        )
                    )
            received_items.append(items)
        for pid in range(1, scale.products + 1):
            if total_in[pid]:
                opening_rows.append(
                    (
                        pid,
                        location_id,
                        total_in[pid],
                        "adjustment",
                        "opening count",
                        "",
                        None,
                        None,
                        opening,
                    )
                )
            balance_rows.append((pid, location_id, on_hand[pid], allocated_units[pid], 1))
        movement_cols = (
            "product_id",
            "location_id",
            "qty",
            "kind",
            "reason",
            "document",
            "receipt_id",
            "order_line_id",
            "created_at",
        )
        n_movements = bulk(conn, "stock_movement", movement_cols, opening_rows)
        n_movements += bulk(conn, "stock_movement", movement_cols, movement_rows)
        n_movements += bulk(conn, "stock_movement", movement_cols, receipt_movements)
        del movement_rows, opening_rows, receipt_movements
        bulk(
            conn,
            "stock_balance",
            ("product_id", "location_id", "on_hand", "allocated", "version"),
            balance_rows,
        )
        t = lap("insert ledger and balances", t)

        # --- purchase orders: open, incl. the popular products; the last one restocks them
        po_rows = []
        po_line_rows = []
        po_line_id = 0
        for po in range(1, scale.purchase_orders + 1):
            ordered_at = now - timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 1440))
            flash = po == scale.purchase_orders
            po_rows.append(
                {
                    "id": po,
                    "ref": f"PO-{po:05d}",
                    "supplier_id": rng.randint(1, scale.suppliers),
                    "ordered_at": ordered_at.replace(tzinfo=UTC),
                    "expected_date": (ordered_at + timedelta(days=14)).date(),
                    "status": "open",
                    "note": "flash sale restock" if flash else "",
                }
            )
            if flash:
                items = [(pid, max(1, waiting_units[pid] * 9 // 10)) for pid in popular]
            else:
                items = []
                for _ in range(scale.po_lines):
                    pid = (
                        rng.choice(popular)
                        if rng.random() < 0.1
                        else rng.randint(1, scale.products)
                    )
                    items.append((pid, rng.randint(10, 100)))
            for no, (pid, qty) in enumerate(items, start=1):
                po_line_id += 1
                po_line_rows.append(
                    {
                        "id": po_line_id,
                        "purchase_order_id": po,
                        "line_no": no,
                        "product_id": pid,
                        "qty_ordered": qty,
                        "qty_received": 0,
                        "unit_cost": f"{costs[pid] / 100:.2f}",
                    }
                )
        receipt_rows = []
        receipt_line_rows = []
        for receipt_id, ((expected, received_at), items) in enumerate(
            zip(received, received_items, strict=True), start=1
        ):
            po = scale.purchase_orders + receipt_id
            po_rows.append(
                {
                    "id": po,
                    "ref": f"PO-{po:05d}",
                    "supplier_id": rng.randint(1, scale.suppliers),
                    "ordered_at": (expected - timedelta(days=14)).replace(tzinfo=UTC),
                    "expected_date": expected.date(),
                    "status": "received" if items else "cancelled",
                    "note": "",
                }
            )
            receipt_rows.append(
                {
                    "id": receipt_id,
                    "purchase_order_id": po,
                    "received_at": received_at.replace(tzinfo=UTC),
                    "note": "",
                }
            )
            for no, (pid, qty) in enumerate(items, start=1):
                po_line_id += 1
                po_line_rows.append(
                    {
                        "id": po_line_id,
                        "purchase_order_id": po,
                        "line_no": no,
                        "product_id": pid,
                        "qty_ordered": qty,
                        "qty_received": qty,
                        "unit_cost": f"{costs[pid] / 100:.2f}",
                    }
                )
                receipt_line_rows.append(
                    {
                        "receipt_id": receipt_id,
                        "purchase_order_line_id": po_line_id,
                        "product_id": pid,
                        "qty": qty,
                        "qty_over": 0,
                    }
                )
        conn.execute(insert(tables["purchase_order"]), po_rows)
        conn.execute(insert(tables["purchase_order_line"]), po_line_rows)
        if receipt_rows:
            conn.execute(insert(tables["receipt"]), receipt_rows)
            conn.execute(insert(tables["receipt_line"]), receipt_line_rows)
        conn.commit()
        t = lap("insert purchase orders", t)

        for index in indexes:
            index.create(conn)
        conn.commit()
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
        conn.exec_driver_sql("PRAGMA journal_mode = WAL")
        t = lap("create indexes + analyze", t)
    engine.dispose()

    database = Database(url)
    with database.read() as session:
        problems = check_ledger(session)
    t = lap("check_ledger", t)
    # A real shop has an ETA on every waiting line (the services keep them); fill them here so
    # the benchmarks start from that state rather than from a first-start fill.
    with database.write() as session:
        recompute_etas(session)
    database.dispose()
    lap("ETAs for every waiting line", t)
    if problems:
        raise SystemExit("generated database is inconsistent:\n" + "\n".join(problems[:20]))

    meta = {
        "scale": asdict(scale),
        "seed": seed,
        "orders": scale.orders,
        "order_lines": n_lines,
        "waiting_lines": scale.waiting,
        "stock_movements": n_movements,
        "order_statuses": status_counts,
        "popular_product_ids": popular,
        "flash_po_ref": f"PO-{scale.purchase_orders:05d}",
        "received_purchase_orders": scale.received_purchase_orders,
        "flash_po_receive_qty": {str(pid): max(1, waiting_units[pid] * 9 // 10) for pid in popular},
        "popular_waiting_units": sum(waiting_units[pid] for pid in popular),
        "generated_at": now.isoformat() + "Z",
        "seconds": round(time.perf_counter() - started, 1),
        "timings": timings,
        "size_mb": round(path.stat().st_size / 1e6, 1),
    }
    Path(f"{path}.json").write_text(json.dumps(meta, indent=1))
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="1/10 scale, for quick runs")
    parser.add_argument("--out", type=Path, help="database file to (re)create")
    parser.add_argument("--seed", type=int, default=20261128)
    args = parser.parse_args(argv)
    scale = Scale().small() if args.small else Scale()
    path = args.out or (SMALL_PATH if args.small else DEFAULT_PATH)
    print(f"generating {path} ({'small' if args.small else 'full'} scale) ...", flush=True)
    meta = generate(path, scale, args.seed)
    for step, seconds in meta["timings"].items():
        print(f"  {step:<28} {seconds:7.2f} s")
    print(
        f"{meta['order_lines']:,} order lines in {meta['orders']:,} orders, "
        f"{meta['waiting_lines']:,} waiting, {meta['stock_movements']:,} movements; "
        f"{meta['size_mb']} MB; check_ledger OK"
    )
    print(f"generated in {meta['seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
