"""A believable demo shop ("Hearth & Home", kitchen and homeware), built through the services.

Three weeks of trading: suppliers with lead times, a catalog with real-looking barcodes, an
opening stock count, customer orders (several popular products sold out, with customers
waiting in the backorder queue), one purchase order already received, a couple of orders
shipped, and open purchase orders (some overdue) that will serve the waiting customers.
Deterministic for a given ``today`` and ``seed``.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum import ean

from app.domain import (
    BackorderPolicy,
    CustomerTier,
    OrderStatus,
    Receipt,
    SalesOrder,
    ShipPreference,
    StockBalance,
)
from app.services import catalog, eta, ordering, purchasing, receiving, shipping, stock
from app.services.exporting import stock_rows
from app.services.ordering import LineRequest

SHOP_NAME = "Hearth & Home"

#: GS1 company prefix used for the demo barcodes ("50" is the UK prefix range).
_BARCODE_PREFIX = "5060312"

_SUPPLIERS = (
    # code, name, email, lead time (days)
    ("NORDIC", "Nordic Kitchenware AB", "orders@nordic-kitchenware.example", 14),
    ("HILLSIDE", "Hillside Pottery", "sales@hillsidepottery.example", 10),
    ("LOOM", "Linen & Loom", "trade@linenandloom.example", 7),
    ("SHEFFIELD", "Sheffield Steelworks", "orders@sheffieldsteel.example", 21),
)

#: How each supplier writes its own item codes (the demo's supplier SKUs).
_SUPPLIER_SKU_FORMAT = {
    "NORDIC": "NKW-{:04d}",
    "HILLSIDE": "HP/{:03d}",
    "LOOM": "LL{:05d}",
    "SHEFFIELD": "SS-{:03d}-B",
}

_OOS = BackorderPolicy.OUT_OF_STOCK
_BO = BackorderPolicy.BACKORDER

_PRODUCTS = (
    # sku, name, price, cost, supplier, policy, opening stock, reorder point
    ("KN-CHEF-20", "Chef's knife 20 cm", "49.00", "21.50", "SHEFFIELD", _BO, 3, 4),
    ("KN-PARING-9", "Paring knife 9 cm", "18.50", "7.20", "SHEFFIELD", _BO, 12, 4),
    ("KN-BREAD-23", "Bread knife 23 cm", "34.00", "14.80", "SHEFFIELD", _BO, 6, 3),
    ("KN-BLOCK-5", "Knife block, oak, 5 slots", "42.00", "17.00", "SHEFFIELD", _BO, 4, 2),
    ("KN-STEEL-25", "Honing steel 25 cm", "24.00", "9.50", "SHEFFIELD", _OOS, 5, 2),
    ("CW-CAST-26", "Cast iron skillet 26 cm", "59.00", "26.00", "NORDIC", _BO, 2, 4),
    ("CW-DUTCH-24", "Enamelled Dutch oven 24 cm", "129.00", "58.00", "NORDIC", _BO, 1, 2),
    ("CW-SAUCE-16", "Stainless saucepan 16 cm", "39.00", "16.00", "NORDIC", _BO, 8, 3),
    ("CW-WOK-30", "Carbon steel wok 30 cm", "45.00", "18.50", "NORDIC", _BO, 3, 3),
    ("CW-PAN-28", "Non-stick frying pan 28 cm", "36.00", "14.00", "NORDIC", _BO, 10, 4),
    ("CW-KETTLE-1", "Stovetop kettle 1.5 l", "54.00", "23.00", "NORDIC", _OOS, 4, 2),
    ("UT-SPATULA", "Beech spatula", "6.50", "2.10", "NORDIC", _BO, 30, 10),
    ("UT-WHISK-25", "Balloon whisk 25 cm", "9.90", "3.60", "NORDIC", _BO, 18, 6),
    ("UT-PEELER", "Swivel peeler", "7.50", "2.40", "NORDIC", _BO, 25, 8),
    ("UT-GRATER-4", "Box grater, 4 sides", "16.00", "6.20", "NORDIC", _BO, 7, 4),
    ("UT-SCALE-DG", "Digital kitchen scale", "27.00", "11.00", "NORDIC", _BO, 2, 3),
    ("UT-MILL-PEP", "Pepper mill, walnut", "32.00", "12.50", "NORDIC", _BO, 3, 3),
    ("PT-MUG-GRN", "Stoneware mug, moss green", "14.00", "4.80", "HILLSIDE", _BO, 24, 12),
    ("PT-MUG-SND", "Stoneware mug, sand", "14.00", "4.80", "HILLSIDE", _BO, 4, 12),
    ("PT-BOWL-15", "Cereal bowl 15 cm, speckled", "16.50", "5.90", "HILLSIDE", _BO, 10, 8),
    ("PT-PLATE-27", "Dinner plate 27 cm, speckled", "21.00", "7.40", "HILLSIDE", _BO, 5, 8),
    ("PT-TEAPOT-1", "Teapot 1 l, glazed", "48.00", "19.00", "HILLSIDE", _BO, 1, 2),
    ("PT-JUG-05", "Milk jug 0.5 l", "19.00", "6.80", "HILLSIDE", _BO, 6, 3),
    ("PT-VASE-TALL", "Tall bud vase, one-off glaze", "38.00", "15.00", "HILLSIDE", _OOS, 3, 0),
    ("PT-BAKER-30", "Oval baking dish 30 cm", "44.00", "17.50", "HILLSIDE", _BO, 2, 2),
    ("TX-TOWEL-LIN", "Linen tea towel, natural", "12.00", "4.10", "LOOM", _BO, 20, 10),
    ("TX-TOWEL-STR", "Linen tea towel, blue stripe", "12.00", "4.10", "LOOM", _BO, 3, 10),
    ("TX-APRON-OLV", "Canvas apron, olive", "28.00", "10.50", "LOOM", _BO, 4, 4),
    ("TX-APRON-CHR", "Canvas apron, charcoal", "28.00", "10.50", "LOOM", _BO, 9, 4),
    ("TX-NAPKIN-4", "Linen napkins, set of 4", "26.00", "9.80", "LOOM", _BO, 8, 4),
    ("TX-CLOTH-140", "Tablecloth 140 x 220 cm", "64.00", "27.00", "LOOM", _BO, 2, 2),
    ("TX-OVEN-GLV", "Oven glove, quilted", "15.00", "5.20", "LOOM", _BO, 11, 5),
    ("TX-RUNNER", "Table runner, herringbone", "34.00", "13.00", "LOOM", _OOS, 3, 0),
    ("ST-JAR-1L", "Glass storage jar 1 l", "11.00", "3.90", "NORDIC", _BO, 16, 8),
    ("ST-BOARD-40", "End-grain chopping board 40 cm", "68.00", "29.00", "SHEFFIELD", _BO, 2, 2),
    ("ST-BREADBIN", "Enamel bread bin, cream", "52.00", "22.00", "NORDIC", _BO, 2, 2),
)

#: The aisle each family of products sits in (its SKU's prefix); the bin is the aisle and the
#: product's place along it ("B3"), so the demo pick list walks the shop aisle by aisle.
_AISLES = {"KN": "A", "CW": "B", "UT": "C", "PT": "D", "TX": "E", "ST": "F"}
#: Products kept elsewhere: bulky boards in the back room, and a bread bin that has no
#: place yet (the pick list lists it after the shelves).
_OTHER_BINS = {"ST-BOARD-40": "Back room, shelf 4", "ST-BREADBIN": ""}

_CUSTOMERS = (
    # code, name, tier
    ("C-1001", "Ruth Ashworth", CustomerTier.GOLD),
    ("C-1002", "Daniel Okafor", CustomerTier.STANDARD),
    ("C-1003", "Priya Raman", CustomerTier.GOLD),
    ("C-1004", "Tom Whitfield", CustomerTier.STANDARD),
    ("C-1005", "Megan Lloyd", CustomerTier.STANDARD),
    ("C-1006", "Hassan Qureshi", CustomerTier.STANDARD),
    ("C-1007", "Eleanor Price", CustomerTier.GOLD),
    ("C-1008", "Sam Kowalski", CustomerTier.STANDARD),
    ("C-1009", "Aoife Brennan", CustomerTier.STANDARD),
    ("C-1010", "George Mensah", CustomerTier.STANDARD),
    ("C-1011", "Lucy Hartley", CustomerTier.GOLD),
    ("C-1012", "Marco Bianchi", CustomerTier.STANDARD),
    ("C-1013", "Fatima Yusuf", CustomerTier.STANDARD),
    ("C-1014", "Oliver Grant", CustomerTier.STANDARD),
    ("C-1015", "Chloe Dubois", CustomerTier.STANDARD),
    ("C-1016", "Harbour Street Cafe", CustomerTier.GOLD),
    ("C-1017", "Ian McLeod", CustomerTier.STANDARD),
    ("C-1018", "Nadia Petrova", CustomerTier.STANDARD),
    ("C-1019", "The Old Rectory B&B", CustomerTier.STANDARD),
    ("C-1020", "Zoe Fairbairn", CustomerTier.STANDARD),
)

#: Products that sell out in the demo: most orders include one of them.
_POPULAR = (
    "KN-CHEF-20",
    "CW-CAST-26",
    "CW-DUTCH-24",
    "UT-SCALE-DG",
    "PT-MUG-SND",
    "PT-TEAPOT-1",
    "TX-TOWEL-STR",
    "ST-BOARD-40",
    "CW-WOK-30",
)

ORDER_COUNT = 30

#: Customers who want each order shipped complete (a cafe and a B&B restocking).
_SHIPS_COMPLETE = frozenset({"C-1016", "C-1019"})
DAYS_OF_HISTORY = 21


def gtin13(twelve_digits: str) -> str:
    """A GTIN-13 from its first twelve digits (appends the GS1 check digit, python-stdnum's)."""
    if len(twelve_digits) != 12 or not twelve_digits.isdigit():
        raise ValueError("a GTIN-13 starts with exactly twelve digits")
    return twelve_digits + str(ean.calc_check_digit(twelve_digits))


def _bins() -> dict[str, str]:
    """Each demo product's bin: its aisle and place along it, or its _OTHER_BINS entry."""
    places: dict[str, int] = {}
    bins: dict[str, str] = {}
    for sku, *_ in _PRODUCTS:
        aisle = _AISLES[sku.split("-")[0]]
        places[aisle] = places.get(aisle, 0) + 1
        bins[sku] = _OTHER_BINS.get(sku, f"{aisle}{places[aisle]}")
    return bins


def build_demo_shop(session: Session, *, today: date | None = None, seed: int = 7) -> None:
    """Fill an empty shop database with three weeks of believable trading."""
    rng = random.Random(seed)
    today = today or datetime.now(UTC).date()

    def moment(days_ago: int, hour: int, minute: int) -> datetime:
        return datetime.combine(today - timedelta(days=days_ago), time(hour, minute), UTC)

    for code, name, email, lead_time in _SUPPLIERS:
        catalog.create_supplier(session, code, name, email=email, lead_time_days=lead_time)
    bins = _bins()
    for index, (sku, name, price, cost, supplier, policy, opening, reorder) in enumerate(
        _PRODUCTS, start=1
    ):
        catalog.create_product(
            session,
            sku,
            name,
            barcode=gtin13(f"{_BARCODE_PREFIX}{index:05d}"),
            price=Decimal(price),
            cost=Decimal(cost),
            backorder_policy=policy,
            reorder_point=reorder,
            supplier_code=supplier,
            supplier_sku=_SUPPLIER_SKU_FORMAT[supplier].format(100 + 7 * index),
            bin=bins[sku],
        )
        if opening:
            stock.adjust_stock(session, sku, opening, "opening count")
    for number, (code, name, tier) in enumerate(_CUSTOMERS):
        first = name.split()[0].lower().replace("'", "")
        last = name.split()[-1].lower().replace("&", "and")
        catalog.create_customer(
            session,
            code,
            name,
            email=f"{first}.{last}@example.com",
            phone=f"020 7946 0{100 + number * 7:03d}",
            tier=tier,
            # Businesses want whole deliveries; everyone else takes what is in stock now.
            ship_preference=(
                ShipPreference.COMPLETE if code in _SHIPS_COMPLETE else ShipPreference.PARTIAL
            ),
        )

    policies = {sku: policy for sku, _n, _p, _c, _s, policy, _o, _r in _PRODUCTS}
    everyday = [sku for sku, *_ in _PRODUCTS if sku not in _POPULAR]
    customers = [code for code, _name, _tier in _CUSTOMERS]
    # Order times: spread over three weeks, in shop hours, oldest first.
    times = sorted(
        moment(rng.randint(1, DAYS_OF_HISTORY), rng.randint(9, 17), rng.choice((0, 15, 30, 45)))
        for _ in range(ORDER_COUNT)
    )
    received_po_after = ORDER_COUNT // 3  # the first delivery arrives after ten orders
    for number, placed_at in enumerate(times):
        if number == received_po_after:
            _receive_first_delivery(session, moment(DAYS_OF_HISTORY - 1, 8, 0))
        lines: dict[str, int] = {}
        if rng.random() < 0.75:
            lines[rng.choice(_POPULAR)] = rng.randint(1, 3)
        for sku in rng.sample(everyday, rng.randint(0 if lines else 1, 3)):
            lines[sku] = rng.randint(1, 2)
        requests = []
        for sku, qty in lines.items():
            if policies[sku] == BackorderPolicy.OUT_OF_STOCK:
                qty = min(qty, _available(session, sku))
            if qty > 0:
                requests.append(LineRequest(sku, qty))
        if requests:
            ordering.place_order(session, rng.choice(customers), requests, placed_at=placed_at)

    _ship_oldest_ready(session, count=2)
    _order_for_the_queue(session, rng, today)
    eta.recompute_etas(session)  # the new POs give the waiting lines their ETAs


def _available(session: Session, sku: str) -> int:
    product = catalog.find_product(session, sku)
    balance = session.scalar(select(StockBalance).where(StockBalance.product_id == product.id))
    return balance.available if balance else 0


def _receive_first_delivery(session: Session, ordered_at: datetime) -> None:
    """A linen delivery that already arrived: it served the customers waiting for it."""
    po = purchasing.create_purchase_order(
        session,
        "LOOM",
        [LineRequest("TX-TOWEL-STR", 8), LineRequest("TX-APRON-OLV", 4)],
        ordered_at=ordered_at,
        expected_date=(ordered_at + timedelta(days=7)).date(),
    )
    outstanding = purchasing.receivable_purchase_order(session, po.ref)
    plan = receiving.preview_receipt(
        session,
        [
            receiving.ReceiptInput(line.product_id, line.qty_outstanding, line.po_line_id)
            for line in outstanding.lines
        ],
        purchase_order_ref=po.ref,
    )
    result = receiving.confirm_receipt(session, plan, note="Delivery complete")
    # It arrived a day after the expected date (not at the moment the demo is built): the
    # supplier's delivery history that ETA confidence reads.
    assert po.expected_date is not None
    arrived = datetime.combine(po.expected_date + timedelta(days=1), time(9, 30), UTC)
    session.get_one(Receipt, result.receipt_id).received_at = arrived
    session.flush()


def _ship_oldest_ready(session: Session, *, count: int) -> None:
    refs = session.scalars(
        select(SalesOrder.ref)
        .where(SalesOrder.status == OrderStatus.READY_TO_SHIP)
        .order_by(SalesOrder.placed_at, SalesOrder.ref)
        .limit(count)
    ).all()
    for ref in refs:
        shipping.ship_order(session, ref)


def _order_for_the_queue(session: Session, rng: random.Random, today: date) -> None:
    """Open purchase orders for the products customers wait for (two already overdue)."""
    waiting = {sku: backordered for sku, *_rest, backordered in stock_rows(session) if backordered}
    supplier_of = {sku: supplier for sku, _n, _p, _c, supplier, *_ in _PRODUCTS}
    by_supplier: dict[str, list[tuple[str, int]]] = {}
    for sku in sorted(waiting):
        # Usually enough for everyone waiting plus some for the shelf; now and then short.
        extra = rng.choice((-1, 2, 4, 6)) if waiting[sku] > 1 else rng.choice((2, 4))
        by_supplier.setdefault(supplier_of[sku], []).append((sku, waiting[sku] + extra))
    for sku in ("UT-WHISK-25", "PT-BOWL-15", "TX-NAPKIN-4", "KN-PARING-9"):  # plain restock
        by_supplier.setdefault(supplier_of[sku], []).append((sku, 6))
    batches: list[tuple[str, list[tuple[str, int]]]] = []
    for supplier in sorted(by_supplier):
        lines = by_supplier[supplier]
        half = (len(lines) + 1) // 2 if len(lines) > 3 else len(lines)
        batches.append((supplier, lines[:half]))
        if lines[half:]:
            batches.append((supplier, lines[half:]))
    # (days ago ordered, days from today expected): the first two are overdue.
    schedule = [(16, -3), (12, -1), (9, 2), (6, 4), (4, 7), (3, 9), (2, 11), (1, 14)]
    for (supplier, lines), (ago, due) in zip(batches, schedule, strict=False):
        purchasing.create_purchase_order(
            session,
            supplier,
            [LineRequest(sku, qty) for sku, qty in lines],
            ordered_at=datetime.combine(today - timedelta(days=ago), time(10, 30), UTC),
            expected_date=today + timedelta(days=due),
        )
