"""Dialogs: each gathers input, previews where it matters, and calls one service to write.

The main window opens them with ``Dialog(database, ..., parent=window).open()``; after a
successful write a dialog announces the change on :func:`app.ui.events.bus` and accepts.
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
