"""The tabs' table models: pages of plain rows, sorted and filtered by re-querying SQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt

from app.db import Database
from app.services import catalog, formatting, ordering, purchasing, stock
from app.services.ordering import LineRequest
from app.ui.models.backorders_model import BackordersModel
from app.ui.models.orders_model import OrdersModel
from app.ui.models.paged_model import KeyRole, PagedTableModel, format_value
from app.ui.models.purchase_orders_model import PurchaseOrdersModel
from app.ui.models.stock_model import StockModel

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def fill_shop(db: Database) -> None:
    """ANVIL: 5 on hand, all promised to SO-1, 9 more waiting; ROPE: 20 on hand; GLUE: none."""
    with db.write() as s:
        catalog.create_supplier(s, "ACME", "Acme Supplies")
        catalog.create_product(s, "ANVIL", "Anvil 50 kg", barcode="4006381333931")
        catalog.create_product(s, "ROPE", "Rope 10 m")
        catalog.create_product(s, "GLUE", "Wood glue")
        for code, name in (("C1", "Wile Coyote"), ("C2", "Road Runner"), ("C3", "Bugs Bunny")):
            catalog.create_customer(s, code, name)
        stock.adjust_stock(s, "ANVIL", 5, "count")
        stock.adjust_stock(s, "ROPE", 1200, "count")
    with db.write() as s:
        ordering.place_order(s, "C1", [LineRequest("ANVIL", 7)], ref="SO-1", placed_at=T0)
        ordering.place_order(
            s, "C2", [LineRequest("ANVIL", 3)], ref="SO-2", placed_at=T0 + timedelta(hours=2)
        )
        ordering.place_order(
            s,
            "C3",
            [LineRequest("ROPE", 2), LineRequest("ANVIL", 4)],
            ref="SO-3",
            placed_at=T0 + timedelta(days=1),
        )
        purchasing.create_purchase_order(s, "ACME", [LineRequest("ANVIL", 6)], ref="PO-1")


@pytest.fixture
def shop(sqlite_db: Database) -> Database:
    fill_shop(sqlite_db)
    return sqlite_db


def column(model: PagedTableModel, title: str) -> int:
    return [c.title for c in model.columns].index(title)


def cells(model: PagedTableModel, title: str) -> list[str]:
    # model.data(), not index.data(): PySide6 6.12's QModelIndex.data() drops a reference to
    # None whenever a role has no value, which crashes the interpreter at exit.
    number = column(model, title)
    return [model.data(model.index(row, number)) for row in range(model.rowCount())]


@pytest.mark.parametrize(
    "model_class", [StockModel, OrdersModel, PurchaseOrdersModel, BackordersModel]
)
def test_every_model_passes_the_qt_model_tester(
    shop: Database, qtmodeltester: object, model_class: type[PagedTableModel]
) -> None:
    model = model_class(shop)
    model.page_size = 2  # make the tester walk through fetchMore too
    model.reload()
    qtmodeltester.check(model, force_py=True)  # type: ignore[attr-defined]
    model.set_query(search="zzz-nothing")
    qtmodeltester.check(model, force_py=True)  # type: ignore[attr-defined]


def test_stock_model_shows_figures_per_product(shop: Database) -> None:
    model = StockModel(shop)
    model.reload()
    assert cells(model, "SKU") == ["ANVIL", "GLUE", "ROPE"]
    assert cells(model, "On hand") == ["5", "0", "1,200"]
    assert cells(model, "Allocated") == ["5", "0", "2"]
    assert cells(model, "Incoming") == ["6", "0", "0"]
    assert cells(model, "Backordered") == ["9", "0", "0"]
    assert cells(model, "Policy") == ["Backorder"] * 3
    assert model.count.text("product", "products") == "3 products"
    on_hand = model.index(0, column(model, "On hand"))
    assert model.data(on_hand, Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert model.data(model.index(0, 0), KeyRole) == model.row_at(0).product_id


def test_backordered_zero_is_dimmed_and_positive_is_highlighted(shop: Database) -> None:
    model = StockModel(shop)
    model.reload()
    waiting = column(model, "Backordered")
    anvil, glue = model.index(0, waiting), model.index(1, waiting)
    assert model.data(anvil, Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(glue, Qt.ItemDataRole.BackgroundRole) is None
    dim = model.data(glue, Qt.ItemDataRole.ForegroundRole).color()
    assert dim.lightness() > 100  # grey, not the normal black text
    assert model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole) is None


def test_search_requeries_by_sku_name_or_barcode(shop: Database) -> None:
    model = StockModel(shop)
    model.reload()
    model.set_query(search="glue")
    assert cells(model, "SKU") == ["GLUE"]
    model.set_query(search="333931")
    assert cells(model, "SKU") == ["ANVIL"]
    model.set_query(search="")
    assert model.rowCount() == 3


def test_sorting_requeries_in_sql_and_ignores_unsortable_columns(shop: Database) -> None:
    model = StockModel(shop)
    model.reload()
    model.sort(column(model, "On hand"), Qt.SortOrder.DescendingOrder)
    assert model.query.sort == "on_hand" and model.query.descending
    assert cells(model, "SKU") == ["ROPE", "ANVIL", "GLUE"]
    model.sort(column(model, "Incoming"), Qt.SortOrder.AscendingOrder)
    assert model.query.sort == "on_hand"  # incoming is not sortable: order kept
    assert cells(model, "SKU") == ["ROPE", "ANVIL", "GLUE"]
    assert model.sort_column() == column(model, "On hand")


def test_rows_arrive_page_by_page(shop: Database) -> None:
    model = OrdersModel(shop)
    model.page_size = 2
    model.reload()
    assert model.rowCount() == 2 and model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 3 and not model.canFetchMore(QModelIndex())
    assert cells(model, "Ref") == ["SO-3", "SO-2", "SO-1"]
    model.reload()  # a refresh keeps as many rows as were loaded
    assert model.rowCount() == 3


def test_orders_model_formats_status_and_local_time(shop: Database) -> None:
    model = OrdersModel(shop)
    model.reload()
    # SO-1 and SO-3 have units allocated and others waiting: part ready (partial shipping).
    assert cells(model, "Status") == ["Part ready to ship", "Backordered", "Part ready to ship"]
    assert cells(model, "Customer") == ["Bugs Bunny", "Road Runner", "Wile Coyote"]
    assert cells(model, "Lines") == ["2", "1", "1"]
    placed = cells(model, "Placed at")[2]
    # The one format for times: the date as formatting.day shows it, then the local time.
    assert placed == formatting.moment(T0)
    assert placed.startswith(formatting.day(T0.astimezone().date()))
    assert placed.endswith(T0.astimezone().strftime(" %H:%M"))


def test_purchase_orders_model_shows_outstanding(shop: Database) -> None:
    model = PurchaseOrdersModel(shop)
    model.reload()
    assert cells(model, "Ref") == ["PO-1"]
    assert cells(model, "Supplier") == ["Acme Supplies"]
    assert cells(model, "Status") == ["Open"]
    assert cells(model, "Outstanding") == ["6"]


def test_an_overdue_purchase_order_shows_its_expected_date_as_a_warning(shop: Database) -> None:
    today = date.today()
    with shop.write() as s:
        purchasing.create_purchase_order(
            s, "ACME", [LineRequest("ROPE", 1)], ref="PO-LATE", expected_date=today - timedelta(3)
        )
        purchasing.create_purchase_order(
            s, "ACME", [LineRequest("ROPE", 1)], ref="PO-DUE", expected_date=today
        )
        purchasing.create_purchase_order(
            s,
            "ACME",
            [LineRequest("ROPE", 1)],
            ref="PO-DRAFT",
            expected_date=today - timedelta(1),
            draft=True,
        )
        purchasing.create_purchase_order(
            s, "ACME", [LineRequest("ROPE", 1)], ref="PO-1DAY", expected_date=today - timedelta(1)
        )
    model = PurchaseOrdersModel(shop)
    model.set_query(sort="ref", descending=False)
    expected = column(model, "Expected")
    by_ref = {model.row_at(n).ref: model.index(n, expected) for n in range(model.rowCount())}
    late, due, draft = by_ref["PO-LATE"], by_ref["PO-DUE"], by_ref["PO-DRAFT"]
    one = by_ref["PO-1DAY"]
    assert model.data(late) == f"{formatting.day(today - timedelta(3))} (overdue)"
    assert model.data(late, Qt.ItemDataRole.ToolTipRole) == "Expected 3 days ago"
    assert model.data(late, Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(one, Qt.ItemDataRole.ToolTipRole) == "Expected 1 day ago"
    for on_time in (due, draft):  # due today, or a draft (nothing is incoming yet)
        assert "overdue" not in model.data(on_time)
        assert model.data(on_time, Qt.ItemDataRole.ToolTipRole) is None
        assert model.data(on_time, Qt.ItemDataRole.ForegroundRole) is None


def test_a_sorted_numeric_columns_title_leaves_room_for_the_sort_arrow(shop: Database) -> None:
    model = StockModel(shop)
    on_hand, available = column(model, "On hand"), column(model, "Available")
    align = Qt.ItemDataRole.TextAlignmentRole
    horizontal = Qt.Orientation.Horizontal
    assert model.headerData(on_hand, horizontal, align) & Qt.AlignmentFlag.AlignRight
    changed: list[object] = []
    model.headerDataChanged.connect(lambda *args: changed.append(args))
    model.sort(on_hand, Qt.SortOrder.DescendingOrder)
    assert changed
    assert model.headerData(on_hand, horizontal, align) & Qt.AlignmentFlag.AlignLeft
    assert model.headerData(available, horizontal, align) & Qt.AlignmentFlag.AlignRight


def test_backorders_model_lists_the_queue_in_serving_order(shop: Database) -> None:
    model = BackordersModel(shop)
    model.reload()
    # Place and units ahead share one column since issue 3 ("3rd · 5 units ahead").
    assert cells(model, "Queue") == [
        "1st · 0 units ahead",
        "2nd · 2 units ahead",
        "3rd · 5 units ahead",
    ]
    assert cells(model, "Order") == ["SO-1", "SO-2", "SO-3"]
    assert cells(model, "Waiting") == ["2", "3", "4"]
    assert model.units_waiting == 9
    model.set_query(search="bunny")
    assert cells(model, "Queue") == ["3rd · 5 units ahead"]


def test_format_value() -> None:
    assert format_value(1234567) == "1,234,567"
    assert format_value(None) == ""
    when = datetime(2026, 11, 28, 14, 5)
    assert format_value(when) == formatting.moment(when)
    assert format_value(when).startswith(formatting.day(date(2026, 11, 28)))
    assert format_value(date(2026, 11, 28)) == formatting.day(date(2026, 11, 28))
