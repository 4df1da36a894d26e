"""The cost of a purchase order's lines in the PO dialogs: a unit cost per line (the PO's own,
else the product's) and the total under the lines."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel

from app.db import Database
from app.services.pricing import quote_costs
from app.ui.dialogs.line_items import LineItemsModel
from app.ui.dialogs.widgets import MessageLabel, guarded, read_with


def cost_total_label(footer_row: QHBoxLayout, name: str) -> QLabel:
    """A purchase order's "Total €12.60" label, put in the footer row before the button."""
    label = QLabel()
    label.setObjectName(name)
    label.setToolTip("What the purchase order costs at the unit costs of its lines")
    footer_row.insertWidget(1, label)
    footer_row.insertSpacing(2, 12)
    return label


def show_costs(
    database: Database,
    message: MessageLabel,
    lines: LineItemsModel,
    label: QLabel,
    po_ref: str | None = None,
) -> None:
    """Read the lines' unit costs (a PO's own, else the products') and show the total."""
    ids = lines.product_ids()
    costs = guarded(message, lambda: read_with(database, lambda s: quote_costs(s, ids, po_ref)))
    lines.set_costs(costs)
    total = lines.cost_total()
    label.setText(f"Total {total}" if total and ids else "")
