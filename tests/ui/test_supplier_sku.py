"""The supplier's own SKU shows wherever a purchase order is made, edited or received."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from app.db import Database
from app.services import catalog, ordering, purchasing
from app.services.ordering import LineRequest
from app.ui.dialogs import NewPurchaseOrderDialog
from app.ui.dialogs.edit_draft import EditDraftDialog
from app.ui.dialogs.line_items import LineItemsModel
from app.ui.dialogs.receive_stock import ReceiveStockDialog
from app.ui.dialogs.suggest_purchase_orders import SuggestPurchaseOrdersDialog
from tests.ui.shop_data import Shop, build_shop


def give_supplier_skus(database: Database) -> None:
    with database.write() as s:
        catalog.find_product(s, "MUG").supplier_sku = "AC-MUG-7"
        catalog.find_product(s, "TEA").supplier_sku = "AC-EG/250"
        catalog.create_supplier(s, "BOLT", "Bolt Brothers")


def column(table: QTableView, title: str) -> list[str]:
    model = table.model()
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    number = titles.index(title)
    return [model.index(row, number).data() for row in range(model.rowCount())]


def test_the_new_po_dialog_shows_the_supplier_s_sku_of_each_line(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    build_shop(sqlite_db)
    give_supplier_skus(sqlite_db)
    dialog = NewPurchaseOrderDialog(sqlite_db)
    qtbot.addWidget(dialog)
    dialog.supplier.setCurrentIndex(dialog.supplier.findData("ACME"))
    for sku in ("MUG", "KET", "TEA"):
        dialog.sku.setText(sku)
        dialog._add_line()
    assert dialog.lines.headers[LineItemsModel.SUPPLIER_SKU] == "Supplier SKU"
    assert column(dialog.table, "Supplier SKU") == ["AC-MUG-7", "", "AC-EG/250"]
    assert column(dialog.table, "SKU") == ["MUG", "KET", "TEA"]
    # Another supplier's PO: Acme's codes mean nothing to Bolt, so none shows (a tip says why).
    dialog.supplier.setCurrentIndex(dialog.supplier.findData("BOLT"))
    assert column(dialog.table, "Supplier SKU") == ["", "", ""]
    tip = dialog.lines.index(0, LineItemsModel.SUPPLIER_SKU).data(Qt.ItemDataRole.ToolTipRole)
    assert "AC-MUG-7" in tip and "ACME" in tip


def test_the_draft_suggest_and_receive_dialogs_show_the_supplier_s_sku(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    shop: Shop = build_shop(sqlite_db)
    give_supplier_skus(sqlite_db)
    with sqlite_db.write() as s:
        ordering.place_order(s, "C002", [LineRequest("MUG", 9)])
        draft = purchasing.create_purchase_order(
            s, "ACME", [LineRequest("TEA", 2), LineRequest("KET", 1)], draft=True
        ).ref

    edit = EditDraftDialog(sqlite_db, draft)
    qtbot.addWidget(edit)
    assert column(edit.table, "Supplier SKU") == ["AC-EG/250", ""]

    suggest = SuggestPurchaseOrdersDialog(sqlite_db)
    qtbot.addWidget(suggest)
    rows = dict(
        zip(column(suggest.table, "SKU"), column(suggest.table, "Supplier SKU"), strict=True)
    )
    assert rows["MUG"] == "AC-MUG-7"

    receive = ReceiveStockDialog(sqlite_db, shop.po_ref)
    qtbot.addWidget(receive)
    rows = dict(
        zip(
            column(receive.received_view, "SKU"),
            column(receive.received_view, "Supplier SKU"),
            strict=True,
        )
    )
    assert rows == {"MUG": "AC-MUG-7", "TEA": "AC-EG/250", "KET": ""}
