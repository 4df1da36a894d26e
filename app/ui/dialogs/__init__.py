"""Dialogs: each gathers input, previews where it matters, and calls one service to write.

The main window opens them with ``Dialog(database, ..., parent=window).open()``. A dialog
saves through ``KeyboardDialog.save`` (off the GUI thread, ``app.ui.writing``), which
announces what the service says it changed on :func:`app.ui.events.bus`; then the dialog
accepts.
"""

from app.ui.dialogs.adjust_stock import AdjustStockDialog
from app.ui.dialogs.cancel_order import CancelOrderDialog
from app.ui.dialogs.new_order import NewOrderDialog
from app.ui.dialogs.new_purchase_order import NewPurchaseOrderDialog
from app.ui.dialogs.receive_stock import ReceiveStockDialog

__all__ = [
    "AdjustStockDialog",
    "CancelOrderDialog",
    "NewOrderDialog",
    "NewPurchaseOrderDialog",
    "ReceiveStockDialog",
]
