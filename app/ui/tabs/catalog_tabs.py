"""Products, Suppliers and Customers: the catalog a shop owner sets up and keeps.

Each tab lists its records (active ones; archived ones too, greyed, with "Show archived"),
and offers New, Edit and Archive/Unarchive. Records are never deleted: an archived product,
supplier or customer stays on every old document and is refused for new ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QTabWidget, QWidget
from sqlalchemy.orm import Session

from app.db import Database
from app.services import catalog
from app.services.changes import Area, Changing
from app.ui.actions import TabAction
from app.ui.models.catalog_models import (
    CatalogModel,
    CustomersModel,
    ProductsModel,
    SuppliersModel,
)
from app.ui.tabs.base import TableTab


class CatalogTab(TableTab):
    """A catalog tab: New, Edit, Archive/Unarchive and a "Show archived" box."""

    areas = frozenset({Area.CATALOG, Area.STOCK, Area.SETTINGS})
    #: What the records are called in buttons and messages ("product").
    kind = "record"
    #: The dialog that adds or edits one: (module in app.ui.dialogs, class name).
    dialog: tuple[str, str] = ("", "")
    #: "New …" from anywhere in the window (shortcuts are window-wide, so each is unique).
    new_shortcut = ""

    def __init__(
        self, database: Database, model: CatalogModel, *, name: str, hint: str,
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(
            database, model, search_name=f"{name}Search", search_hint=hint, parent=parent
        )
        self.setObjectName(f"{name}Tab")
        self.new_button = self.add_button(
            f"New {self.kind}…", f"new{self.kind.title()}Button", self.new_record,
            tip=f"Add a {self.kind}",
        )  # fmt: skip
        self.edit_button = self.add_button(
            "Edit…", f"editCatalog{self.kind.title()}Button", self.edit_selected,
            tip=f"Change the selected {self.kind} (or double-click it)",
        )  # fmt: skip
        self.archive_button = self.add_button(
            "Archive", f"archive{self.kind.title()}Button", self.toggle_archived,
            tip=f"Stop using the selected {self.kind} for anything new; old documents keep it",
        )  # fmt: skip

    def finish_toolbar(self) -> None:
        # In a box of its own: a read-only window hides the toolbar's buttons, not this.
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(12, 0, 0, 0)
        self.show_archived = QCheckBox("Show archived")
        self.show_archived.setObjectName(f"{self.objectName().removesuffix('Tab')}ShowArchived")
        self.show_archived.setToolTip(f"List archived {self.plural} too (shown grey)")
        self.show_archived.toggled.connect(lambda on: self.model.set_query(archived=on))
        row.addWidget(self.show_archived)
        self.toolbar.addWidget(box)
        super().finish_toolbar()

    def menu_actions(self) -> list[TabAction]:
        """ "New …" in the Catalog menu, from anywhere in the window. Editing, archiving and
        opening stock are the window's (:func:`catalog_menu_actions`): one of each, for the
        catalog tab on show, so each has one shortcut."""
        return [
            TabAction(
                f"new{self.kind.title()}Action", f"New {self.kind}…", self.new_record,
                "&Catalog", self.new_shortcut, anywhere=True, tip=f"Add a {self.kind}",
            )
        ]  # fmt: skip

    # --- what the subclasses say -----------------------------------------------------------

    def code_of(self, row: Any) -> str:
        return str(row.code)

    #: The service that archives (or, with ``archived=False``, brings back) one record.
    archiver: Callable[..., Changing]

    # --- actions -----------------------------------------------------------------------------

    def selected_code(self) -> str | None:
        row = self.selected_row()
        return None if row is None else self.code_of(row)

    def new_record(self) -> None:
        self.open_dialog(*self.dialog, None)

    def edit_selected(self) -> None:
        code = self.selected_code()
        if code is None:
            self.message.emit(f"Select a {self.kind} first")
            return
        self.open_dialog(*self.dialog, code)

    def row_activated(self, row: Any) -> None:
        self.edit_selected()

    def toggle_archived(self) -> None:
        row = self.selected_row()
        if row is None:
            self.message.emit(f"Select a {self.kind} first")
            return
        code, archive = self.code_of(row), not row.archived
        archiver = self.archiver  # the write captures plain values, never the tab

        def write(session: Session) -> Changing:
            return archiver(session, code, archived=archive)

        verb = "archived" if archive else "brought back"
        self.write(
            write,
            label=f"{'Archiving' if archive else 'Unarchiving'} {code}…",
            done=lambda _result: self.message.emit(f"{self.kind.capitalize()} {code} {verb}"),
        )

    def selection_changed(self, row: Any | None) -> None:
        usable = row is not None and not self.read_only
        self.edit_button.setEnabled(usable)
        self.archive_button.setEnabled(usable)
        archived = bool(row is not None and row.archived)
        self.archive_button.setText("Unarchive" if archived else "Archive")


class ProductsTab(CatalogTab):
    singular = "product"
    plural = "products"
    kind = "product"
    dialog = ("product", "ProductDialog")
    new_shortcut = "Ctrl+Shift+O"
    archiver = staticmethod(catalog.archive_product)

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(
            database, ProductsModel(database), name="products",
            hint="Search SKU, name or barcode", parent=parent,
        )  # fmt: skip
        self.opening_button: QPushButton = self.add_button(
            "Opening stock…", "openingStockButton", self.opening_stock,
            tip="Book how many of the selected product are on the shelf as you start",
        )  # fmt: skip
        self.finish_toolbar()

    def code_of(self, row: Any) -> str:
        return str(row.sku)

    def opening_stock(self) -> None:
        code = self.selected_code()
        if code is None:
            self.message.emit("Select a product first")
            return
        self.open_dialog("product", "OpeningStockDialog", code)

    def selection_changed(self, row: Any | None) -> None:
        super().selection_changed(row)
        self.opening_button.setEnabled(row is not None and not self.read_only)


class SuppliersTab(CatalogTab):
    singular = "supplier"
    plural = "suppliers"
    kind = "supplier"
    dialog = ("supplier", "SupplierDialog")
    new_shortcut = "Ctrl+Shift+Y"
    archiver = staticmethod(catalog.archive_supplier)

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(
            database, SuppliersModel(database), name="suppliers",
            hint="Search code, name, contact or email", parent=parent,
        )  # fmt: skip
        self.finish_toolbar()


class CustomersTab(CatalogTab):
    singular = "customer"
    plural = "customers"
    kind = "customer"
    dialog = ("customer", "CustomerDialog")
    new_shortcut = "Ctrl+Shift+T"
    archiver = staticmethod(catalog.archive_customer)

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(
            database, CustomersModel(database), name="customers",
            hint="Search code, name, email or phone", parent=parent,
        )  # fmt: skip
        self.finish_toolbar()


def catalog_menu_actions(tabs: QTabWidget) -> list[TabAction]:
    """Edit, archive and opening stock for the record selected on the catalog tab on show
    (F2, Ctrl+Shift+H, Ctrl+Shift+B): enabled as that tab's own buttons are."""

    def current() -> CatalogTab | None:
        tab = tabs.currentWidget()
        return tab if isinstance(tab, CatalogTab) else None

    def edit() -> None:
        if (tab := current()) is not None:
            tab.edit_selected()

    def archive() -> None:
        if (tab := current()) is not None:
            tab.toggle_archived()

    def opening() -> None:
        if isinstance(tab := current(), ProductsTab):
            tab.opening_stock()

    def can_edit() -> bool:
        tab = current()
        return tab is not None and tab.edit_button.isEnabled()

    def can_book() -> bool:
        tab = current()
        return isinstance(tab, ProductsTab) and tab.opening_button.isEnabled()

    return [
        TabAction(
            "editRecordAction", "&Edit selected…", edit, "&Catalog", "F2", enabled=can_edit,
            separator_before=True, tip="Change the selected product, supplier or customer (Enter)",
        ),
        TabAction(
            "archiveRecordAction", "&Archive or bring back", archive, "&Catalog", "Ctrl+Shift+H",
            enabled=can_edit,
            tip="Archived records stay on old documents and are refused for new ones",
        ),
        TabAction(
            "openingStockAction", "&Opening stock…", opening, "&Catalog", "Ctrl+Shift+B",
            enabled=can_book,
            tip="Book how many of the selected product are on the shelf as you start",
        ),
    ]  # fmt: skip
